package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// recordingBase is a base transport that records the requests it gets
// and responds to each with the next status of a script (200 once the
// script runs out). It sends nothing over the network.
type recordingBase struct {
	statuses []int
	calls    atomic.Int64
	auth     []string
	bodies   []string
}

func (b *recordingBase) RoundTrip(req *http.Request) (*http.Response, error) {
	n := int(b.calls.Add(1)) - 1
	b.auth = append(b.auth, strings.Join(req.Header.Values("Authorization"), "|"))
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	b.bodies = append(b.bodies, string(body))
	status := http.StatusOK
	if n < len(b.statuses) {
		status = b.statuses[n]
	}
	return &http.Response{
		StatusCode: status,
		Body:       io.NopCloser(strings.NewReader("status body")),
		Header:     http.Header{},
		Request:    req,
	}, nil
}

func newTestRT(t *testing.T, s *session.Session, base http.RoundTripper, opts ...Option) (*RoundTripper, *fakeAuth) {
	t.Helper()
	auth := newFakeAuth(time.Hour)
	opts = append([]Option{func(o *Options) { o.Base = base }}, opts...)
	rt := New(s, auth, opts...)
	t.Cleanup(func() { rt.Close() })
	return rt, auth
}

func TestRoundTripAttachesTokenWithoutTouchingRequest(t *testing.T) {
	s := newTestSession(t, session.Refreshable, time.Hour)
	base := &recordingBase{}
	rt, _ := newTestRT(t, s, base)
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080/api", nil)
	req.Header.Set("X-Trace", "1")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := "Bearer " + s.AccessToken(); base.auth[0] != want {
		t.Errorf("Authorization sent = %q; want the session token", base.auth[0])
	}
	if got := req.Header.Get("Authorization"); got != "" {
		t.Errorf("caller's request gained Authorization %q", got)
	}
	if len(req.Header) != 1 || req.Header.Get("X-Trace") != "1" {
		t.Errorf("caller's headers = %v; want only X-Trace", req.Header)
	}
	if resp.Request != req {
		t.Errorf("resp.Request is not the caller's request")
	}
}

func TestRoundTripHostPolicy(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		allowed  []string
		insecure bool
		want     string // "token", "none" or "error"
	}{
		{"service host", "http://127.0.0.1:1/x", nil, false, "token"},
		{"other host", "http://localhost:1/x", nil, false, "none"},
		{"allowed host", "https://api.example.com/x", []string{"api.example.com"}, false, "token"},
		{"allowed subdomain", "https://a.b.example.com/x", []string{"*.example.com"}, false, "token"},
		{"wildcard excludes apex", "https://example.com/x", []string{"*.example.com"}, false, "none"},
		{"plain http to allowed host", "http://api.example.com/x", []string{"api.example.com"}, false, "error"},
		{"plain http opted in", "http://api.example.com/x", []string{"api.example.com"}, true, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSession(t, session.Refreshable, time.Hour)
			base := &recordingBase{}
			rt, _ := newTestRT(t, s, base, func(o *Options) {
				o.AllowedHosts = tt.allowed
				o.AllowInsecureHTTP = tt.insecure
			})
			resp, err := rt.RoundTrip(httptest.NewRequest("GET", tt.url, nil))
			switch tt.want {
			case "error":
				if !errors.Is(err, ErrInsecureScheme) {
					t.Fatalf("error = %v; want ErrInsecureScheme", err)
				}
				if base.calls.Load() != 0 {
					t.Errorf("request was sent")
				}
				return
			case "token":
				if err != nil || base.auth[0] != s.Snapshot().Authorization() {
					t.Errorf("Authorization = %q, err %v; want the token", base.auth, err)
				}
			case "none":
				if err != nil || base.auth[0] != "" {
					t.Errorf("Authorization = %q, err %v; want none", base.auth, err)
				}
			}
			resp.Body.Close()
		})
	}
}

