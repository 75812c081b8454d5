package oauth2x_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/oauth2x"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// fixture is a fake knowledge service, a refreshable session on it
// whose first access token lives lifetime, and a Refresher for it.
type fixture struct {
	fake      *sessiontest.Server
	session   *session.Session
	refresher *transport.Refresher
}

func newFixture(t *testing.T, lifetime time.Duration, opts ...func(*sessiontest.Options)) *fixture {
	t.Helper()
	fake := sessiontest.NewServer(opts...)
	t.Cleanup(fake.Close)
	issued := fake.IssueWithLifetime("user-1", lifetime)
	s, err := session.NewRefreshable(session.Tokens{AccessToken: issued.AccessToken, RefreshToken: issued.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := knowledge.NewClient(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	r := transport.NewRefresher(auth)
	t.Cleanup(func() { r.Close() })
	return &fixture{fake: fake, session: s, refresher: r}
}

func TestTokenSourceFreshToken(t *testing.T) {
	f := newFixture(t, time.Hour)
	tok, err := oauth2x.TokenSource(f.session, f.refresher).Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != f.session.AccessToken() {
		t.Error("Token returned another access token than the session's")
	}
	if tok.Type() != "Bearer" {
		t.Errorf("Type = %q; want Bearer", tok.Type())
	}
	if !tok.Expiry.Equal(f.session.Expiry()) {
		t.Errorf("Expiry = %v; want the session's %v", tok.Expiry, f.session.Expiry())
	}
	if tok.RefreshToken != "" {
		t.Error("Token exposes the refresh token; want it kept in the session")
	}
	if n := f.refresher.Stats().Refreshes; n != 0 {
		t.Errorf("refreshes = %d; want 0 for a fresh token", n)
	}
}

func TestTokenSourceRenewsExpired(t *testing.T) {
	f := newFixture(t, 0)
	stale := f.session.AccessToken()
	client := oauth2.NewClient(context.Background(), oauth2x.TokenSource(f.session, f.refresher))

	resp, err := client.Get(f.fake.URL() + sessiontest.APIPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d; want 200 with the renewed token", resp.StatusCode)
	}
	if f.session.AccessToken() == stale {
		t.Error("session still holds the expired token")
	}
	if n := f.refresher.Stats().Refreshes; n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
}

func TestTokenSourceTimedSessionExpired(t *testing.T) {
	f := newFixture(t, 0)
	timed, err := session.NewTimed(f.session.AccessToken())
	if err != nil {
		t.Fatal(err)
	}
	_, err = oauth2x.TokenSource(timed, f.refresher).Token()
	if !errors.Is(err, transport.ErrSessionExpired) {
		t.Errorf("Token error = %v; want ErrSessionExpired", err)
	}
}

func TestTokenSourceTimeout(t *testing.T) {
	f := newFixture(t, 0, func(o *sessiontest.Options) { o.RefreshLatency = time.Second })
	ts := oauth2x.TokenSource(f.session, f.refresher)
	ts.Timeout = 50 * time.Millisecond
	_, err := ts.Token()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Token error = %v; want DeadlineExceeded after the timeout", err)
	}

	// The renewal goes on under the Refresher's own timeout, and the
	// next call gets its result.
	ts.Timeout = 5 * time.Second
	if _, err := ts.Token(); err != nil {
		t.Fatalf("second Token: %v", err)
	}
	if n := f.fake.Stats().Refreshes; n != 1 {
		t.Errorf("server refreshes = %d; want 1 shared by both calls", n)
	}
}
