package transport

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/sessionkit/sessionkit/session"
)

// clockOffset shifts the clock of this package; tests set it to move a
// token into its refresh window or past its expiry.
var clockOffset atomic.Int64

// now returns the current time, shifted by clockOffset.
func now() time.Time {
	t := time.Now()
	if off := clockOffset.Load(); off != 0 {
		return t.Add(time.Duration(off))
	}
	return t
}

// Refresher renews the tokens of sessions through an [Authenticator]:
// at most one refresh or login per session at a time, shared by every
// request that needs it. A fresh token costs one atomic load and no
// lock. Safe for concurrent use; call [Refresher.Close] to stop the
// renewals it started.
type Refresher struct {
	auth   Authenticator
	opts   Options
	seed   uint64 // jitter seed, different for each Refresher
	group  singleflight.Group
	ctx    context.Context // parent of every renewal; cancelled by Close
	cancel context.CancelFunc

	mu      sync.Mutex // guards closed and the Add side of running
	closed  bool
	running sync.WaitGroup // renewals in progress

	background     sync.Map // session id to struct{}: background renewals started
	failures       sync.Map // tokenKey of a refresh token to *failure: backoff after a failed renewal
	unknownOutcome sync.Map // tokenKey of a refresh token whose last use had an unknown outcome to struct{}
	versions       sync.Map // session id to int64: newest store version seen
	forced         sync.Map // tokenKey of an access token to *forcedRenewal: renewals after a 401
	stats          counters
	lastSweep      atomic.Int64 // unix nanoseconds of the last sweep of stale state

	// NOTE: versions keeps an entry for every session id that renewed
	// with a store, and unknownOutcome one for every refresh token whose
	// use had an unknown outcome, so that it is not sent again unless a
	// login returns it.
	// Neither is swept, because no age shows that a session or token is
	// gone. A program that churns through many store-backed sessions
	// grows versions by about 190 bytes per id (measured with
	// 64-character ids).
}

// NewRefresher returns a Refresher that renews tokens through auth.
func NewRefresher(auth Authenticator, opts ...Option) *Refresher {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Refresher{
		auth:   auth,
		opts:   buildOptions(opts),
		seed:   rand.Uint64(),
		ctx:    ctx,
		cancel: cancel,
	}
	return r
}

// Token returns a token to send for s. A token outside the refresh
// window, or of unknown expiry, is returned at once. Inside the window
// but still valid, the current token is returned while one background
// renewal runs. An expired token makes the caller wait, within ctx, for
// the one shared renewal. A timed session past expiry returns an
// [*ExpiredError].
func (r *Refresher) Token(ctx context.Context, s *session.Session) (*session.Snapshot, error) {
	snap := s.Snapshot()
	t := now()
	if t.Before(r.renewAt(snap)) || snap.Expiry().IsZero() {
		return snap, nil // fresh, or of unknown expiry: used until a 401
	}
	if t.Before(snap.Expiry()) {
		if s.Refreshable() {
			r.renewInBackground(s, snap)
		}
		return snap, nil
	}
	if !s.Refreshable() {
		return nil, &ExpiredError{SessionID: s.ID()}
	}
	return r.renew(ctx, s, snap)
}

// Renew returns a token to retry with after the server rejected stale.
// If the session already holds a newer token, that token is returned
// and nothing is sent; otherwise the caller waits for one shared
// renewal. A timed session cannot renew and returns stale's rejection
// as an [*ExpiredError].
//
// A token that was itself obtained after a 401 and whose retry was
// rejected too is not renewed again for MaxBackoff: the 401s are then
// not about the token, and renewing on each would flood the auth
// server. Renew returns [ErrRejectedAfterRenewal] in that case.
func (r *Refresher) Renew(ctx context.Context, s *session.Session, stale *session.Snapshot) (*session.Snapshot, error) {
	if cur := s.Snapshot(); cur != stale {
		return r.Token(ctx, s)
	}
	if !s.Refreshable() {
		return nil, &ExpiredError{SessionID: s.ID()}
	}
	if r.suppressed(s, stale) {
		return nil, ErrRejectedAfterRenewal
	}
	snap, err := r.renew(ctx, s, stale)
	if err == nil {
		r.noteForced(s, snap)
	}
	return snap, err
}

// renewAt returns when a background renewal of snap starts: the window
// before expiry, shrunk to a third of a short token's lifetime and
// widened by a jitter that is fixed for each snapshot.
func (r *Refresher) renewAt(snap *session.Snapshot) time.Time {
	window := r.opts.Window
	if life := snap.Lifetime(); life > 0 && window > life/3 {
		window = life / 3
	}
	if r.opts.Jitter > 0 {
		frac := unitFloat(r.seed ^ uint64(snap.Obtained().UnixNano()))
		window += time.Duration(frac * r.opts.Jitter * float64(window))
	}
	return snap.Expiry().Add(-window)
}

// unitFloat maps x to [0, 1) through the splitmix64 finalizer, a cheap
// hash whose output bits are evenly spread.
func unitFloat(x uint64) float64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// renewInBackground starts one renewal of s unless one is running or
// the last attempt failed too recently. The caller does not wait. The
// renewal may join a flight that a waiting caller started; either way
// the marker is cleared when that flight ends.
func (r *Refresher) renewInBackground(s *session.Session, snap *session.Snapshot) {
	id := s.ID()
	if _, running := r.background.LoadOrStore(id, struct{}{}); running {
		return
	}
	if r.backoffError(s) != nil || !r.enter() {
		r.background.Delete(id)
		return
	}
	go func() {
		defer r.running.Done()
		defer r.background.Delete(id)
		<-r.startFlight(s, snap)
	}()
}

