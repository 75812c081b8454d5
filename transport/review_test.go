package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// TestBackgroundRenewalAfterJoinedFlight: a background renewal that
// joins a flight started by a waiting caller does not block later
// background renewals.
func TestBackgroundRenewalAfterJoinedFlight(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 50 * time.Millisecond
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	setClock(t, 59*time.Minute)

	stale := s.Snapshot()
	done := make(chan error, 1)
	go func() {
		_, err := r.Renew(context.Background(), s, stale)
		done <- err
	}()
	waitFor(t, "the forced renewal to start", func() bool { return auth.refreshes.Load() == 1 })
	if _, err := r.Token(context.Background(), s); err != nil { // joins the flight
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the background marker to clear", func() bool {
		_, running := r.background.Load(s.ID())
		return !running
	})
	if _, err := r.Token(context.Background(), s); err != nil { // new token is in the window too
		t.Fatal(err)
	}
	waitFor(t, "a second background renewal", func() bool { return auth.refreshes.Load() == 2 })
}

// TestStoreRotatedRefreshTokenUsed: process B's access token and the
// stored one have both expired, but the store holds the refresh token
// that process A rotated; B must renew with it, not with its own spent
// one.
func TestStoreRotatedRefreshTokenUsed(t *testing.T) {
	auth := newFakeAuth(10 * time.Minute)
	var st store.Memory
	opts := func(o *Options) { o.Store = &st }
	a := NewRefresher(auth, opts)
	defer a.Close()
	b := NewRefresher(auth, opts)
	defer b.Close()
	sa := newTestSession(t, session.Refreshable, -time.Second)
	sb := newTestSession(t, session.Refreshable, -2*time.Second) // same user, same refresh token r0
	if _, err := a.Token(context.Background(), sa); err != nil {
		t.Fatal(err)
	}
	setClock(t, 11*time.Minute) // A's renewed token has expired too
	auth.mu.Lock()
	auth.lifetime = time.Hour
	auth.mu.Unlock()
	if _, err := b.Token(context.Background(), sb); err != nil {
		t.Fatalf("B's renewal: %v", err)
	}
	if n := auth.refreshes.Load(); n != 2 {
		t.Errorf("refreshes = %d; want 2", n)
	}
}

// TestCloseDuringRefreshMarksOutcomeUnknown: Close cancels a refresh the
// server already received, so the caller learns that the refresh token
// may be spent. Shutdown instead lets the refresh finish.
func TestCloseDuringRefreshMarksOutcomeUnknown(t *testing.T) {
	srv, auth := newSlowRefreshServer(t, 200*time.Millisecond)
	defer srv.Close()

	t.Run("Close", func(t *testing.T) {
		r := NewRefresher(auth)
		s := newTestSession(t, session.Refreshable, -time.Second)
		done := make(chan error, 1)
		go func() {
			_, err := r.Token(context.Background(), s)
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		r.Close()
		if err := <-done; !errors.Is(err, ErrRefreshOutcomeUnknown) {
			t.Errorf("error = %v; want ErrRefreshOutcomeUnknown", err)
		}
	})
	t.Run("Shutdown", func(t *testing.T) {
		r := NewRefresher(auth)
		s := newTestSession(t, session.Refreshable, -time.Second)
		stale := s.Snapshot()
		go r.Token(context.Background(), s)
		time.Sleep(50 * time.Millisecond)
		if err := r.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if s.Snapshot() == stale {
			t.Errorf("Shutdown did not let the refresh finish")
		}
	})
}

// newSlowRefreshServer returns a loopback server whose refresh takes
// delay, and an Authenticator that calls it and then issues tokens.
func newSlowRefreshServer(t *testing.T, delay time.Duration) (*http.Server, *httpAuth) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
	})}
	go srv.Serve(ln)
	return srv, &httpAuth{fakeAuth: newFakeAuth(time.Hour), url: "http://" + ln.Addr().String()}
}

// httpAuth sends each refresh as an HTTP request before issuing tokens,
// so that the request trace records it.
type httpAuth struct {
	*fakeAuth
	url string
}

func (a *httpAuth) Refresh(ctx context.Context, rt string) (session.Tokens, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", a.url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return session.Tokens{}, err
	}
	resp.Body.Close()
	return a.issue(), nil
}

// TestDialFailureNotOutcomeUnknown: a refresh that could not connect
// sent nothing, so the refresh token is not treated as spent.
func TestDialFailureNotOutcomeUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	auth := &httpAuth{fakeAuth: newFakeAuth(time.Hour), url: "http://" + addr}
	r := NewRefresher(auth, func(o *Options) { o.MinBackoff = time.Millisecond })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	_, err = r.Token(context.Background(), s)
	if err == nil || errors.Is(err, ErrRefreshOutcomeUnknown) {
		t.Errorf("error = %v; want a renewal error that is not ErrRefreshOutcomeUnknown", err)
	}
}

// TestExpiredOnArrivalBacksOff: a renewal that returns an expired token
// reports it and backs off instead of renewing for every request.
func TestExpiredOnArrivalBacksOff(t *testing.T) {
	auth := newFakeAuth(-time.Minute)
	r := NewRefresher(auth, func(o *Options) { o.MinBackoff = time.Minute })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	for range 20 {
		_, err := r.Token(context.Background(), s)
		if !errors.Is(err, ErrRenewFailed) {
			t.Fatalf("error = %v; want ErrRenewFailed", err)
		}
	}
	if _, err := r.Token(context.Background(), s); err == nil {
		t.Fatal("Token succeeded")
	}
	var re *RenewError
	_, err := r.Token(context.Background(), s)
	if !errors.As(err, &re) || !errors.Is(re.Err, ErrExpiredOnArrival) {
		t.Errorf("error = %v; want ErrExpiredOnArrival", err)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
}
