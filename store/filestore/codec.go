package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/sessionkit/sessionkit/store"
)

// formatVersion is the version of the file layout that this package
// writes and reads.
const formatVersion = 1

// envelope is the content of a session file. Record is the JSON of a
// [store.Record] with Go's default field names, and Checksum the hex
// SHA-256 of those exact bytes, which catches damage that leaves the
// JSON well formed.
type envelope struct {
	Format   int             `json:"format"`
	Checksum string          `json:"sha256"`
	Record   json.RawMessage `json:"record"`
}

// encode returns the file content for r.
func encode(r store.Record) ([]byte, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("filestore: encoding session %s: %w", r.SessionID, err)
	}
	sum := sha256.Sum256(raw)
	// Marshal, unlike MarshalIndent, copies raw unchanged, so the
	// checksum matches the bytes in the file.
	data, err := json.Marshal(envelope{
		Format:   formatVersion,
		Checksum: hex.EncodeToString(sum[:]),
		Record:   raw,
	})
	if err != nil {
		return nil, fmt.Errorf("filestore: encoding session %s: %w", r.SessionID, err)
	}
	return append(data, '\n'), nil
}

// decode returns the record in data, which must belong to session id.
// Its error is a reason for a [CorruptError] that does not quote data,
// because the file holds tokens.
func decode(data []byte, id string) (store.Record, string) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return store.Record{}, "content is not valid JSON"
	}
	if env.Format != formatVersion {
		return store.Record{}, fmt.Sprintf("format %d is not supported; want %d", env.Format, formatVersion)
	}
	sum := sha256.Sum256(env.Record)
	if env.Checksum != hex.EncodeToString(sum[:]) {
		return store.Record{}, "checksum mismatch"
	}
	var r store.Record
	if err := json.Unmarshal(env.Record, &r); err != nil {
		return store.Record{}, "record does not decode"
	}
	if r.SessionID != id {
		return store.Record{}, fmt.Sprintf("file contains session %q, not %q", r.SessionID, id)
	}
	return r, ""
}
