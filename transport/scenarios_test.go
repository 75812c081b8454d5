package transport_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
)

// TestHerdInsideWindow: 100 requests while the token is inside its
// refresh window cause one background refresh and all succeed.
func TestHerdInsideWindow(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable, server: []func(*sessiontest.Options){
		func(o *sessiontest.Options) { o.RefreshLatency = 200 * time.Millisecond },
	}})
	a1 := e.sess.AccessToken()
	setClock(t, time.Hour-time.Minute) // one minute left of an hour
	runHerd(t, e, 100, "")
	waitUntil(t, "background refresh", func() bool { return e.sess.AccessToken() != a1 })
	if got := e.srv.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}
	if got := e.srv.Stats().RefreshReuse; got != 0 {
		t.Errorf("refresh token reused %d times", got)
	}
}

// TestHerdAfterExpiry: 100 requests on an expired token wait for one
// refresh and all carry the new token.
func TestHerdAfterExpiry(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable, lifetime: 10 * time.Minute,
		server: []func(*sessiontest.Options){
			func(o *sessiontest.Options) { o.RefreshLatency = 200 * time.Millisecond },
		}})
	a1 := e.sess.AccessToken()
	setClock(t, 11*time.Minute) // past A1's expiry, before A2's
	runHerd(t, e, 100, a1)
	if got := e.srv.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}
}

// TestHerdPermanentLogsInOnce: when the refresh of an expired permanent
// session fails, 100 waiting requests cause exactly one login.
func TestHerdPermanentLogsInOnce(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Permanent, lifetime: 10 * time.Minute})
	e.srv.RejectNextRefreshes(1)
	a1 := e.sess.AccessToken()
	setClock(t, 11*time.Minute)
	runHerd(t, e, 100, a1)
	st := e.srv.Stats()
	if st.Logins != 1 || st.RefreshFailures != 1 {
		t.Errorf("logins = %d, refresh failures = %d; want 1 and 1", st.Logins, st.RefreshFailures)
	}
}

