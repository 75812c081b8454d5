package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// TestCancelledRefreshKeepsRotation: the caller that started a refresh
// gives up after 50 ms. The refresh completes and stores the rotated
// tokens, and the next request uses them without a second refresh.
func TestCancelledRefreshKeepsRotation(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable, lifetime: 10 * time.Minute,
		server: []func(*sessiontest.Options){
			func(o *sessiontest.Options) { o.RefreshLatency = 300 * time.Millisecond },
		}})
	a1, r1 := e.sess.AccessToken(), e.sess.RefreshToken()
	setClock(t, 11*time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.get(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request 1: error = %v; want the context's error", err)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("request 1 returned after %v; want about 50ms", d)
	}
	time.Sleep(50 * time.Millisecond)
	resp, err := e.get(context.Background())
	if err != nil {
		t.Fatalf("request 2: %v", err)
	}
	decodeAPI(t, resp)
	if e.sess.AccessToken() == a1 || e.sess.RefreshToken() == r1 {
		t.Errorf("the session did not store the rotated tokens")
	}
	seen := e.srv.SeenTokens()
	if last := seen[len(seen)-1]; last != e.sess.AccessToken() {
		t.Errorf("request 2 did not carry A2")
	}
	st := e.srv.Stats()
	if st.Refreshes != 1 || st.RefreshReuse != 0 {
		t.Errorf("refreshes = %d, reuse = %d; want 1 and 0", st.Refreshes, st.RefreshReuse)
	}
}

// TestEndlessUnauthorized: an API that rejects every token gets two
// attempts per request, and ten concurrent requests share one refresh.
func TestEndlessUnauthorized(t *testing.T) {
	deadline := time.Now().Add(time.Second)
	e := newEnv(t, envConfig{kind: session.Refreshable})
	var calls sync.Map
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := calls.LoadOrStore(r.URL.Path, new(int64))
		mu.Lock()
		*n.(*int64)++
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "no")
	}))
	defer api.Close()

	resp, err := e.client.Get(api.URL + "/one")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d; want the second 401", resp.StatusCode)
	}
	if n := countOf(&calls, "/one"); n != 2 {
		t.Errorf("API saw %d attempts; want 2", n)
	}

	before := e.srv.Stats().Refreshes
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			resp, err := e.client.Get(api.URL + "/ten")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if n := e.srv.Stats().Refreshes - before; n > 1 {
		t.Errorf("ten concurrent requests caused %d refreshes; want at most 1", n)
	}
	if n := countOf(&calls, "/ten"); n != 20 {
		t.Errorf("API saw %d attempts for ten requests; want 20", n)
	}
	if time.Now().After(deadline) {
		t.Errorf("test took longer than a second")
	}
}

var mu sync.Mutex // guards the counters behind countOf

func countOf(m *sync.Map, key string) int64 {
	v, ok := m.Load(key)
	if !ok {
		return 0
	}
	mu.Lock()
	defer mu.Unlock()
	return *v.(*int64)
}

// TestInFlightWithOldToken: ten requests signed with a revoked A1 share
// one refresh. An eleventh signed with A1, whose 401 arrives after A2 is
// installed, retries with A2 and causes no second refresh.
func TestInFlightWithOldToken(t *testing.T) {
	arrived := make(chan struct{}, 20)
	e := newEnv(t, envConfig{kind: session.Refreshable, server: []func(*sessiontest.Options){
		func(o *sessiontest.Options) {
			o.APILatency = 100 * time.Millisecond
			o.RefreshLatency = 50 * time.Millisecond
			o.OnRequest = func(ep sessiontest.Endpoint, _ *http.Request) {
				if ep == sessiontest.API {
					select {
					case arrived <- struct{}{}:
					default:
					}
				}
			}
		},
	}})
	e.srv.RevokeAccessToken(e.sess.AccessToken())
	e.srv.DelayNext(sessiontest.API, 1, 500*time.Millisecond)

	var wg sync.WaitGroup
	send := func() {
		resp, err := e.get(context.Background())
		if err != nil {
			t.Errorf("request: %v", err)
			return
		}
		decodeAPI(t, resp)
	}
	wg.Go(send) // the eleventh: its 401 comes late
	<-arrived
	for range 10 {
		wg.Go(send)
	}
	wg.Wait()
	if got := e.srv.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}
	if got := e.rt.Stats().Retries; got != 11 {
		t.Errorf("retries = %d; want 11", got)
	}
}

// TestFailedRefreshSharedByWaiters: with the refresh failing with 503, ten
// requests on a revoked token cause one refresh attempt and all get the
// same error.
func TestFailedRefreshSharedByWaiters(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable, server: []func(*sessiontest.Options){
		func(o *sessiontest.Options) { o.RefreshLatency = 100 * time.Millisecond },
	}})
	e.srv.RevokeAccessToken(e.sess.AccessToken())
	e.srv.FailNext(sessiontest.Refresh, 1, http.StatusServiceUnavailable)

	var wg sync.WaitGroup
	causes := make([]*knowledge.StatusError, 10)
	for i := range causes {
		wg.Go(func() {
			_, err := e.get(context.Background())
			var re *transport.RenewError
			if !errors.As(err, &re) {
				t.Errorf("request %d: error = %v; want a RenewError", i, err)
				return
			}
			if !errors.As(err, &causes[i]) || causes[i].StatusCode != http.StatusServiceUnavailable {
				t.Errorf("request %d: cause = %v; want the 503", i, err)
			}
		})
	}
	wg.Wait()
	for i, c := range causes {
		if c != causes[0] {
			t.Errorf("request %d got another error than request 0", i)
		}
	}
	if n := e.srv.Stats().RefreshFailures; n != 1 {
		t.Errorf("refresh attempts = %d; want 1", n)
	}
}

