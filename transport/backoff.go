package transport

import (
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// failure records the failed renewals of one session in a row.
type failure struct {
	mu    sync.Mutex // guards the fields below
	count int
	until time.Time // no renewal is sent before this time
	err   error     // the last attempt's error
}

// recordFailure extends the backoff of s after a failed renewal. The
// wait doubles with each failure from MinBackoff up to MaxBackoff, and
// a random part of up to a fifth of it spreads the retries of many
// sessions.
func (r *Refresher) recordFailure(s *session.Session, err error) {
	v, _ := r.failures.LoadOrStore(s.ID(), &failure{})
	f := v.(*failure)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	wait := r.opts.MinBackoff << min(f.count-1, 30)
	if wait <= 0 || wait > r.opts.MaxBackoff {
		wait = r.opts.MaxBackoff
	}
	wait += time.Duration(unitFloat(r.seed+uint64(now().UnixNano())) * float64(wait) / 5)
	f.until = now().Add(wait)
	f.err = err
}

// backoffError returns a [*RenewError] while s waits after a failed
// renewal, and nil when a renewal may be sent.
func (r *Refresher) backoffError(s *session.Session) error {
	v, ok := r.failures.Load(s.ID())
	if !ok {
		return nil
	}
	f := v.(*failure)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !now().Before(f.until) {
		return nil
	}
	return &RenewError{SessionID: s.ID(), Kind: s.Kind(), Backoff: true, Err: f.err}
}
