package filestore

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Bounds of the wait between two attempts to take a lock that another
// holder has. flock(2) cannot wait within a context, so a waiter polls.
const (
	minLockPoll = 2 * time.Millisecond
	maxLockPoll = 50 * time.Millisecond
)

// lockFile takes the exclusive lock of the file at path, creating the
// file with mode 0600 if needed, and waits within ctx while another
// holder has it. The returned function releases the lock.
func lockFile(ctx context.Context, path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: opening lock file: %w", err)
	}
	poll := minLockPoll
	for {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("filestore: locking %s: %w", path, err)
		}
		if ok {
			return func() {
				unlock(f)
				_ = f.Close()
			}, nil
		}
		if err := sleep(ctx, poll); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("filestore: waiting for lock %s: %w", path, err)
		}
		poll = min(2*poll, maxLockPoll)
	}
}

// sleep waits d, or returns ctx's error if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
