package transport

import (
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// tokenKey names what a Refresher records about one token of one
// session id: a backoff per refresh token, an unknown outcome per
// refresh token, a renewal after a 401 per access token. Two sessions
// of one id that hold different tokens, such as a new login that
// replaced a revoked session, get records of their own.
type tokenKey struct {
	id    string
	token string
}

// failure records the failed renewals in a row from one refresh token.
// Records are replaced, never changed, so a sweep that deletes one it
// found stale cannot delete a newer one.
type failure struct {
	count int
	until time.Time // no renewal is sent before this time
	err   error     // the last attempt's error
}

// recordFailure extends the backoff of s after a failed renewal that
// started from the refresh token started and sent stale's, which differ
// when the renewal adopted a stored token. The wait doubles with each
// failure from MinBackoff up to MaxBackoff, and a random part of up to
// a fifth of it spreads the retries of many sessions. The count goes on
// from the highest one recorded for any of the tokens involved. It is
// stored under the token the session holds now, so a failure that
// changed the refresh token still doubles the wait, as when the new
// token arrived already expired. The older records stay until a sweep
// removes them, so other sessions that hold those tokens stay held
// back too.
func (r *Refresher) recordFailure(s *session.Session, started string, stale *session.Snapshot, err error) {
	to := tokenKey{s.ID(), s.Snapshot().RefreshToken()}
	count := 1
	for _, token := range []string{started, stale.RefreshToken(), to.token} {
		if v, ok := r.failures.Load(tokenKey{s.ID(), token}); ok {
			count = max(count, v.(*failure).count+1)
		}
	}
	wait := r.opts.MinBackoff << min(count-1, 30)
	if wait <= 0 || wait > r.opts.MaxBackoff {
		wait = r.opts.MaxBackoff
	}
	wait += time.Duration(unitFloat(r.seed+uint64(now().UnixNano())) * float64(wait) / 5)
	r.failures.Store(to, &failure{count: count, until: now().Add(wait), err: err})
}

// clearFailures deletes the backoff of s under the refresh tokens that
// a successful renewal started from.
func (r *Refresher) clearFailures(s *session.Session, tokens ...string) {
	for _, token := range tokens {
		r.failures.Delete(tokenKey{s.ID(), token})
	}
}

// backoffError returns a [*RenewError] while s waits after a failed
// renewal from its current refresh token, and nil when a renewal may be
// sent.
func (r *Refresher) backoffError(s *session.Session) error {
	v, ok := r.failures.Load(tokenKey{s.ID(), s.Snapshot().RefreshToken()})
	if !ok {
		return nil
	}
	f := v.(*failure)
	if !now().Before(f.until) {
		return nil
	}
	return &RenewError{SessionID: s.ID(), Kind: s.Kind(), Backoff: true, RetryAt: f.until, Err: f.err}
}
