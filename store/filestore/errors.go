package filestore

import (
	"errors"
	"fmt"

	"github.com/sessionkit/sessionkit/store"
)

// ErrVersionConflict is wrapped by the error of [Store.Save] for a record
// whose Version is not greater than that of the stored record. Another
// process saved a newer record of the session, which stays in place.
var ErrVersionConflict = errors.New("filestore: a newer version of the session is stored")

// CorruptError reports a session file that cannot be read or decoded,
// with no backup to fall back to. It wraps [store.ErrCorrupt] and the
// error of the read, if any. It never quotes the file's content.
type CorruptError struct {
	Path   string // the session's file
	Reason string // what is wrong, such as "checksum mismatch"
	Err    error  // the read error, or nil for a file that does not decode
}

// Error returns a message such as
// "filestore: session file /var/lib/app/0f3a.json is corrupt: checksum mismatch".
func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("filestore: session file %s is corrupt: %s", e.Path, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns [store.ErrCorrupt] and the read error, if any.
func (e *CorruptError) Unwrap() []error {
	if e.Err == nil {
		return []error{store.ErrCorrupt}
	}
	return []error{store.ErrCorrupt, e.Err}
}