// runHerd sends n concurrent GETs and checks that each succeeds; when
// stale is set, no request may carry it.
func runHerd(t *testing.T, e *env, n int, stale string) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range n {
		wg.Go(func() {
			resp, err := e.get(context.Background())
			if err != nil {
				t.Errorf("request: %v", err)
				failed.Add(1)
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d; want 200", resp.StatusCode)
				failed.Add(1)
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if stale == "" {
		return
	}
	for _, tok := range e.srv.SeenTokens() {
		if tok == stale {
			t.Errorf("a request that waited for the refresh carried the expired token")
			return
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestThousandConcurrentUnauthorized: 1000 requests that all get a 401
// for the same revoked token cause one refresh and all succeed.
func TestThousandConcurrentUnauthorized(t *testing.T) {
	for _, kind := range []session.Kind{session.Refreshable, session.Permanent} {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEnv(t, envConfig{kind: kind, server: []func(*sessiontest.Options){
				func(o *sessiontest.Options) { o.RefreshLatency = 50 * time.Millisecond },
			}})
			if kind == session.Permanent {
				e.srv.RejectNextRefreshes(1)
			}
			e.srv.RevokeAccessToken(e.sess.AccessToken())
			runHerd(t, e, 1000, "")
			st := e.srv.Stats()
			if renewals := st.Refreshes + st.Logins; renewals != 1 {
				t.Errorf("refreshes + logins = %d; want 1", renewals)
			}
		})
	}
}

// TestThousandOnExpiredSession: 1000 requests on an expired session
// cause exactly one refresh.
func TestThousandOnExpiredSession(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable, lifetime: 10 * time.Minute,
		server: []func(*sessiontest.Options){
			func(o *sessiontest.Options) { o.RefreshLatency = 50 * time.Millisecond },
		}})
	a1 := e.sess.AccessToken()
	setClock(t, 11*time.Minute)
	runHerd(t, e, 1000, a1)
	if got := e.srv.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}
}

// TestRetryReplaysBody: after a 401 the retry carries the same 1 MiB
// body and Content-Length; a body without GetBody is not retried.
func TestRetryReplaysBody(t *testing.T) {
	var lengths []int64
	var mu sync.Mutex
	e := newEnv(t, envConfig{kind: session.Refreshable, server: []func(*sessiontest.Options){
		func(o *sessiontest.Options) {
			o.OnRequest = func(ep sessiontest.Endpoint, r *http.Request) {
				if ep == sessiontest.API {
					mu.Lock()
					lengths = append(lengths, r.ContentLength)
					mu.Unlock()
				}
			}
		},
	}})
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB

	t.Run("bytes.Reader", func(t *testing.T) {
		e.srv.FailNext(sessiontest.API, 1, http.StatusUnauthorized)
		req, _ := http.NewRequest("POST", e.apiURL(), bytes.NewReader(payload))
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got := decodeAPI(t, resp)
		if got.BodySHA256 != sha256Hex(payload) || got.BodyLength != int64(len(payload)) {
			t.Errorf("retry body: %d bytes, sha %s; want %d bytes, sha %s",
				got.BodyLength, got.BodySHA256, len(payload), sha256Hex(payload))
		}
		mu.Lock()
		defer mu.Unlock()
		if len(lengths) != 2 || lengths[1] != int64(len(payload)) {
			t.Errorf("Content-Length of attempts = %v; want two of %d", lengths, len(payload))
		}
	})

	t.Run("pipe without GetBody", func(t *testing.T) {
		calls := e.srv.Stats().APICalls
		e.srv.FailNext(sessiontest.API, 1, http.StatusUnauthorized)
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("streamed"))
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", e.apiURL(), pr)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized || err != nil || !strings.Contains(string(body), "injected") {
			t.Errorf("got %d %q (%v); want the original 401 with a readable body", resp.StatusCode, body, err)
		}
		if n := e.srv.Stats().APICalls - calls; n != 1 {
			t.Errorf("API saw %d requests; want 1", n)
		}
	})

	t.Run("GetBody error", func(t *testing.T) {
		calls := e.srv.Stats().APICalls
		e.srv.FailNext(sessiontest.API, 1, http.StatusUnauthorized)
		req, _ := http.NewRequest("POST", e.apiURL(), bytes.NewReader([]byte("x")))
		req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("body source closed") }
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status = %d; want the original 401", resp.StatusCode)
		}
		if n := e.srv.Stats().APICalls - calls; n != 1 {
			t.Errorf("API saw %d requests; want 1", n)
		}
		if !strings.Contains(e.logs.String(), "body source closed") {
			t.Errorf("the GetBody error was not logged; log:\n%s", e.logs)
		}
	})
}

// TestExpiryBetweenCheckAndSend: the token expires on the server while
// the request is in flight; GET and POST end with 200 after one shared
// refresh and one retry each.
func TestExpiryBetweenCheckAndSend(t *testing.T) {
	var armed atomic.Bool
	var e *env
	e = newEnv(t, envConfig{kind: session.Refreshable, server: []func(*sessiontest.Options){
		func(o *sessiontest.Options) {
			o.APILatency = 200 * time.Millisecond
			o.OnRequest = func(ep sessiontest.Endpoint, r *http.Request) {
				if ep != sessiontest.API || !armed.CompareAndSwap(true, false) {
					return
				}
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				time.AfterFunc(50*time.Millisecond, func() { e.srv.ExpireAccessToken(tok) })
			}
		},
	}})
	payload := []byte(strings.Repeat("body", 1000))
	var wg sync.WaitGroup
	armed.Store(true)
	for _, method := range []string{"GET", "POST"} {
		wg.Go(func() {
			var body io.Reader
			if method == "POST" {
				body = bytes.NewReader(payload)
			}
			req, _ := http.NewRequest(method, e.apiURL(), body)
			resp, err := e.client.Do(req)
			if err != nil {
				t.Errorf("%s: %v", method, err)
				return
			}
			got := decodeAPI(t, resp)
			if method == "POST" && got.BodySHA256 != sha256Hex(payload) {
				t.Errorf("POST retry did not carry the full body")
			}
		})
	}
	wg.Wait()
	if got := e.srv.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}
	if got := e.rt.Stats().Retries; got != 2 {
		t.Errorf("retries = %d; want 2 (one per request)", got)
	}
}

