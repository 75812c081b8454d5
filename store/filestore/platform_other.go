//go:build !unix

package filestore

import (
	"os"
	"sync"
)

// locks maps the path of a lock file to its in-process mutex.
var locks sync.Map

// tryLock takes the in-process lock of f's path without waiting.
// NOTE: It does not exclude other processes, because this build has no
// flock(2).
func tryLock(f *os.File) (bool, error) {
	mu, _ := locks.LoadOrStore(f.Name(), new(sync.Mutex))
	return mu.(*sync.Mutex).TryLock(), nil
}

func unlock(f *os.File) {
	if mu, ok := locks.Load(f.Name()); ok {
		mu.(*sync.Mutex).Unlock()
	}
}

// syncDir does nothing: directories cannot be synced on this system.
func syncDir(string) error { return nil }

// permissionsEnforced is false: on this system, file modes do not show
// who may read a file, so New cannot check the directory.
const permissionsEnforced = false
