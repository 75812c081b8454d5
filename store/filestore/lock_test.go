package filestore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

func TestLockExcludesGoroutines(t *testing.T) {
	s := newTestStore(t)
	const workers, rounds = 8, 25
	var holders, maxHolders atomic.Int32
	var wg sync.WaitGroup

	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range rounds {
				if err := incrementUnderLock(s, func() {
					n := holders.Add(1)
					if n > maxHolders.Load() {
						maxHolders.Store(n)
					}
					time.Sleep(100 * time.Microsecond)
					holders.Add(-1)
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("workers did not finish within 30 s")
	}

	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := mustLoad(t, s, testID).Version; got != workers*rounds {
		t.Errorf("version = %d; want %d, one per locked increment", got, workers*rounds)
	}
	if got := maxHolders.Load(); got != 1 {
		t.Errorf("at most %d goroutines held the lock at once; want 1", got)
	}
}

// incrementUnderLock takes the renewal lock of testID, saves its record
// one version up and calls inside while holding the lock.
func incrementUnderLock(s *Store, inside func()) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, testID, time.Minute)
	if err != nil {
		return err
	}
	defer unlock()
	inside()
	r, err := s.Load(ctx, testID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	next := record(r.Version + 1)
	return s.Save(ctx, next)
}

func TestLockExpiresAfterTTL(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	const ttl = 50 * time.Millisecond
	start := time.Now()
	unlockFirst, err := s.Lock(ctx, testID, ttl)
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	unlockSecond, err := s.Lock(waitCtx, testID, 0)
	if err != nil {
		t.Fatalf("Lock after the first holder's ttl: %v", err)
	}
	if waited := time.Since(start); waited < ttl {
		t.Errorf("second Lock returned after %v; want at least the ttl %v", waited, ttl)
	}

	unlockFirst() // expired already: must not release the second holder's lock
	shortCtx, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := s.Lock(shortCtx, testID, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock while the second holder has it: error = %v; want DeadlineExceeded", err)
	}
	unlockSecond()
	unlockSecond()
	unlockThird, err := s.Lock(waitCtx, testID, 0)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlockThird()
}

func TestLockSessionsIndependent(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	unlockA, err := s.Lock(ctx, "a", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockA()
	unlockB, err := s.Lock(ctx, "b", 0)
	if err != nil {
		t.Fatalf("Lock(b) while a is locked: %v", err)
	}
	unlockB()
}

func TestSaveWhileRenewLockHeld(t *testing.T) {
	// The Refresher saves while it holds the renewal lock, so Save must
	// not wait for that lock.
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, testID, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := s.Save(ctx, record(1)); err != nil {
		t.Errorf("Save under the renewal lock: %v", err)
	}
}
