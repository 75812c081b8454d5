package transport_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// authRecorder is a loopback server that records the Authorization
// header of each request and responds 200.
type authRecorder struct {
	*httptest.Server
	mu   sync.Mutex // guards seen
	seen []string
}

func newAuthRecorder(t *testing.T, tlsServer bool) *authRecorder {
	t.Helper()
	rec := &authRecorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, strings.Join(r.Header.Values("Authorization"), "|"))
		rec.mu.Unlock()
	})
	if tlsServer {
		rec.Server = httptest.NewTLSServer(h)
	} else {
		rec.Server = httptest.NewServer(h)
	}
	t.Cleanup(rec.Close)
	return rec
}

func (r *authRecorder) lastAuth() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 {
		return "<no request>"
	}
	return r.seen[len(r.seen)-1]
}

// redirector responds to every request with a 302 to target.
func redirector(t *testing.T, target string, tlsServer bool) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
	var s *httptest.Server
	if tlsServer {
		s = httptest.NewTLSServer(h)
	} else {
		s = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// localhostURL rewrites a loopback server URL to use the host name
// localhost, which net/http and the RoundTripper treat as another host.
func localhostURL(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }

// TestRedirectStripsToken: the token follows a redirect within the
// service host, and is dropped on a redirect to another host name, for
// the rest of the chain, and on a downgrade from https to http.
func TestRedirectStripsToken(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable})
	want := e.sess.Snapshot().Authorization()

	t.Run("same host", func(t *testing.T) {
		final := newAuthRecorder(t, false)
		start := redirector(t, final.URL, false)
		getAndClose(t, e.client, start.URL)
		if got := final.lastAuth(); got != want {
			t.Errorf("same-host target got Authorization %q; want the token", got)
		}
	})
	t.Run("other host", func(t *testing.T) {
		final := newAuthRecorder(t, false)
		start := redirector(t, localhostURL(final.URL), false)
		getAndClose(t, e.client, start.URL)
		if got := final.lastAuth(); got != "" {
			t.Errorf("localhost target got Authorization %q; want none", got)
		}
	})
	t.Run("back to the service host", func(t *testing.T) {
		final := newAuthRecorder(t, false)
		middle := redirector(t, final.URL, false)
		start := redirector(t, localhostURL(middle.URL), false)
		getAndClose(t, e.client, start.URL)
		if got := final.lastAuth(); got != "" {
			t.Errorf("a chain that left the host sent Authorization %q on its return", got)
		}
	})
	t.Run("https to http", func(t *testing.T) {
		final := newAuthRecorder(t, false)
		start := redirector(t, final.URL, true)
		rt := transport.New(e.sess, nil, func(o *transport.Options) {
			o.Base = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
		})
		defer rt.Close()
		getAndClose(t, &http.Client{Transport: rt}, start.URL)
		if got := final.lastAuth(); got != "" {
			t.Errorf("http target after https got Authorization %q; want none", got)
		}
	})
}

func getAndClose(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// TestUnauthorizedBodiesDrained: 200 requests that each get a 401 with
// a 64 KiB body and then a 200 reuse a small number of connections.
func TestUnauthorizedBodiesDrained(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Refreshable})
	big := bytes.Repeat([]byte("x"), 64<<10)
	var calls atomic.Int64
	api := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write(big)
			return
		}
		w.Write([]byte("ok"))
	}))
	var conns atomic.Int64
	api.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	api.Start()
	defer api.Close()

	for i := range 200 {
		resp, err := e.client.Get(api.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("request %d: got %d; want 200 ok", i, resp.StatusCode)
		}
	}
	if n := conns.Load(); n > 3 {
		t.Errorf("new connections = %d; want at most 3", n)
	}

	t.Run("401 handed back stays open", func(t *testing.T) {
		calls.Store(0)
		req, _ := http.NewRequest("POST", api.URL, io.NopCloser(strings.NewReader("once")))
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || len(body) != len(big) {
			t.Errorf("read %d bytes (%v); want the whole %d-byte 401 body", len(body), err, len(big))
		}
	})
}

// TestRevokedTokenRetriedTransparently: the server revokes A1; GET and
// POST return 200 on the first call, and the retry carries exactly one
// Authorization header with A2. A permanent session whose refresh fails
// logs in and retries the same way.
func TestRevokedTokenRetriedTransparently(t *testing.T) {
	for _, kind := range []session.Kind{session.Refreshable, session.Permanent} {
		t.Run(kind.String(), func(t *testing.T) {
			var mu sync.Mutex
			var headers [][]string
			e := newEnv(t, envConfig{kind: kind, server: []func(*sessiontest.Options){
				func(o *sessiontest.Options) {
					o.OnRequest = func(ep sessiontest.Endpoint, r *http.Request) {
						if ep == sessiontest.API {
							mu.Lock()
							headers = append(headers, r.Header.Values("Authorization"))
							mu.Unlock()
						}
					}
				},
			}})
			if kind == session.Permanent {
				e.srv.RejectNextRefreshes(1)
			}
			for _, method := range []string{"GET", "POST"} {
				e.srv.RevokeAccessToken(e.sess.AccessToken())
				mu.Lock()
				headers = nil
				mu.Unlock()
				var body io.Reader
				if method == "POST" {
					body = strings.NewReader("payload")
				}
				req, _ := http.NewRequest(method, e.apiURL(), body)
				resp, err := e.client.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", method, err)
				}
				decodeAPI(t, resp)
				mu.Lock()
				if len(headers) != 2 || len(headers[1]) != 1 || headers[1][0] != e.sess.Snapshot().Authorization() {
					t.Errorf("%s: Authorization headers of the attempts = %d sets; want 2, the retry with exactly the new token", method, len(headers))
				}
				mu.Unlock()
			}
			st := e.srv.Stats()
			want := int64(2)
			if kind == session.Permanent {
				if st.Logins != 1 {
					t.Errorf("logins = %d; want 1", st.Logins)
				}
				want = 1
			}
			if st.Refreshes != want {
				t.Errorf("refreshes = %d; want %d", st.Refreshes, want)
			}
		})
	}
}

// TestSecretsNeverLogged checks the debug log of a run with refreshes,
// a login and retries for every secret the fake service issued.
func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t, envConfig{kind: session.Permanent, lifetime: 10 * time.Minute})
	e.srv.RejectNextRefreshes(1)
	setClock(t, 11*time.Minute)
	getAndClose(t, e.client, e.apiURL())
	e.srv.RevokeAccessToken(e.sess.AccessToken())
	getAndClose(t, e.client, e.apiURL())
	e.srv.FailNext(sessiontest.Refresh, 1, http.StatusServiceUnavailable)
	e.srv.FailNext(sessiontest.Login, 1, http.StatusServiceUnavailable)
	e.srv.RevokeAccessToken(e.sess.AccessToken())
	_, err := e.client.Get(e.apiURL())
	if err == nil {
		t.Fatalf("request succeeded although refresh and login failed")
	}
	logs := e.logs.String() + err.Error()
	if !strings.Contains(logs, "session logged in again") {
		t.Fatalf("the log does not show the login; log:\n%s", logs)
	}
	for _, secret := range e.srv.IssuedSecrets() {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret issued by the fake service appears in the log or error")
		}
	}
}
