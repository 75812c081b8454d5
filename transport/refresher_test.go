package transport

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

func TestTokenFreshIsCurrentSnapshot(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	got, err := r.Token(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got != s.Snapshot() {
		t.Errorf("Token returned another snapshot than the current one")
	}
	if n := auth.refreshes.Load(); n != 0 {
		t.Errorf("refreshes = %d; want 0 for a fresh token", n)
	}
}

func TestTokenExpiredThousandCallersOneRefresh(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 50 * time.Millisecond
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	stale := s.Snapshot()

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for range 1000 {
		wg.Go(func() {
			snap, err := r.Token(context.Background(), s)
			if err == nil && snap == stale {
				err = errors.New("got the expired token")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Token: %v", err)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
	if got := r.Stats().Refreshes; got != 1 {
		t.Errorf("Stats().Refreshes = %d; want 1", got)
	}
}

func TestTokenInWindowRefreshesInBackground(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 100 * time.Millisecond
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	setClock(t, 59*time.Minute) // inside the 120 s window
	before := s.Snapshot()

	start := time.Now()
	for range 50 {
		snap, err := r.Token(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if snap != before {
			t.Fatalf("Token returned a new snapshot before the background refresh ended")
		}
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("50 calls took %v; they waited for the refresh", d)
	}
	waitFor(t, "background refresh", func() bool { return s.Snapshot() != before })
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
}

func TestTokenTimedExpiredFailsFast(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Timed, -time.Second)
	_, err := r.Token(context.Background(), s)
	var ee *ExpiredError
	if !errors.As(err, &ee) || !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("error = %v; want *ExpiredError wrapping ErrSessionExpired", err)
	}
	if ee.SessionID != s.ID() {
		t.Errorf("SessionID = %q; want %q", ee.SessionID, s.ID())
	}
	if n := auth.refreshes.Load() + auth.logins.Load(); n != 0 {
		t.Errorf("auth calls = %d; want 0", n)
	}
}

func TestTokenTimedInWindowStillUsed(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour))
	defer r.Close()
	s := newTestSession(t, session.Timed, 30*time.Second)
	snap, err := r.Token(context.Background(), s)
	if err != nil || snap != s.Snapshot() {
		t.Fatalf("Token = %v, %v; want the current snapshot", snap, err)
	}
}

func TestPermanentLogsInWhenRefreshFails(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.failRefresh(errors.New("fake: refresh token revoked"))
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Permanent, -time.Second)
	snap, err := r.Token(context.Background(), s)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if !time.Now().Before(snap.Expiry()) {
		t.Errorf("token after login is expired")
	}
	if got := auth.logins.Load(); got != 1 {
		t.Errorf("logins = %d; want 1", got)
	}
	st := r.Stats()
	if st.Logins != 1 || st.RefreshFailures != 1 {
		t.Errorf("Stats = %+v; want 1 login and 1 refresh failure", st)
	}
}

func TestRefreshableFailureIsTyped(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	cause := errors.New("fake: refresh token revoked")
	auth.failRefresh(cause)
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	_, err := r.Token(context.Background(), s)
	var re *RenewError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v; want *RenewError", err)
	}
	if !errors.Is(err, cause) || !errors.Is(err, ErrRenewFailed) {
		t.Errorf("error = %v; want it to wrap the cause and ErrRenewFailed", err)
	}
	if auth.logins.Load() != 0 {
		t.Errorf("a refreshable session logged in")
	}
}

func TestFailedRenewalSharedAndBackedOff(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 50 * time.Millisecond
	auth.failRefresh(errors.New("fake: 503"))
	r := NewRefresher(auth, func(o *Options) { o.MinBackoff = time.Minute })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { _, errs[i] = r.Token(context.Background(), s) })
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrRenewFailed) {
			t.Errorf("caller %d: error = %v; want ErrRenewFailed", i, err)
		}
	}
	_, err := r.Token(context.Background(), s)
	var re *RenewError
	if !errors.As(err, &re) || !re.Backoff {
		t.Errorf("call during backoff: error = %v; want a RenewError with Backoff", err)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1 attempt for all callers and none during backoff", n)
	}
}

