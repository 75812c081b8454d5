//go:build unix

package filestore

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes the exclusive flock(2) lock of f without waiting, and
// reports false when another open file description holds it. Each call
// of lockFile opens the file anew, so goroutines of one process exclude
// each other as processes do.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		}
		return false, err
	}
}

// unlock releases the lock of f. Closing f would release it too.
func unlock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// syncDir syncs the directory dir, so that a rename in it survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// permissionsEnforced is true where file modes restrict access, so that
// New can reject a directory that other users may enter.
const permissionsEnforced = true