// TestSessionOutlivesLoginContext: the context of the login is
// cancelled; a later refresh still runs under the library's own
// context.
func TestSessionOutlivesLoginContext(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	auth, err := knowledge.NewClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	creds := session.Credentials{TenantAPIKey: srv.Options().TenantAPIKey, ExternalUserID: "u-1"}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := session.NewPermanent(tokens, creds)
	if err != nil {
		t.Fatal(err)
	}
	rt := transport.New(sess, auth)
	defer rt.Close()
	cancel()

	srv.ExpireAccessToken(sess.AccessToken())
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL() + sessiontest.APIPath)
	if err != nil {
		t.Fatalf("request after the login context ended: %v", err)
	}
	decodeAPI(t, resp)
	if srv.Stats().Refreshes != 1 {
		t.Errorf("refreshes = %d; want 1", srv.Stats().Refreshes)
	}
}

// TestUnparseableExpirationDate: a login whose expirationDate cannot be
// parsed still succeeds, and the session expires at the JWT exp.
func TestUnparseableExpirationDate(t *testing.T) {
	exp := time.Now().Add(time.Hour).Unix()
	access := sessiontest.NewJWT(map[string]any{
		"tenant": "t1", "roles": "User", "exp": exp, "iss": "http://127.0.0.1", "ext-sub": "u-1",
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{
			"accessToken": access, "refreshToken": "r1", "expirationDate": "next Tuesday",
		})
	}))
	defer srv.Close()
	auth, err := knowledge.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	creds := session.Credentials{TenantAPIKey: "k", ExternalUserID: "u-1"}
	tokens, err := auth.Login(context.Background(), creds)
	if err != nil {
		t.Fatalf("Login with an unparseable date: %v", err)
	}
	sess, err := session.NewPermanent(tokens, creds)
	if err != nil {
		t.Fatal(err)
	}
	if got := sess.Expiry().Unix(); got != exp {
		t.Errorf("Expiry = %d; want the JWT exp %d", got, exp)
	}
}

// TestDroppedRefreshNotReplayed: the refresh connection drops after the
// server rotated the token. A refreshable session returns a typed error
// and never sends the spent refresh token again; a permanent session
// logs in instead.
func TestDroppedRefreshNotReplayed(t *testing.T) {
	for _, kind := range []session.Kind{session.Refreshable, session.Permanent} {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEnv(t, envConfig{kind: kind, lifetime: 10 * time.Minute,
				options: []transport.Option{func(o *transport.Options) { o.MinBackoff = time.Millisecond }}})
			setClock(t, 11*time.Minute)
			e.srv.DropNext(sessiontest.Refresh, 1)
			resp, err := e.get(context.Background())
			if kind == session.Permanent {
				if err != nil {
					t.Fatalf("permanent session: %v", err)
				}
				decodeAPI(t, resp)
				if e.srv.Stats().Logins != 1 {
					t.Errorf("logins = %d; want 1", e.srv.Stats().Logins)
				}
				return
			}
			if !errors.Is(err, transport.ErrRefreshOutcomeUnknown) {
				t.Fatalf("error = %v; want ErrRefreshOutcomeUnknown", err)
			}
			for range 5 {
				time.Sleep(5 * time.Millisecond)
				_, err = e.get(context.Background())
				if !errors.Is(err, transport.ErrRefreshOutcomeUnknown) {
					t.Errorf("later request: error = %v; want ErrRefreshOutcomeUnknown", err)
				}
			}
			st := e.srv.Stats()
			if st.Refreshes != 1 || st.RefreshReuse != 0 {
				t.Errorf("refreshes = %d, reuse = %d; want 1 (the dropped one) and 0", st.Refreshes, st.RefreshReuse)
			}
		})
	}
}

// TestRefreshForAnotherUserRejected: a refresh response holding a token
// of another user is rejected and the session keeps its tokens.
func TestRefreshForAnotherUserRejected(t *testing.T) {
	other := sessiontest.NewJWT(map[string]any{
		"tenant": "t1", "roles": "User", "exp": time.Now().Add(time.Hour).Unix(),
		"iss": "http://127.0.0.1", "ext-sub": "someone-else",
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"accessToken": other, "refreshToken": "r2"})
	}))
	defer srv.Close()
	auth, _ := knowledge.NewClient(srv.URL)
	mine := sessiontest.NewJWT(map[string]any{
		"tenant": "t1", "roles": "User", "exp": time.Now().Add(-time.Minute).Unix(),
		"iss": "http://127.0.0.1", "ext-sub": "u-1",
	})
	sess, err := session.NewRefreshable(session.Tokens{AccessToken: mine, RefreshToken: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	r := transport.NewRefresher(auth)
	defer r.Close()
	_, err = r.Token(context.Background(), sess)
	if !errors.Is(err, session.ErrIdentityMismatch) || !errors.Is(err, transport.ErrRenewFailed) {
		t.Fatalf("error = %v; want a renew failure caused by ErrIdentityMismatch", err)
	}
	if sess.AccessToken() != mine || sess.RefreshToken() != "r1" {
		t.Errorf("session changed its tokens")
	}
	if strings.Contains(err.Error(), other) {
		t.Errorf("error contains the token")
	}
}
