package sessiontest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer starts a Server that the test closes when it ends.
func newTestServer(t *testing.T, opts ...func(*Options)) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// fakeClock is a clock that moves only when the test sets it.
type fakeClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// newClockedServer starts a Server whose clock is clock.Now.
func newClockedServer(t *testing.T, clock *fakeClock, opts ...func(*Options)) *Server {
	t.Helper()
	s := newServer(opts)
	s.now = clock.Now
	s.start(false)
	t.Cleanup(s.Close)
	return s
}

// response is a response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// message returns the message of an error body, or "" if there is none.
func (r response) message() string {
	var body errorBody
	json.Unmarshal(r.body, &body)
	return body.Message
}

// tokens decodes a login or refresh body and fails the test unless the
// status is 200.
func (r response) tokens(t *testing.T) tokenBody {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d; want 200 (message %q)", r.status, r.message())
	}
	var body tokenBody
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("decode token body: %v", err)
	}
	return body
}

// do sends req and reads the response.
func do(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := tryDo(client, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// tryDo sends req and reads the response. Unlike do, it is safe to call
// from a goroutine other than the test's.
func tryDo(client *http.Client, req *http.Request) (response, error) {
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read body of %s %s: %w", req.Method, req.URL.Path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// newRequest returns a request with a JSON content type when body is not
// empty.
func newRequest(t *testing.T, ctx context.Context, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func loginRequest(t *testing.T, ctx context.Context, baseURL, externalUserID string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"ExternalUserId": externalUserID})
	req := newRequest(t, ctx, http.MethodPost, baseURL+LoginPath, string(body))
	req.Header.Set("x-tenant-api-key", DefaultTenantAPIKey)
	return req
}

func refreshRequest(t *testing.T, ctx context.Context, baseURL, refreshToken string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"refreshToken": refreshToken})
	return newRequest(t, ctx, http.MethodPost, baseURL+RefreshPath, string(body))
}

func apiRequest(t *testing.T, ctx context.Context, baseURL, accessToken string) *http.Request {
	t.Helper()
	req := newRequest(t, ctx, http.MethodGet, baseURL+APIPath, "")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return req
}

// login logs in over HTTP as externalUserID and returns the token body.
func login(t *testing.T, s *Server, externalUserID string) tokenBody {
	t.Helper()
	req := loginRequest(t, t.Context(), s.URL(), externalUserID)
	return do(t, s.Client(), req).tokens(t)
}

func refresh(t *testing.T, s *Server, refreshToken string) response {
	t.Helper()
	return do(t, s.Client(), refreshRequest(t, t.Context(), s.URL(), refreshToken))
}

func callAPI(t *testing.T, s *Server, accessToken string) response {
	t.Helper()
	return do(t, s.Client(), apiRequest(t, t.Context(), s.URL(), accessToken))
}

// waitFor polls cond until it holds, and fails the test after 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
