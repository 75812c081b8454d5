package filestore

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// tempPattern names the temporary files of writeAtomic, as
// ".0f3a.json.tmp-123456". The leading dot hides them from a plain ls.
const tempPattern = ".*.tmp-*"

// staleTempAge is the age at which New removes a temporary file, as left
// over from a process that crashed while writing. A write takes
// milliseconds, so no running write owns a file this old.
const staleTempAge = 10 * time.Minute

// writeAtomic replaces the file at path with data. It writes a
// temporary file with mode 0600 in the same directory, syncs it, renames
// it over path and syncs the directory. A crash leaves either the old
// file or the new one.
func writeAtomic(path string, data []byte) (err error) {
	dir, name := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("filestore: creating temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("filestore: writing %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("filestore: syncing %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("filestore: closing %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("filestore: replacing %s: %w", path, err)
	}
	return syncDir(dir)
}

// removeStaleTemps deletes the temporary files in dir older than
// staleTempAge. They hold tokens that no record refers to any more.
func removeStaleTemps(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, tempPattern))
	for _, name := range names {
		info, err := os.Lstat(name)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if time.Since(info.ModTime()) > staleTempAge {
			_ = os.Remove(name)
		}
	}
}
