package oauth2grant

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/sessionkit/sessionkit/session"
)

const (
	testClientID     = "client-1"
	testClientSecret = "client-secret-value"
	testRefresh      = "refresh-token-value"
)

// tokenServer is a token endpoint that records each request and
// responds with a fixed status, content type and body.
type tokenServer struct {
	*httptest.Server
	status      int
	contentType string
	body        string

	mu       sync.Mutex // guards requests
	requests []recorded
}

// recorded is what tokenServer saw of one request.
type recorded struct {
	method, contentType, accept string
	header                      http.Header
	form                        url.Values
	user, password              string
	hasBasic                    bool
}

func newTokenServer(t *testing.T, status int, body string) *tokenServer {
	t.Helper()
	ts := &tokenServer{status: status, contentType: "application/json", body: body}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(raw))
	rec := recorded{
		method: r.Method, contentType: r.Header.Get("Content-Type"),
		accept: r.Header.Get("Accept"), header: r.Header.Clone(), form: form,
	}
	rec.user, rec.password, rec.hasBasic = r.BasicAuth()
	ts.mu.Lock()
	ts.requests = append(ts.requests, rec)
	ts.mu.Unlock()
	w.Header().Set("Content-Type", ts.contentType)
	w.WriteHeader(ts.status)
	_, _ = io.WriteString(w, ts.body)
}

func (ts *tokenServer) last(t *testing.T) recorded {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.requests) == 0 {
		t.Fatal("token endpoint received no request")
	}
	return ts.requests[len(ts.requests)-1]
}

func (ts *tokenServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.requests)
}

func newTestClient(t *testing.T, tokenURL string, opts ...Option) *Client {
	t.Helper()
	base := func(o *Options) {
		o.ClientID = testClientID
		o.ClientSecret = testClientSecret
	}
	c, err := New(tokenURL, append([]Option{base}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tokenJSON(fields map[string]any) string {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var testCredentials = session.Credentials{TenantAPIKey: "unused-key", ExternalUserID: "user-1"}
