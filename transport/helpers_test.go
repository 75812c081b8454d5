package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessionkit/sessionkit/session"
)

const testIssuer = "http://127.0.0.1"

var tokenSerial atomic.Int64

// mintToken returns a signed access token for user u-1 of tenant t1 at
// issuer iss that expires at exp.
func mintToken(iss string, exp time.Time) string {
	return mintUserToken(iss, "u-1", exp)
}

// mintUserToken returns a signed access token for user of tenant t1 at
// issuer iss that expires at exp.
func mintUserToken(iss, user string, exp time.Time) string {
	claims := jwt.MapClaims{
		"tenant": "t1", "roles": "User", "iss": iss, "ext-sub": user,
		"exp": exp.Unix(), "jti": tokenSerial.Add(1),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("test-key"))
	if err != nil {
		panic(err)
	}
	return s
}

// fakeAuth is an Authenticator that issues tokens valid for lifetime,
// rotating the refresh token on every refresh. Fail functions inject
// errors. Safe for concurrent use.
type fakeAuth struct {
	iss      string
	lifetime time.Duration
	delay    time.Duration

	mu          sync.Mutex // guards refreshFail, loginFail, current and lifetime
	refreshFail error
	loginFail   error
	current     string // the refresh token that refresh accepts

	refreshes, logins atomic.Int64
	serial            atomic.Int64
}

func newFakeAuth(lifetime time.Duration) *fakeAuth {
	return &fakeAuth{iss: testIssuer, lifetime: lifetime, current: "r0"}
}

func (a *fakeAuth) issue() session.Tokens {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.current = fmt.Sprintf("r%d", a.serial.Add(1))
	return session.Tokens{
		AccessToken:  mintToken(a.iss, time.Now().Add(a.lifetime)),
		RefreshToken: a.current,
	}
}

func (a *fakeAuth) wait(ctx context.Context) error {
	select {
	case <-time.After(a.delay):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *fakeAuth) Refresh(ctx context.Context, refreshToken string) (session.Tokens, error) {
	a.refreshes.Add(1)
	if err := a.wait(ctx); err != nil {
		return session.Tokens{}, err
	}
	a.mu.Lock()
	fail, current := a.refreshFail, a.current
	a.mu.Unlock()
	if fail != nil {
		return session.Tokens{}, fail
	}
	if refreshToken != current {
		return session.Tokens{}, errors.New("fake: refresh token reused")
	}
	return a.issue(), nil
}

func (a *fakeAuth) Login(ctx context.Context, c session.Credentials) (session.Tokens, error) {
	a.logins.Add(1)
	if err := a.wait(ctx); err != nil {
		return session.Tokens{}, err
	}
	a.mu.Lock()
	fail := a.loginFail
	a.mu.Unlock()
	if fail != nil {
		return session.Tokens{}, fail
	}
	return a.issue(), nil
}

func (a *fakeAuth) failRefresh(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshFail = err
}

func (a *fakeAuth) failLogin(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.loginFail = err
}

// newTestSession returns a session of kind whose access token expires
// after ttl (negative: already expired).
func newTestSession(t *testing.T, kind session.Kind, ttl time.Duration) *session.Session {
	t.Helper()
	tokens := session.Tokens{AccessToken: mintToken(testIssuer, time.Now().Add(ttl)), RefreshToken: "r0"}
	var s *session.Session
	var err error
	switch kind {
	case session.Timed:
		s, err = session.NewTimed(tokens.AccessToken)
	case session.Refreshable:
		s, err = session.NewRefreshable(tokens)
	case session.Permanent:
		s, err = session.NewPermanent(tokens, session.Credentials{TenantAPIKey: "k", ExternalUserID: "u-1"})
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setClock makes the package clock return now plus offset for the
// length of the test.
func setClock(t *testing.T, offset time.Duration) {
	t.Helper()
	t.Cleanup(SetClockOffset(offset))
}

// waitFor polls cond until it holds or a second passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