// renewal is the result of a flight: the snapshot it obtained for owner,
// the session object that started it.
type renewal struct {
	owner *session.Session
	snap  *session.Snapshot
}

// startFlight starts the shared renewal of s from stale, or joins the
// one running for s's id.
func (r *Refresher) startFlight(s *session.Session, stale *session.Snapshot) <-chan singleflight.Result {
	return r.group.DoChan(s.ID(), func() (any, error) {
		snap, err := r.flight(s, stale)
		return renewal{owner: s, snap: snap}, err
	})
}

// renew waits, within ctx, for the one shared renewal of s.
//
// Flights are shared by session id. A flight started by another session
// object with the same id, one that s replaced in a manager or that
// replaced s, renews that object and not s. Its result, token or error,
// is not s's, so renew waits for it to end and then renews s itself.
func (r *Refresher) renew(ctx context.Context, s *session.Session, stale *session.Snapshot) (*session.Snapshot, error) {
	for {
		if err := r.backoffError(s); err != nil {
			return nil, err
		}
		var res singleflight.Result
		select {
		case res = <-r.startFlight(s, stale):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		result := res.Val.(renewal)
		if result.owner != s {
			if cur := s.Snapshot(); cur != stale {
				return cur, nil
			}
			continue
		}
		if res.Err != nil {
			return nil, res.Err
		}
		return result.snap, nil
	}
}

// flight is the shared renewal. It runs under the Refresher's own
// context and timeout, so a caller that gives up neither cancels it nor
// loses its result: rotated tokens are stored in the session either way.
// With a store, it holds the store's lock of the session, takes tokens
// another process stored if they are newer, and saves what it obtained.
func (r *Refresher) flight(s *session.Session, stale *session.Snapshot) (*session.Snapshot, error) {
	if !r.enter() {
		return nil, &RenewError{SessionID: s.ID(), Kind: s.Kind(), Err: ErrClosed}
	}
	defer r.running.Done()
	r.maybeSweep()

	if cur := s.Snapshot(); cur != stale {
		return cur, nil // renewed since the caller looked
	}
	if err := r.backoffError(s); err != nil {
		return nil, err // an attempt failed since the caller looked
	}

	unlock := r.lockStored(s)
	defer unlock()
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.RefreshTimeout)
	defer cancel()
	started := stale.RefreshToken()
	if snap, usable := r.adoptStored(ctx, s, stale); usable {
		r.clearFailures(s, started)
		return snap, nil
	} else if snap != nil {
		stale = snap // renew from the stored, newer refresh token
		if err := r.backoffError(s); err != nil {
			return nil, err // that token failed recently
		}
	}

	snap, err := r.refreshOrLogin(ctx, s, stale)
	if err == nil {
		r.saveStored(ctx, s)
		err = checkNotExpired(snap)
	}
	if err != nil {
		r.recordFailure(s, started, stale, err)
		return nil, &RenewError{SessionID: s.ID(), Kind: s.Kind(), Err: err}
	}
	r.clearFailures(s, started, stale.RefreshToken())
	return snap, nil
}

// checkNotExpired returns [ErrExpiredOnArrival] for a renewed token that
// has already expired by this machine's clock, so that renewal backs off
// instead of repeating for every request.
func checkNotExpired(snap *session.Snapshot) error {
	if exp := snap.Expiry(); !exp.IsZero() && !now().Before(exp) {
		return ErrExpiredOnArrival
	}
	return nil
}

// enter registers a renewal unless the Refresher is closed.
func (r *Refresher) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.running.Add(1)
	return true
}

// Close cancels the renewals in progress and waits for them to end.
// Later renewals fail with [ErrClosed]; tokens that are still valid keep
// working. A refresh cancelled this way after the server received it
// may have rotated the refresh token, so the session's refresh token may
// be spent; [Refresher.Shutdown] lets renewals finish instead. Close is
// idempotent and safe to call beside requests in flight.
func (r *Refresher) Close() error {
	r.markClosed()
	r.cancel()
	r.running.Wait()
	return nil
}

// Shutdown stops new renewals and waits until those in progress finish,
// so that their tokens are stored. If ctx ends first, Shutdown cancels
// the rest as Close does and returns ctx's error.
func (r *Refresher) Shutdown(ctx context.Context) error {
	r.markClosed()
	done := make(chan struct{})
	go func() {
		r.running.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	r.cancel()
	<-done
	return err
}

func (r *Refresher) markClosed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

// Stats returns the counts of renewals since the Refresher was created.
func (r *Refresher) Stats() Stats { return r.stats.snapshot() }

// counters are the running totals behind [Stats].
type counters struct {
	refreshes, refreshFailures atomic.Int64
	logins, loginFailures      atomic.Int64
	retries                    atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Refreshes:       c.refreshes.Load(),
		RefreshFailures: c.refreshFailures.Load(),
		Logins:          c.logins.Load(),
		LoginFailures:   c.loginFailures.Load(),
		Retries:         c.retries.Load(),
	}
}

// Stats are counts of what a [Refresher] or [RoundTripper] did.
type Stats struct {
	Refreshes       int64 // successful refreshes
	RefreshFailures int64 // failed refreshes
	Logins          int64 // successful logins of permanent sessions
	LoginFailures   int64 // failed logins
	Retries         int64 // requests sent again after a 401
}
