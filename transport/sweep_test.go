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

// TestSweepDropsStaleState records a backoff and a renewal after a 401
// and sweeps them at later and later times. Each must stay as long as
// it can change a renewal, and go after.
func TestSweepDropsStaleState(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour), func(o *Options) {
		o.MinBackoff, o.MaxBackoff = time.Second, 10*time.Second
	})
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	start := now()
	r.recordFailure(s, s.Snapshot().RefreshToken(), s.Snapshot(), errors.New("fake: refresh failed"))
	r.noteForced(s, s.Snapshot())

	// The backoff ends within 1.2 s; it stays 10 s more.
	r.sweep(start.Add(5 * time.Second))
	if n := entries(&r.failures); n != 1 {
		t.Errorf("after 5 s: failures holds %d entries; want 1", n)
	}
	if n := entries(&r.forced); n != 1 {
		t.Errorf("after 5 s: forced holds %d entries; want 1", n)
	}

	r.sweep(start.Add(12 * time.Second))
	if n := entries(&r.failures); n != 0 {
		t.Errorf("after 12 s: failures holds %d entries; want 0", n)
	}
	if n := entries(&r.forced); n != 0 {
		t.Errorf("after 12 s: forced holds %d entries; want 0", n)
	}
}

// TestSweepKeepsReplacedFailure checks that a sweep that found a
// backoff stale does not delete the one that replaced it meanwhile.
func TestSweepKeepsReplacedFailure(t *testing.T) {
	r := NewRefresher(newFakeAuth(time.Hour))
	defer r.Close()
	s := newTestSession(t, session.Refreshable, time.Hour)
	key := tokenKey{s.ID(), s.Snapshot().RefreshToken()}
	stale := &failure{count: 1, until: now().Add(-time.Hour)}
	r.failures.Store(key, stale)
	r.recordFailure(s, s.Snapshot().RefreshToken(), s.Snapshot(), errors.New("fake: refresh failed"))
	r.failures.CompareAndDelete(key, stale) // what the sweep does with what it found
	if r.backoffError(s) == nil {
		t.Errorf("the new backoff was lost")
	}
}

// TestRenewalsSweepChurnedSessions renews many sessions after a 401,
// each once, as a manager that churns through users does, and checks
// that a renewal much later leaves the Refresher with the state of the
// new session only.
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
	}
	for i := range 50 {
		renewAfter401(fmt.Sprintf("user-%d", i))
	}
	if n := entries(&r.forced); n != 50 {
		t.Fatalf("forced holds %d entries after 50 renewals; want 50", n)
	}

	setClock(t, time.Hour)
	renewAfter401("late-user")
	waitFor(t, "the sweep to drop the churned sessions", func() bool {
		return entries(&r.forced) == 1
	})
}

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
