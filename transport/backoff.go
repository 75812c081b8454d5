package transport

import (
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// failureKey names the backoff of one session id while it holds one
// refresh token. A session with the same id and another refresh token,
// such as a new login that replaced a revoked session, has a backoff of
// its own.
type failureKey struct {
	id           string
	refreshToken string
}

// failure records the failed renewals in a row of one failureKey.
// Records are replaced, never changed, so a sweep that deletes one it
// found stale cannot delete a newer one.
type failure struct {
	count int
	until time.Time // no renewal is sent before this time
	err   error     // the last attempt's error
}

// recordFailure extends the backoff of s after a renewal from stale
// failed. The wait doubles with each failure from MinBackoff up to
// MaxBackoff, and a random part of up to a fifth of it spreads the
// retries of many sessions. When the failed renewal still changed the
// session's refresh token, as one whose new token arrived already
// expired does, the count moves to the new token and keeps growing.
// Renewals of one id run one at a time, so the calls for one id do not
// overlap.
func (r *Refresher) recordFailure(s *session.Session, stale *session.Snapshot, err error) {
	from := failureKey{s.ID(), stale.RefreshToken()}
	to := failureKey{s.ID(), s.Snapshot().RefreshToken()}
	count := 1
	if v, ok := r.failures.Load(from); ok {
		count = v.(*failure).count + 1
	}
	wait := r.opts.MinBackoff << min(count-1, 30)
	if wait <= 0 || wait > r.opts.MaxBackoff {
		wait = r.opts.MaxBackoff
	}
	wait += time.Duration(unitFloat(r.seed+uint64(now().UnixNano())) * float64(wait) / 5)
	if from != to {
		r.failures.Delete(from)
	}
	r.failures.Store(to, &failure{count: count, until: now().Add(wait), err: err})
}

// clearFailures deletes the backoff of s under the refresh tokens that
// a successful renewal started from.
func (r *Refresher) clearFailures(s *session.Session, tokens ...string) {
	for _, token := range tokens {
		r.failures.Delete(failureKey{s.ID(), token})
	}
}

// backoffError returns a [*RenewError] while s waits after a failed
// renewal from its current refresh token, and nil when a renewal may be
// sent.
func (r *Refresher) backoffError(s *session.Session) error {
	v, ok := r.failures.Load(failureKey{s.ID(), s.Snapshot().RefreshToken()})
	if !ok {
		return nil
	}
	f := v.(*failure)
	if !now().Before(f.until) {
		return nil
	}
	return &RenewError{SessionID: s.ID(), Kind: s.Kind(), Backoff: true, RetryAt: f.until, Err: f.err}
}
