package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// entries returns the number of entries in m.
func entries(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// TestSweepDropsStaleState fills the per-session maps of a Refresher and
// sweeps them at later and later times. Each kind of entry must stay as
// long as it can change a renewal, and go after.
func TestSweepDropsStaleState(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour), func(o *Options) {
		o.MinBackoff, o.MaxBackoff = time.Second, 10*time.Second
	})
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	start := now()
	r.recordFailure(s, errors.New("fake: refresh failed"))
	r.noteForced(s, s.Snapshot())
	r.noteVersion(s.ID(), 7)

	// The backoff ends within 1.2 s; it stays 10 s more.
	r.sweep(start.Add(5 * time.Second))
	if entries(&r.failures) != 1 || entries(&r.forced) != 1 || entries(&r.versions) != 1 {
		t.Fatalf("after 5 s: failures %d, forced %d, versions %d; want 1 each",
			entries(&r.failures), entries(&r.forced), entries(&r.versions))
	}

	r.sweep(start.Add(12 * time.Second))
	if n := entries(&r.failures); n != 0 {
		t.Errorf("after 12 s: failures holds %d entries; want 0", n)
	}
	if n := entries(&r.forced); n != 0 {
		t.Errorf("after 12 s: forced holds %d entries; want 0", n)
	}
	if n := entries(&r.versions); n != 1 {
		t.Errorf("after 12 s: versions holds %d entries; want 1", n)
	}

	r.sweep(start.Add(stateRetention + time.Minute))
	if n := entries(&r.versions); n != 0 {
		t.Errorf("after %v: versions holds %d entries; want 0", stateRetention, n)
	}
}

// TestSweepKeepsVersionInUse checks that a version a renewal looked at
// recently survives a sweep, however old the version itself is.
func TestSweepKeepsVersionInUse(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour))
	defer r.Close()
	r.noteVersion("session-a", 3)
	setClock(t, stateRetention)
	if got := r.noteVersion("session-a", 0); got != 3 {
		t.Fatalf("noteVersion = %d; want 3", got)
	}
	r.sweep(now().Add(time.Hour))
	if n := entries(&r.versions); n != 1 {
		t.Errorf("versions holds %d entries; want 1", n)
	}
}

// TestRenewalsSweepChurnedSessions renews many sessions, each once, as a
// manager that churns through users does, and checks that renewals a
// day later leave the Refresher with the state of the new sessions
// only.
func TestRenewalsSweepChurnedSessions(t *testing.T) {
	r := NewRefresher(userAuth{}, func(o *Options) { o.MaxBackoff = time.Second })
	defer r.Close()
	ctx := context.Background()
	renewAfter401 := func(user string) {
		t.Helper()
		s := newUserTestSession(t, user)
		if _, err := r.Renew(ctx, s, s.Snapshot()); err != nil {
			t.Fatalf("Renew(%s): %v", user, err)
		}
		r.noteVersion(s.ID(), 1)
	}
	for i := range 50 {
		renewAfter401(userName(i))
	}
	if n := entries(&r.forced); n != 50 {
		t.Fatalf("forced holds %d entries after 50 renewals; want 50", n)
	}

	setClock(t, stateRetention+time.Hour)
	renewAfter401("late-user")
	waitFor(t, "the sweep to drop the churned sessions", func() bool {
		return entries(&r.forced) == 1 && entries(&r.versions) == 1
	})
}

func userName(i int) string { return fmt.Sprintf("user-%d", i) }

// userAuth is an Authenticator whose refresh tokens name their user, so
// that it renews the sessions of many users.
type userAuth struct{}

func (userAuth) Refresh(_ context.Context, refreshToken string) (session.Tokens, error) {
	user := strings.TrimPrefix(refreshToken, "refresh-")
	return session.Tokens{
		AccessToken:  mintUserToken(testIssuer, user, now().Add(time.Hour)),
		RefreshToken: refreshToken,
	}, nil
}

func (userAuth) Login(context.Context, session.Credentials) (session.Tokens, error) {
	return session.Tokens{}, errors.New("userAuth: login not supported")
}

// newUserTestSession returns a refreshable session of user whose token
// is valid for an hour.
func newUserTestSession(t *testing.T, user string) *session.Session {
	t.Helper()
	tokens := session.Tokens{
		AccessToken:  mintUserToken(testIssuer, user, now().Add(time.Hour)),
		RefreshToken: "refresh-" + user,
	}
	s, err := session.NewRefreshable(tokens)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
