package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// TestBackoffHoldsAdoptedToken has a session adopt from the store a
// refresh token that is waiting out a backoff. The renewal must stop
// there instead of sending that token.
func TestBackoffHoldsAdoptedToken(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	var st store.Memory
	r := NewRefresher(auth, func(o *Options) {
		o.Store = &st
		o.MinBackoff, o.MaxBackoff = 10*time.Second, 30*time.Second
	})
	defer r.Close()
	ctx := context.Background()

	old := newTestSession(t, session.Refreshable, -2*time.Minute) // holds r0
	cur, err := session.NewRefreshable(session.Tokens{
		AccessToken:  mintToken(testIssuer, time.Now().Add(-time.Minute)),
		RefreshToken: "rb",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, store.RecordOf(cur, 1)); err != nil {
		t.Fatal(err)
	}
	auth.failRefresh(errors.New("fake: refresh token revoked"))

	_, _ = r.Token(ctx, cur) // rb fails: rb backs off for 10-12 s
	if _, err := r.Token(ctx, cur); !isBackoff(err) {
		t.Fatalf("second Token of cur = %v; want backoff", err)
	}
	_, err = r.Token(ctx, old) // adopts rb from the store and sends it
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1: rb was sent again during its backoff (old's Token: %v)", n, err)
	}
}

// expiredAuth rejects every refresh and logs in with tokens that have
// already expired, each one second later than the last.
type expiredAuth struct {
	base              time.Time
	serial            atomic.Int64
	refreshes, logins atomic.Int64
}

func (a *expiredAuth) Refresh(ctx context.Context, rt string) (session.Tokens, error) {
	a.refreshes.Add(1)
	return session.Tokens{}, errors.New("fake: refresh token revoked")
}

func (a *expiredAuth) Login(ctx context.Context, c session.Credentials) (session.Tokens, error) {
	a.logins.Add(1)
	n := a.serial.Add(1)
	return session.Tokens{
		AccessToken:  mintToken(testIssuer, a.base.Add(time.Duration(n)*time.Second)),
		RefreshToken: fmt.Sprintf("L%d", n),
	}, nil
}

// permanentWith returns a permanent session of user u-1 with the given
// refresh token and access-token expiry.
func permanentWith(t *testing.T, refresh string, exp time.Time) *session.Session {
	t.Helper()
	s, err := session.NewPermanent(session.Tokens{AccessToken: mintToken(testIssuer, exp), RefreshToken: refresh},
		session.Credentials{TenantAPIKey: "k", ExternalUserID: "u-1"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBackoffTwoSessionsOneStore has two live permanent sessions of one
// id, with and without a shared store, whose logins all return tokens
// that expired on arrival. Adopting each other's saved tokens must not
// lift either backoff.
func TestBackoffTwoSessionsOneStore(t *testing.T) {
	for _, withStore := range []bool{false, true} {
		t.Run(fmt.Sprint("store=", withStore), func(t *testing.T) {
			auth := &expiredAuth{base: time.Now().Add(-time.Hour)}
			var st store.Memory
			r := NewRefresher(auth, func(o *Options) {
				if withStore {
					o.Store = &st
				}
				o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, time.Second
			})
			defer r.Close()
			s1 := permanentWith(t, "ra", time.Now().Add(-3*time.Hour))
			s2 := permanentWith(t, "rb", time.Now().Add(-2*time.Hour))
			for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
				_, _ = r.Token(context.Background(), s1)
				_, _ = r.Token(context.Background(), s2)
			}
			// Per object, a doubling backoff from 10 ms allows about 8
			// renewals in 1 s; 2 objects at most about 20.
			t.Logf("refreshes=%d logins=%d", auth.refreshes.Load(), auth.logins.Load())
			if n := auth.refreshes.Load(); n > 20 {
				t.Errorf("%d refreshes in 1 s from 2 session objects; want at most 20", n)
			}
		})
	}
}

// TestBackoffTwoRefreshersOneStore has two Refreshers, as two processes
// would, share a store and renew one permanent session whose logins
// return tokens that expired on arrival. Adopting the other's token
// must not start the count again.
func TestBackoffTwoRefreshersOneStore(t *testing.T) {
	auth := &expiredAuth{base: time.Now().Add(-time.Hour)}
	var st store.Memory
	opt := func(o *Options) {
		o.Store = &st
		o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, time.Second
	}
	r1, r2 := NewRefresher(auth, opt), NewRefresher(auth, opt)
	defer r1.Close()
	defer r2.Close()
	s1 := permanentWith(t, "ra", time.Now().Add(-3*time.Hour))
	s2 := permanentWith(t, "ra", time.Now().Add(-3*time.Hour))
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		_, _ = r1.Token(context.Background(), s1)
		_, _ = r2.Token(context.Background(), s2)
	}
	t.Logf("refreshes=%d logins=%d", auth.refreshes.Load(), auth.logins.Load())
	// Each process alone: about 8 in 1 s.
	if n := auth.refreshes.Load(); n > 20 {
		t.Errorf("%d refreshes in 1 s from 2 processes; want at most 20", n)
	}
}

// TestForcedRenewalPerSession renews sessions after a 401 again and
// again within MaxBackoff. One renewal per session is allowed, and two
// live sessions of one id must not lift each other's limit.
func TestForcedRenewalPerSession(t *testing.T) {
	for _, objects := range []int{1, 2} {
		t.Run(fmt.Sprint("objects=", objects), func(t *testing.T) {
			auth := newFakeAuth(time.Hour)
			r := NewRefresher(auth)
			defer r.Close()
			var ss []*session.Session
			for i := range objects {
				s, err := session.NewRefreshable(session.Tokens{
					AccessToken:  mintToken(testIssuer, time.Now().Add(time.Hour)),
					RefreshToken: fmt.Sprintf("x%d", i),
				})
				if err != nil {
					t.Fatal(err)
				}
				ss = append(ss, s)
			}
			auth.mu.Lock()
			auth.current = "" // refresh accepts any token below
			auth.mu.Unlock()
			for range 50 {
				for _, s := range ss {
					auth.mu.Lock()
					auth.current = s.RefreshToken()
					auth.mu.Unlock()
					_, _ = r.Renew(context.Background(), s, s.Snapshot()) // a 401 for the current token
				}
			}
			t.Logf("objects=%d refreshes=%d", objects, auth.refreshes.Load())
			if n := auth.refreshes.Load(); n > int64(objects) {
				t.Errorf("%d renewals after 100 rejected tokens from %d objects within MaxBackoff; want at most %d", n, objects, objects)
			}
		})
	}
}

// keepRefreshAuth renews access tokens and returns no refresh token, so
// that sessions keep the one they hold, as some servers do.
type keepRefreshAuth struct{ refreshes atomic.Int64 }

func (a *keepRefreshAuth) Refresh(context.Context, string) (session.Tokens, error) {
	a.refreshes.Add(1)
	return session.Tokens{AccessToken: mintToken(testIssuer, time.Now().Add(time.Hour))}, nil
}

func (a *keepRefreshAuth) Login(context.Context, session.Credentials) (session.Tokens, error) {
	return session.Tokens{}, errors.New("keepRefreshAuth: login not supported")
}

// TestForcedRenewalSharedRefreshToken is TestForcedRenewalPerSession
// with two sessions of one id that hold the same refresh token, which
// the server never rotates.
func TestForcedRenewalSharedRefreshToken(t *testing.T) {
	auth := &keepRefreshAuth{}
	r := NewRefresher(auth)
	defer r.Close()
	var sessions []*session.Session
	for range 2 {
		s, err := session.NewRefreshable(session.Tokens{
			AccessToken:  mintToken(testIssuer, time.Now().Add(time.Hour)),
			RefreshToken: "same",
		})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	for range 50 {
		for _, s := range sessions {
			_, _ = r.Renew(context.Background(), s, s.Snapshot()) // a 401 for the current token
		}
	}
	if n := auth.refreshes.Load(); n > 2 {
		t.Errorf("%d renewals after 100 rejected tokens within MaxBackoff; want at most 2", n)
	}
}

// unknownAuth fails the refresh of token "ra" as a connection broken
// after the request was sent would, and renews any other token.
type unknownAuth struct {
	mu   sync.Mutex // guards sent
	sent []string
}

func (a *unknownAuth) Refresh(_ context.Context, refreshToken string) (session.Tokens, error) {
	a.mu.Lock()
	a.sent = append(a.sent, refreshToken)
	a.mu.Unlock()
	if refreshToken == "ra" {
		return session.Tokens{}, fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	}
	return session.Tokens{
		AccessToken:  mintToken(testIssuer, time.Now().Add(time.Hour)),
		RefreshToken: refreshToken + "+",
	}, nil
}

func (a *unknownAuth) Login(context.Context, session.Credentials) (session.Tokens, error) {
	return session.Tokens{}, errors.New("unknownAuth: login not supported")
}

// TestUnknownOutcomeTokenNotSentAgain checks that a successful renewal
// of another session of the same id does not make the Refresher send a
// refresh token whose outcome was unknown a second time.
func TestUnknownOutcomeTokenNotSentAgain(t *testing.T) {
	auth := &unknownAuth{}
	r := NewRefresher(auth, func(o *Options) {
		o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, 20*time.Millisecond
	})
	defer r.Close()
	newSession := func(refresh string) *session.Session {
		s, err := session.NewRefreshable(session.Tokens{
			AccessToken:  mintToken(testIssuer, time.Now().Add(-time.Minute)),
			RefreshToken: refresh,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first, second := newSession("ra"), newSession("rb")
	if _, err := r.Token(context.Background(), first); !errors.Is(err, ErrRefreshOutcomeUnknown) {
		t.Fatalf("first Token = %v; want ErrRefreshOutcomeUnknown", err)
	}
	if _, err := r.Token(context.Background(), second); err != nil {
		t.Fatalf("Token of the second session: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // the first session's backoff ends
	_, _ = r.Token(context.Background(), first)

	auth.mu.Lock()
	defer auth.mu.Unlock()
	if n := slices.Index(auth.sent[1:], "ra"); n >= 0 {
		t.Errorf("refresh token ra, whose outcome was unknown, was sent again: %q", auth.sent)
	}
}

// sameTokenAuth breaks the first refresh after sending it, and logs in
// with the refresh token it was given at the start, as a server that
// never rotates refresh tokens does.
type sameTokenAuth struct {
	refreshes, logins atomic.Int64
}

func (a *sameTokenAuth) Refresh(context.Context, string) (session.Tokens, error) {
	if a.refreshes.Add(1) == 1 {
		return session.Tokens{}, fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	}
	return session.Tokens{AccessToken: mintToken(testIssuer, now().Add(time.Hour)), RefreshToken: "same"}, nil
}

func (a *sameTokenAuth) Login(context.Context, session.Credentials) (session.Tokens, error) {
	a.logins.Add(1)
	return session.Tokens{AccessToken: mintToken(testIssuer, now().Add(time.Hour)), RefreshToken: "same"}, nil
}

// TestUnknownOutcomeClearedByLoginWithSameToken has a login return the
// refresh token whose refresh had an unknown outcome. The token is
// valid after all, so the next renewal must refresh, not log in again.
func TestUnknownOutcomeClearedByLoginWithSameToken(t *testing.T) {
	auth := &sameTokenAuth{}
	r := NewRefresher(auth)
	defer r.Close()
	s := permanentWith(t, "same", time.Now().Add(-time.Minute))
	if _, err := r.Token(context.Background(), s); err != nil {
		t.Fatalf("Token after the broken refresh: %v", err)
	}
	if n := auth.logins.Load(); n != 1 {
		t.Fatalf("logins = %d after the broken refresh; want 1", n)
	}
	setClock(t, 2*time.Hour)
	if _, err := r.Token(context.Background(), s); err != nil {
		t.Fatalf("Token an hour later: %v", err)
	}
	if n := auth.logins.Load(); n != 1 {
		t.Errorf("logins = %d; want 1, the second renewal refreshing", n)
	}
	if n := auth.refreshes.Load(); n != 2 {
		t.Errorf("refreshes = %d; want 2", n)
	}
}
