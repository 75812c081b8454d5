package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// health follows whether Redis is reachable and logs each change, so an
// outage is logged once when it starts and once when it ends, not at
// every failed call. Safe for concurrent use.
type health struct {
	logger *slog.Logger
	down   atomic.Bool // read on every call; true during an outage

	mu       sync.Mutex // guards since and failures
	since    time.Time  // start of the current outage
	failures int64      // calls failed in the current outage
}

// observe records the outcome of one call to Redis. A reply, even an
// error reply, shows that Redis is reachable. An error without a reply
// counts as an outage unless ctx has ended, because then the caller
// gave up and the error shows nothing about Redis.
func (h *health) observe(ctx context.Context, err error) {
	if replied(err) {
		if h.down.Load() {
			h.recovered()
		}
		return
	}
	if ctx.Err() == nil {
		h.failed(err)
	}
}

func (h *health) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures++
	if h.down.Swap(true) {
		return
	}
	h.since = time.Now()
	h.logger.LogAttrs(context.Background(), slog.LevelWarn,
		"redis unreachable; each process renews sessions on its own until it is reachable again",
		slog.String("error", err.Error()))
}

func (h *health) recovered() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Swap(false) {
		return
	}
	h.logger.LogAttrs(context.Background(), slog.LevelInfo,
		"redis reachable again; renewals are coordinated again",
		slog.Duration("down_for", time.Since(h.since)),
		slog.Int64("failed_calls", h.failures))
	h.failures = 0
}

// replied reports whether err came with a reply from Redis.
func replied(err error) bool {
	var reply redis.Error
	return err == nil || errors.Is(err, redis.Nil) || errors.As(err, &reply)
}
