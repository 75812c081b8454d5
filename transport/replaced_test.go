package transport

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// TestReplacedSessionSkipsOldBackoff replaces a session whose refresh
// failed with a new session object for the same user. A replacement
// restored with the same refresh token waits out the backoff. One that
// holds new tokens, as after a new login, renews at once.
func TestReplacedSessionSkipsOldBackoff(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth)
	defer r.Close()
	ctx := context.Background()

	old := newTestSession(t, session.Refreshable, -time.Minute)
	auth.failRefresh(errors.New("fake: refresh token revoked"))
	if _, err := r.Token(ctx, old); err == nil {
		t.Fatal("Token with a revoked refresh token succeeded")
	}
	auth.failRefresh(nil)

	restored := newTestSession(t, session.Refreshable, -time.Minute)
	if restored.ID() != old.ID() {
		t.Fatalf("the sessions have different ids: %s, %s", restored.ID(), old.ID())
	}
	if _, err := r.Token(ctx, restored); !isBackoff(err) {
		t.Errorf("Token of a replacement with the same refresh token = %v; want a backoff error", err)
	}

	auth.mu.Lock()
	auth.current = "r-new"
	auth.mu.Unlock()
	relogged, err := session.NewRefreshable(session.Tokens{
		AccessToken:  mintToken(testIssuer, time.Now().Add(-time.Minute)),
		RefreshToken: "r-new",
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := r.Token(ctx, relogged)
	if err != nil {
		t.Fatalf("Token of a replacement with new tokens = %v; want a renewed token", err)
	}
	if snap != relogged.Snapshot() {
		t.Errorf("Token returned a snapshot that is not the replacement's")
	}
	runtime.KeepAlive(old)
}

func isBackoff(err error) bool {
	var re *RenewError
	return errors.As(err, &re) && re.Backoff
}

// TestReplacedSessionNotServedOthersFlight starts a renewal of one
// session object, and while it runs requests a token of another object
// with the same id. The second caller must get its own session's token,
// not the one the first flight obtained for the other object.
func TestReplacedSessionNotServedOthersFlight(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 200 * time.Millisecond
	r := NewRefresher(auth)
	defer r.Close()
	ctx := context.Background()

	old := newTestSession(t, session.Refreshable, -time.Minute)
	done := make(chan error, 1)
	go func() {
		_, err := r.Token(ctx, old)
		done <- err
	}()
	waitFor(t, "the old session's refresh to start", func() bool { return auth.refreshes.Load() == 1 })

	// The old session's refresh rotates r0, so the replacement, which
	// holds r0 too, falls back to a login.
	replacement := newTestSession(t, session.Permanent, -time.Minute)
	snap, err := r.Token(ctx, replacement)
	if err != nil {
		t.Fatalf("Token of the replacement: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Token of the old session: %v", err)
	}
	if snap != replacement.Snapshot() {
		t.Errorf("the replacement got a snapshot that is not its own")
	}
	if snap == old.Snapshot() {
		t.Errorf("the replacement got the old session's renewed token")
	}
	if replacement.Expired() {
		t.Errorf("the replacement still holds its expired token")
	}
}

func TestBackoffErrorSaysWhenToRetry(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth)
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Minute)
	auth.failRefresh(errors.New("fake: refresh refused"))
	_, _ = r.Token(context.Background(), s)
	_, err := r.Token(context.Background(), s)
	var re *RenewError
	if !errors.As(err, &re) || !re.Backoff {
		t.Fatalf("second Token = %v; want a backoff error", err)
	}
	if !re.RetryAt.After(time.Now()) {
		t.Errorf("RetryAt = %v; want a time in the future", re.RetryAt)
	}
	if want := "next attempt after " + re.RetryAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"); !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q; want it to contain %q", err, want)
	}
}

// TestBackoffGrowsWhenEachFailureRotates has every refresh return a new
// refresh token with an access token that has already expired, so each
// failed renewal changes the session's refresh token. The backoff must
// still double instead of starting over at each new token.
func TestBackoffGrowsWhenEachFailureRotates(t *testing.T) {
	auth := newFakeAuth(-time.Minute)
	r := NewRefresher(auth, func(o *Options) {
		o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, time.Second
	})
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Minute)
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		_, _ = r.Token(context.Background(), s)
	}
	// 10, 20, 40, ... 640 ms plus up to a fifth: at most 8 refreshes in
	// a second.
	if n := auth.refreshes.Load(); n > 10 {
		t.Errorf("%d refreshes in 1 s; want at most 10 with a doubling backoff", n)
	}
}

// TestBackoffPerRefreshToken alternates two live sessions of one id
// whose refresh tokens both fail. Each must keep its own backoff, so
// that neither lifts the other's.
func TestBackoffPerRefreshToken(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.failRefresh(errors.New("fake: refresh token revoked"))
	r := NewRefresher(auth, func(o *Options) {
		o.MinBackoff, o.MaxBackoff = 100*time.Millisecond, time.Second
	})
	defer r.Close()
	var sessions []*session.Session
	for _, refresh := range []string{"ra", "rb"} {
		s, err := session.NewRefreshable(session.Tokens{
			AccessToken:  mintToken(testIssuer, time.Now().Add(-time.Minute)),
			RefreshToken: refresh,
		})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(time.Millisecond) {
		for _, s := range sessions {
			_, _ = r.Token(context.Background(), s)
		}
	}
	// Each session: at 0, after 100 to 120 ms, after 200 to 240 ms more.
	if n := auth.refreshes.Load(); n > 6 {
		t.Errorf("%d refreshes in 300 ms; want at most 6, 3 per session", n)
	}
}
