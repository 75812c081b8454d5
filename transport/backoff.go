package transport

import (
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// failure records the failed renewals of one session in a row.
type failure struct {
	mu sync.Mutex // guards the fields below
	// refreshToken is the refresh token the session held when the last
	// attempt failed. A session holding another one, such as a new
	// session that replaced a revoked one under the same id, is not
	// held back.
	refreshToken string
	count        int
	until        time.Time // no renewal is sent before this time
	err          error     // the last attempt's error
}

// recordFailure extends the backoff of s after a failed renewal. The
// wait doubles with each failure from MinBackoff up to MaxBackoff, and
// a random part of up to a fifth of it spreads the retries of many
// sessions.
func (r *Refresher) recordFailure(s *session.Session, err error) {
	token := s.Snapshot().RefreshToken()
	v, _ := r.failures.LoadOrStore(s.ID(), &failure{refreshToken: token})
	f := v.(*failure)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refreshToken != token {
		f.refreshToken, f.count = token, 0 // failures of other tokens
	}
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
// renewal, and nil when a renewal may be sent. Failures recorded while
// the session held another refresh token do not hold it back.
func (r *Refresher) backoffError(s *session.Session) error {
	v, ok := r.failures.Load(s.ID())
	if !ok {
		return nil
	}
	f := v.(*failure)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refreshToken != s.Snapshot().RefreshToken() || !now().Before(f.until) {
		return nil
	}
	return &RenewError{SessionID: s.ID(), Kind: s.Kind(), Backoff: true, RetryAt: f.until, Err: f.err}
}
