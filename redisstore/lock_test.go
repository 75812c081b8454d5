package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/redisstore"
)

func TestLockExcludesOthers(t *testing.T) {
	st, _, _ := newStore(t)
	unlock, err := st.Lock(context.Background(), "s1", 5*time.Second)
	if err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := st.Lock(ctx, "s1", 5*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Lock while held: error %v; want context.DeadlineExceeded", err)
	}
	if unlock2, err := st.Lock(context.Background(), "s2", 5*time.Second); err != nil {
		t.Errorf("Lock of another session: %v; want nil", err)
	} else {
		unlock2()
	}
	unlock()
	again, err := st.Lock(context.Background(), "s1", 5*time.Second)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	again()
}

func TestLockWaitsForRelease(t *testing.T) {
	st, _, _ := newStore(t, func(o *redisstore.Options) { o.LockPollInterval = 10 * time.Millisecond })
	unlock, err := st.Lock(context.Background(), "s1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		released <- time.Now()
		unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	next, err := st.Lock(ctx, "s1", 5*time.Second)
	if err != nil {
		t.Fatalf("waiting Lock: %v", err)
	}
	defer next()
	if wait := time.Since(<-released); wait > 500*time.Millisecond {
		t.Errorf("Lock returned %v after the release; want within a few poll intervals", wait)
	}
}

// TestLockTakenOverAfterExpiry is the case of a holder that died: its
// lock expires after ttl and the next process gets it.
func TestLockTakenOverAfterExpiry(t *testing.T) {
	st, _, _ := newStore(t, func(o *redisstore.Options) { o.LockPollInterval = 10 * time.Millisecond })
	const ttl = 300 * time.Millisecond
	start := time.Now()
	if _, err := st.Lock(context.Background(), "s1", ttl); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	unlock, err := st.Lock(ctx, "s1", ttl)
	if err != nil {
		t.Fatalf("Lock after the holder's ttl: %v", err)
	}
	defer unlock()
	if waited := time.Since(start); waited < ttl-20*time.Millisecond || waited > ttl+500*time.Millisecond {
		t.Errorf("second Lock after %v; want about the ttl %v", waited, ttl)
	}
}

// TestUnlockOnlyByOwner checks that a holder whose lock expired and was
// taken by another process does not release the new holder's lock.
func TestUnlockOnlyByOwner(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	st, client, prefix := newStore(t, func(o *redisstore.Options) { o.Logger = logger })
	ctx := context.Background()
	unlockA, err := st.Lock(ctx, "s1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Another process takes over, as it would after A's lock expired.
	if err := client.Set(ctx, prefix+"lock:s1", "owner-b", 5*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	unlockA()
	unlockA() // a second call does nothing
	owner, err := client.Get(ctx, prefix+"lock:s1").Result()
	if err != nil || owner != "owner-b" {
		t.Errorf("lock owner after A's unlock = %q, %v; want owner-b", owner, err)
	}
	if n := strings.Count(logs.String(), "renewal lock expired before its release"); n != 1 {
		t.Errorf("log has %d warnings about the lost lock; want 1:\n%s", n, logs.String())
	}
}

func TestUnlockAfterTTLLeavesLock(t *testing.T) {
	var logs bytes.Buffer
	st, client, prefix := newStore(t, func(o *redisstore.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	ctx := context.Background()
	unlockA, err := st.Lock(ctx, "s1", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	unlockB, err := st.Lock(ctx, "s1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockB()
	unlockA()
	if n, err := client.Exists(ctx, prefix+"lock:s1").Result(); err != nil || n != 1 {
		t.Errorf("B's lock exists = %d, %v; want 1 after A's late unlock", n, err)
	}
	if !strings.Contains(logs.String(), "renewal lock held past its ttl") {
		t.Errorf("log lacks the warning about the ttl:\n%s", logs.String())
	}
}

func TestLockInvalidTTL(t *testing.T) {
	st, _, _ := newStore(t)
	for _, ttl := range []time.Duration{0, -time.Second, time.Microsecond} {
		if _, err := st.Lock(context.Background(), "s1", ttl); err == nil {
			t.Errorf("Lock with ttl %v: nil error; want one", ttl)
		}
	}
}

// TestLockMutualExclusion runs holders with stores of their own, as
// processes would, and checks that no two are inside at once.
func TestLockMutualExclusion(t *testing.T) {
	_, client, prefix := newStore(t)
	const holders, rounds = 6, 15
	var inside, overlaps, entries atomic.Int32
	var wg sync.WaitGroup
	for range holders {
		st, err := redisstore.New(client, func(o *redisstore.Options) {
			o.KeyPrefix = prefix
			o.LockPollInterval = 2 * time.Millisecond
		})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range rounds {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				unlock, err := st.Lock(ctx, "shared", 5*time.Second)
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				entries.Add(1)
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if got := overlaps.Load(); got != 0 {
		t.Errorf("entries while another holder was inside = %d; want 0", got)
	}
	if got := entries.Load(); got != holders*rounds {
		t.Errorf("entries = %d; want %d", got, holders*rounds)
	}
}
