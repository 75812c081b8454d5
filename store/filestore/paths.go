package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
)

// maxPlainID is the longest session id that is used as a file name as
// it is. Session ids of JWT sessions are 64 hex digits.
const maxPlainID = 128

// sessionPaths are the files of one session in the store's directory.
type sessionPaths struct {
	current   string // the record
	backup    string // the previous good record
	corrupt   string // a damaged record, moved aside by Save
	writeLock string // held while Save replaces the record
	renewLock string // held by Store.Lock while a process renews
}

func (s *Store) paths(id string) sessionPaths {
	base := filepath.Join(s.dir, fileBase(id))
	return sessionPaths{
		current:   base + ".json",
		backup:    base + ".json.bak",
		corrupt:   base + ".json.corrupt",
		writeLock: base + ".write.lock",
		renewLock: base + ".renew.lock",
	}
}

// fileBase returns the file name stem of a session. An id of letters,
// digits, '-' and '_' is used as it is. Any other id, which could name
// another directory or clash with a file of its own, is replaced by "~"
// and the hex SHA-256 of the id. No plain id contains "~", so the two
// forms never meet.
func fileBase(id string) string {
	if plainID(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "~" + hex.EncodeToString(sum[:])
}

func plainID(id string) bool {
	if id == "" || len(id) > maxPlainID {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
