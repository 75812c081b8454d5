package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// unlockScript deletes the lock in KEYS[1] only while its value is still
// the owner value ARGV[1], so a holder whose lock expired cannot release
// the lock another process took since. The reply is the number of keys
// deleted.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// Lock implements [store.Locker] with SET NX and an expiry of ttl.
// While another process holds the lock, Lock retries every
// [Options.LockPollInterval] until it gets the lock or ctx ends, and
// then returns an error wrapping ctx's error. An error from Redis ends
// the wait at once, so the caller can renew without the lock.
//
// The returned function releases the lock if this call still holds it,
// and does nothing after the first call. A lock expires by itself after
// ttl, so a process that dies holding it delays the others by ttl at
// most. A release after ttl and a failed release are logged.
func (s *Store) Lock(ctx context.Context, id string, ttl time.Duration) (unlock func(), err error) {
	if id == "" {
		return nil, errors.New("redisstore: lock: session id is empty")
	}
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("redisstore: lock session %s: ttl %s is shorter than the 1 ms Redis allows", id, ttl)
	}
	key := s.lockKey(id)
	owner := rand.Text()
	for {
		sent := time.Now()
		ok, err := s.client.SetNX(ctx, key, owner, ttl).Result()
		s.health.observe(ctx, err)
		if err != nil {
			return nil, fmt.Errorf("redisstore: lock session %s: %w", id, err)
		}
		if ok {
			return s.releaser(id, key, owner, sent.Add(ttl)), nil
		}
		if err := s.pause(ctx); err != nil {
			return nil, fmt.Errorf("redisstore: lock session %s: still locked by another process when the wait ended: %w", id, err)
		}
	}
}

// pause waits one poll interval plus up to half of it at random, so that
// processes waiting for the same lock spread their retries.
func (s *Store) pause(ctx context.Context) error {
	d := s.poll + mathrand.N(s.poll/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaser returns the unlock function of a lock that expires no
// earlier than expires: the clock was read before SET was sent, and
// Redis starts the ttl when the command arrives.
func (s *Store) releaser(id, key, owner string, expires time.Time) func() {
	var once sync.Once
	return func() {
		once.Do(func() { s.release(id, key, owner, expires) })
	}
}

func (s *Store) release(id, key, owner string, expires time.Time) {
	attrs := []slog.Attr{slog.String("session_id", id)}
	if !time.Now().Before(expires) {
		s.logger.LogAttrs(context.Background(), slog.LevelWarn,
			"renewal lock held past its ttl; another process may have renewed the session at the same time", attrs...)
		return
	}
	// Waiting past expires would be useless: by then the lock is gone.
	ctx, cancel := context.WithDeadline(context.Background(), expires)
	defer cancel()
	n, err := unlockScript.Run(ctx, s.client, []string{key}, owner).Int()
	s.health.observe(ctx, err)
	switch {
	case err != nil:
		attrs = append(attrs, slog.String("error", err.Error()))
		s.logger.LogAttrs(ctx, slog.LevelWarn, "releasing renewal lock failed; it expires by itself", attrs...)
	case n == 0:
		s.logger.LogAttrs(ctx, slog.LevelWarn,
			"renewal lock expired before its release; another process may have renewed the session at the same time", attrs...)
	}
}