func TestBackgroundFailureKeepsToken(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.failRefresh(errors.New("fake: 500"))
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	setClock(t, 59*time.Minute)
	before := s.Snapshot()
	for range 100 {
		snap, err := r.Token(context.Background(), s)
		if err != nil || snap != before {
			t.Fatalf("Token = %v, %v; want the still-valid token", snap, err)
		}
		time.Sleep(time.Millisecond)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1 (then backoff)", n)
	}
}

func TestCallerCancelDoesNotAbortRefresh(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 200 * time.Millisecond
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	stale := s.Snapshot()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Token(ctx, s)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("cancelled caller returned after %v", d)
	}
	waitFor(t, "refresh to finish", func() bool { return s.Snapshot() != stale })
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
}

func TestRenewUsesNewerToken(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	old := s.Snapshot()
	if _, err := s.Update(session.Tokens{AccessToken: mintToken(testIssuer, time.Now().Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Renew(context.Background(), s, old)
	if err != nil {
		t.Fatal(err)
	}
	if got != s.Snapshot() {
		t.Errorf("Renew did not return the newer token")
	}
	if n := auth.refreshes.Load(); n != 0 {
		t.Errorf("refreshes = %d; want 0", n)
	}
}

func TestCloseStopsRenewals(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 10 * time.Second
	r := NewRefresher(auth)
	s := newTestSession(t, session.Refreshable, -time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := r.Token(context.Background(), s)
		done <- err
	}()
	waitFor(t, "refresh to start", func() bool { return auth.refreshes.Load() == 1 })
	closed := make(chan struct{})
	go func() {
		r.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Fatal("Close did not return within a second")
	}
	if err := <-done; !errors.Is(err, ErrRenewFailed) {
		t.Errorf("waiting caller: error = %v; want ErrRenewFailed", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	r.failures.Clear()
	if _, err := r.Token(context.Background(), s); !errors.Is(err, ErrClosed) {
		t.Errorf("Token after Close: error = %v; want ErrClosed", err)
	}
}

func TestRenewAtShrinksForShortTokens(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour), func(o *Options) { o.Jitter = -1 })
	defer r.Close()
	tests := []struct {
		name       string
		ttl        time.Duration
		wantWindow time.Duration
	}{
		{"long-lived", time.Hour, DefaultWindow},
		{"short-lived", 30 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSession(t, session.Refreshable, tt.ttl)
			snap := s.Snapshot()
			window := snap.Expiry().Sub(r.renewAt(snap))
			if diff := window - tt.wantWindow; diff < -time.Second || diff > time.Second {
				t.Errorf("window = %v; want about %v", window, tt.wantWindow)
			}
		})
	}
}

func TestRenewAtJitterBounded(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour))
	defer r.Close()
	seen := map[time.Duration]bool{}
	for range 20 {
		s := newTestSession(t, session.Refreshable, time.Hour)
		snap := s.Snapshot()
		window := snap.Expiry().Sub(r.renewAt(snap))
		if window < DefaultWindow-time.Second || window > DefaultWindow*12/10+time.Second {
			t.Errorf("window = %v; want within [120s, 144s]", window)
		}
		seen[window.Round(time.Second)] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 sessions got %d distinct windows; want jitter to spread them", len(seen))
	}
}

func TestOpaqueUnknownExpiryNotRenewed(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth)
	defer r.Close()
	s, err := session.NewOpaque(testIssuer, "u", session.Tokens{AccessToken: "opaque", RefreshToken: "r0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	setClock(t, 1000*time.Hour)
	snap, err := r.Token(context.Background(), s)
	if err != nil || snap.AccessToken() != "opaque" {
		t.Fatalf("Token = %v, %v; want the opaque token", snap, err)
	}
	if n := auth.refreshes.Load(); n != 0 {
		t.Errorf("refreshes = %d; want 0 for a token of unknown expiry", n)
	}
	next, err := r.Renew(context.Background(), s, snap)
	if err != nil {
		t.Fatalf("Renew after a 401: %v", err)
	}
	if next == snap || auth.refreshes.Load() != 1 {
		t.Errorf("Renew did not refresh the opaque token")
	}
}
