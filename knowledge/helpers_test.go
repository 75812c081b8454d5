package knowledge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// Test secrets. The refresh token has characters that URL and JSON
// encoding change, so that escaped echoes are tested too.
const (
	testAPIKey       = "tenant-key-4f1c9e2b7a"
	testUserID       = "user-42"
	testRefreshToken = "rt+7d3e/91c0b5a8=="
	testAccessToken  = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	rotatedToken     = "rt-rotated-0001"
)

var testCreds = session.Credentials{TenantAPIKey: testAPIKey, ExternalUserID: testUserID}

// testExpiry is the instant of the expiration dates in the tests.
var testExpiry = time.Date(2030, time.January, 9, 10, 0, 0, 0, time.UTC)

// capturedRequest is what a test server received.
type capturedRequest struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// recorder records the requests a test server receives.
type recorder struct {
	mu       sync.Mutex
	requests []capturedRequest // guarded by mu
}

func (rec *recorder) record(r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = append(rec.requests, capturedRequest{
		Method: r.Method,
		Path:   r.URL.Path,
		Header: r.Header.Clone(),
		Body:   body,
	})
}

func (rec *recorder) all() []capturedRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]capturedRequest(nil), rec.requests...)
}

// handler records each request and then calls next.
func (rec *recorder) handler(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		next(w, r)
	}
}

func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newTestClient(t *testing.T, authURL string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(authURL, opts...)
	if err != nil {
		t.Fatalf("NewClient(%q) error: %v", authURL, err)
	}
	return c
}

// respond returns a handler that discards the request body and replies
// with status and body.
func respond(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// tokenBody returns a token response body. Empty arguments leave their
// field out.
func tokenBody(access, refresh, expirationDate string) string {
	fields := map[string]string{}
	for name, value := range map[string]string{
		"accessToken":    access,
		"refreshToken":   refresh,
		"expirationDate": expirationDate,
	} {
		if value != "" {
			fields[name] = value
		}
	}
	body, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(body)
}

var okBody = tokenBody(testAccessToken, rotatedToken, "2030-01-09T10:00:00Z")

// decodeJSON decodes a request body into a map of its fields.
func decodeJSON(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatalf("request body %q is not a JSON object: %v", body, err)
	}
	return fields
}
