package sessiontest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	s := newTestServer(t)
	s.FailNext(Login, 1, http.StatusInternalServerError)
	s.FailNext(Login, 1, http.StatusServiceUnavailable)

	for _, want := range []struct {
		status  int
		message string
	}{
		{http.StatusInternalServerError, "injected fault: internal server error"},
		{http.StatusServiceUnavailable, "injected fault: service unavailable"},
	} {
		resp := do(t, s.Client(), loginRequest(t, t.Context(), s.URL(), "user-1"))
		if resp.status != want.status {
			t.Fatalf("status = %d; want %d", resp.status, want.status)
		}
		if got := resp.message(); got != want.message {
			t.Errorf("message = %q; want %q", got, want.message)
		}
	}
	login(t, s, "user-1")

	stats := s.Stats()
	if stats.InjectedFailures != 2 {
		t.Errorf("Stats.InjectedFailures = %d; want 2", stats.InjectedFailures)
	}
	if stats.LoginFailures != 2 {
		t.Errorf("Stats.LoginFailures = %d; want 2", stats.LoginFailures)
	}
	if stats.Logins != 1 {
		t.Errorf("Stats.Logins = %d; want 1", stats.Logins)
	}
}

func TestFailNextRefreshDoesNotRotate(t *testing.T) {
	s := newTestServer(t)
	token := login(t, s, "user-1").RefreshToken
	s.FailNext(Refresh, 1, http.StatusBadGateway)
	if resp := refresh(t, s, token); resp.status != http.StatusBadGateway {
		t.Fatalf("status = %d; want 502", resp.status)
	}
	refresh(t, s, token).tokens(t)
}

func TestFailNextAPIUnauthorizedChallenge(t *testing.T) {
	s := newTestServer(t)
	token := s.Issue("user-1").AccessToken
	s.FailNext(API, 1, http.StatusUnauthorized)
	resp := callAPI(t, s, token)
	if resp.status != http.StatusUnauthorized {
		t.Fatalf("status = %d; want 401", resp.status)
	}
	if got, want := resp.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`; got != want {
		t.Errorf("WWW-Authenticate = %q; want %q", got, want)
	}
	if got := s.Stats().APIUnauthorized; got != 1 {
		t.Errorf("Stats.APIUnauthorized = %d; want 1", got)
	}
}

func TestFailNextPanics(t *testing.T) {
	tests := []struct {
		name     string
		endpoint Endpoint
		status   int
	}{
		{"success status", Login, http.StatusOK},
		{"status above 599", Login, 600},
		{"unknown endpoint", Endpoint(7), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(nil)
			defer func() {
				if recover() == nil {
					t.Errorf("FailNext(%v, 1, %d) did not panic", tt.endpoint, tt.status)
				}
			}()
			s.FailNext(tt.endpoint, 1, tt.status)
		})
	}
}

func TestDelayNext(t *testing.T) {
	s := newTestServer(t)
	token := s.Issue("user-1").AccessToken
	const delay = 100 * time.Millisecond
	s.DelayNext(API, 1, delay)

	start := time.Now()
	callAPI(t, s, token)
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("delayed call took %v; want at least %v", elapsed, delay)
	}
	start = time.Now()
	callAPI(t, s, token)
	if elapsed := time.Since(start); elapsed >= delay {
		t.Errorf("next call took %v; want less than %v", elapsed, delay)
	}
	if got := s.Stats().InjectedDelays; got != 1 {
		t.Errorf("Stats.InjectedDelays = %d; want 1", got)
	}
}

func TestDelayNextRespectsContext(t *testing.T) {
	s := newTestServer(t)
	s.DelayNext(Login, 1, time.Minute)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Client().Do(loginRequest(t, ctx, s.URL(), "user-1"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v; want context.DeadlineExceeded", err)
	}
	waitFor(t, "Stats.Canceled = 1", func() bool { return s.Stats().Canceled == 1 })
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("server noticed the cancel after %v", elapsed)
	}
	if got := s.Stats().Logins; got != 0 {
		t.Errorf("Stats.Logins = %d; want 0, because a canceled login commits nothing", got)
	}
	login(t, s, "user-1")
}

func TestRefreshLatencyCommitsRotation(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.RefreshLatency = 300 * time.Millisecond })
	token := login(t, s, "user-1").RefreshToken

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Client().Do(refreshRequest(t, ctx, s.URL(), token))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v; want context.DeadlineExceeded", err)
	}
	waitFor(t, "Stats.Canceled = 1", func() bool { return s.Stats().Canceled == 1 })
	if got := s.Stats().Refreshes; got != 1 {
		t.Errorf("Stats.Refreshes = %d; want 1", got)
	}

	s.SetLatency(Refresh, 0)
	resp := refresh(t, s, token)
	if got, want := resp.message(), "refresh token already used"; got != want {
		t.Errorf("refresh with the rotated token: message = %q; want %q", got, want)
	}
}

func TestSetLatency(t *testing.T) {
	s := newTestServer(t)
	const latency = 100 * time.Millisecond
	s.SetLatency(Login, latency)
	start := time.Now()
	login(t, s, "user-1")
	if elapsed := time.Since(start); elapsed < latency {
		t.Errorf("login took %v; want at least %v", elapsed, latency)
	}
	if got := s.Stats().InjectedDelays; got != 0 {
		t.Errorf("Stats.InjectedDelays = %d; want 0, because latency is not a fault", got)
	}
}

func TestDropNextRefreshCommits(t *testing.T) {
	s := newTestServer(t)
	token := login(t, s, "user-1").RefreshToken
	s.DropNext(Refresh, 1)

	resp, err := s.Client().Do(refreshRequest(t, t.Context(), s.URL(), token))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped refresh: status = %d; want an error", resp.StatusCode)
	}
	stats := s.Stats()
	if stats.Refreshes != 1 {
		t.Errorf("Stats.Refreshes = %d; want 1", stats.Refreshes)
	}
	if stats.InjectedDrops != 1 {
		t.Errorf("Stats.InjectedDrops = %d; want 1", stats.InjectedDrops)
	}
	if got, want := refresh(t, s, token).message(), "refresh token already used"; got != want {
		t.Errorf("refresh with the rotated token: message = %q; want %q", got, want)
	}
}

// TestDropNextGETRetried checks what DropNext documents: http.Transport
// sends a GET again when a reused connection closes without a response.
func TestDropNextGETRetried(t *testing.T) {
	s := newTestServer(t)
	token := s.Issue("user-1").AccessToken
	callAPI(t, s, token)
	s.DropNext(API, 1)

	if resp := callAPI(t, s, token); resp.status != http.StatusOK {
		t.Fatalf("status = %d; want 200 from the transport's retry", resp.status)
	}
	stats := s.Stats()
	if stats.APICalls != 3 {
		t.Errorf("Stats.APICalls = %d; want 3", stats.APICalls)
	}
	if stats.InjectedDrops != 1 {
		t.Errorf("Stats.InjectedDrops = %d; want 1", stats.InjectedDrops)
	}
}

func TestQueueRepeatsEachValue(t *testing.T) {
	var q queue[int]
	q.push(500, 2)
	q.push(503, 1)
	q.push(504, 0)
	var got []int
	for {
		value, ok := q.pop()
		if !ok {
			break
		}
		got = append(got, value)
	}
	want := []int{500, 500, 503}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("popped %v; want %v", got, want)
	}
}