func TestRoundTripRetriesOnceAfter401(t *testing.T) {
	s := newTestSession(t, session.Refreshable, time.Hour)
	base := &recordingBase{statuses: []int{401, 401}}
	rt, auth := newTestRT(t, s, base)
	first := s.Snapshot().Authorization()
	req, _ := http.NewRequest("POST", "http://127.0.0.1/x", bytes.NewReader([]byte("payload")))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("status = %d; want the second 401", resp.StatusCode)
	}
	if n := base.calls.Load(); n != 2 {
		t.Fatalf("attempts = %d; want 2", n)
	}
	if base.auth[1] == first || base.auth[1] != s.Snapshot().Authorization() {
		t.Errorf("retry carried the old token")
	}
	if base.bodies[1] != "payload" {
		t.Errorf("retry body = %q; want payload", base.bodies[1])
	}
	if auth.refreshes.Load() != 1 || rt.Stats().Retries != 1 {
		t.Errorf("refreshes = %d, retries = %d; want 1 and 1", auth.refreshes.Load(), rt.Stats().Retries)
	}
}

func TestRoundTripNoRetryWithoutGetBody(t *testing.T) {
	s := newTestSession(t, session.Refreshable, time.Hour)
	base := &recordingBase{statuses: []int{401}}
	rt, auth := newTestRT(t, s, base)
	req, _ := http.NewRequest("POST", "http://127.0.0.1/x", io.NopCloser(strings.NewReader("once")))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || string(body) != "status body" {
		t.Errorf("got %d %q; want the 401 with its body readable", resp.StatusCode, body)
	}
	if base.calls.Load() != 1 || auth.refreshes.Load() != 0 {
		t.Errorf("attempts = %d, refreshes = %d; want 1 and 0", base.calls.Load(), auth.refreshes.Load())
	}
}

func TestRoundTripGetBodyErrorIsLogged(t *testing.T) {
	s := newTestSession(t, session.Refreshable, time.Hour)
	base := &recordingBase{statuses: []int{401}}
	var logs bytes.Buffer
	rt, _ := newTestRT(t, s, base, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	req, _ := http.NewRequest("POST", "http://127.0.0.1/x", strings.NewReader("x"))
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("body source gone") }
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || base.calls.Load() != 1 {
		t.Errorf("status %d after %d attempts; want the first 401", resp.StatusCode, base.calls.Load())
	}
	if !strings.Contains(logs.String(), "body source gone") {
		t.Errorf("log = %q; want the GetBody error", logs.String())
	}
}

func TestRoundTripTimed401ReturnedAsIs(t *testing.T) {
	s := newTestSession(t, session.Timed, time.Hour)
	base := &recordingBase{statuses: []int{401}}
	rt, _ := newTestRT(t, s, base)
	resp, err := rt.RoundTrip(httptest.NewRequest("GET", "http://127.0.0.1/x", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || base.calls.Load() != 1 {
		t.Errorf("status %d after %d attempts; want one 401", resp.StatusCode, base.calls.Load())
	}
}

func TestRoundTripTimedExpiredSendsNothing(t *testing.T) {
	s := newTestSession(t, session.Timed, -time.Second)
	base := &recordingBase{}
	rt, _ := newTestRT(t, s, base)
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://127.0.0.1/x", body)
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("error = %v; want ErrSessionExpired", err)
	}
	if base.calls.Load() != 0 {
		t.Errorf("request was sent")
	}
	if !body.closed {
		t.Errorf("request body not closed on error")
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return nil
}

func TestManagedRoundTripPicksSessionFromContext(t *testing.T) {
	var m session.Manager
	s := newTestSession(t, session.Refreshable, time.Hour)
	m.Put(s)
	base := &recordingBase{}
	rt := NewManaged(&m, newFakeAuth(time.Hour), func(o *Options) { o.Base = base })
	defer rt.Close()

	req := httptest.NewRequest("GET", "http://127.0.0.1/x", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, ErrNoSession) {
		t.Errorf("no id in context: error = %v; want ErrNoSession", err)
	}
	req = req.WithContext(WithSessionID(context.Background(), "unknown"))
	if _, err := rt.RoundTrip(req); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("unknown id: error = %v; want ErrSessionNotFound", err)
	}
	req = req.WithContext(WithSessionID(context.Background(), s.ID()))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if base.auth[0] != s.Snapshot().Authorization() {
		t.Errorf("Authorization = %q; want the named session's token", base.auth[0])
	}
}