// TestCancelledCallerDoesNotAbortRefresh: the first caller's context is
// cancelled during the shared refresh. The others still get the new
// token, and a refresh whose callers all left still completes.
func TestCancelledCallerDoesNotAbortRefresh(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable, lifetime: 10 * time.Minute,
		server: []func(*sessiontest.Options){
			func(o *sessiontest.Options) { o.RefreshLatency = 300 * time.Millisecond },
		}})
	a1 := e.sess.AccessToken()
	setClock(t, 11*time.Minute)

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := e.get(ctx)
		first <- err
	}()
	time.AfterFunc(50*time.Millisecond, cancel)
	time.Sleep(10 * time.Millisecond)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			resp, err := e.get(context.Background())
			if err != nil {
				t.Errorf("caller 2-5: %v", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("caller 2-5: status %d", resp.StatusCode)
			}
		})
	}
	err := <-first
	if elapsed := time.Since(start); elapsed > 150*time.Millisecond {
		t.Errorf("cancelled caller returned after %v; want about 50ms", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: error = %v; want context.Canceled", err)
	}
	wg.Wait()
	if e.sess.AccessToken() == a1 {
		t.Errorf("the session still holds A1")
	}
	if got := e.srv.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}

	t.Run("every caller cancels", func(t *testing.T) {
		e.srv.RevokeAccessToken(e.sess.AccessToken())
		a2 := e.sess.AccessToken()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := e.get(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v; want context.DeadlineExceeded", err)
		}
		waitUntil(t, "the abandoned refresh to finish", func() bool { return e.sess.AccessToken() != a2 })
		resp, err := e.get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		decodeAPI(t, resp)
		if got := e.srv.Stats().Refreshes; got != 2 {
			t.Errorf("refreshes = %d; want 2 in total", got)
		}
	})
}

// TestCallerRequestUnchanged: after a 401 and a retry, the caller's
// request has the same headers, URL and context, and no Authorization.
// Reused with a second session, it carries only that session's token.
func TestCallerRequestUnchanged(t *testing.T) {
	e1 := newEnv(t, envConfig{kind: session.Refreshable})
	e2tokens := e1.srv.Issue("u-2")
	s2, err := session.NewRefreshable(session.Tokens{AccessToken: e2tokens.AccessToken, RefreshToken: e2tokens.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	client2 := &http.Client{Transport: newRoundTripperFor(t, e1, s2)}
	api := newFirstAttemptRejecter(t)

	ctx := context.WithValue(context.Background(), ctxKey{}, "trace")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			trace := strconv.Itoa(i)
			req, _ := http.NewRequestWithContext(ctx, "GET", api.URL, nil)
			req.Header.Set("X-Trace", trace)
			url := req.URL.String()
			resp, err := e1.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			if got := readAll(resp); got != "u-1" {
				t.Errorf("first session's request: got %q; want u-1 after a retry", got)
			}
			checkUnchanged(t, req, ctx, url, trace)
			resp, err = client2.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			if got := readAll(resp); got != "u-2" {
				t.Errorf("second session's request: got %q; want u-2 after a retry", got)
			}
			checkUnchanged(t, req, ctx, url, trace)
		})
	}
	wg.Wait()
}

// newFirstAttemptRejecter starts an API that responds 401 to the first
// request of each X-Trace value and user, and otherwise responds with
// the user of the bearer token.
func newFirstAttemptRejecter(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex // guards attempts
	attempts := map[string]int{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := session.ParseClaims(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		key := r.Header.Get("X-Trace") + "/" + claims.ExternalUserID
		mu.Lock()
		attempts[key]++
		first := attempts[key] == 1
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, claims.ExternalUserID)
	}))
	t.Cleanup(api.Close)
	return api
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.Status
	}
	return string(b)
}

type ctxKey struct{}

func checkUnchanged(t *testing.T, req *http.Request, ctx context.Context, url, trace string) {
	t.Helper()
	if got := req.Header.Get("Authorization"); got != "" {
		t.Errorf("caller's request gained Authorization")
	}
	if len(req.Header) != 1 || req.Header.Get("X-Trace") != trace {
		t.Errorf("caller's headers = %v; want only X-Trace: %s", req.Header, trace)
	}
	if req.Context() != ctx || req.URL.String() != url {
		t.Errorf("caller's context or URL changed")
	}
}
