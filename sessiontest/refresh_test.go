package sessiontest

import (
	"net/http"
	"sync"
	"testing"
)

func TestRefreshRotation(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	seen := map[string]bool{first.RefreshToken: true}
	current := first.RefreshToken

	for i := range 3 {
		body := refresh(t, s, current).tokens(t)
		if seen[body.RefreshToken] {
			t.Fatalf("refresh %d returned a refresh token issued before", i+1)
		}
		seen[body.RefreshToken] = true
		if got := parseClaims(t, body.AccessToken)["ext-sub"]; got != "user-1" {
			t.Errorf("refresh %d: claim ext-sub = %v; want user-1", i+1, got)
		}
		current = body.RefreshToken
	}
	if got := s.Stats().Refreshes; got != 3 {
		t.Errorf("Stats.Refreshes = %d; want 3", got)
	}
}

func TestRefreshReuseRejected(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	second := refresh(t, s, first.RefreshToken).tokens(t)

	resp := refresh(t, s, first.RefreshToken)
	if resp.status != http.StatusUnauthorized {
		t.Fatalf("reuse: status = %d; want 401", resp.status)
	}
	if got, want := resp.message(), "refresh token already used"; got != want {
		t.Errorf("reuse: message = %q; want %q", got, want)
	}
	stats := s.Stats()
	if stats.RefreshReuse != 1 {
		t.Errorf("Stats.RefreshReuse = %d; want 1", stats.RefreshReuse)
	}
	if stats.RefreshFailures != 1 {
		t.Errorf("Stats.RefreshFailures = %d; want 1", stats.RefreshFailures)
	}
	// Reuse leaves the newest refresh token valid.
	refresh(t, s, second.RefreshToken).tokens(t)
}

func TestRefreshKeepsOldAccessToken(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	refresh(t, s, first.RefreshToken).tokens(t)
	if resp := callAPI(t, s, first.AccessToken); resp.status != http.StatusOK {
		t.Errorf("old access token: status = %d; want 200", resp.status)
	}
}

func TestRefreshErrors(t *testing.T) {
	tests := []struct {
		name        string
		prepare     func(s *Server, refreshToken string) // nil: nothing
		body        func(refreshToken string) string
		wantStatus  int
		wantMessage string
	}{
		{
			name:        "unknown token",
			body:        func(string) string { return `{"refreshToken": "not-issued"}` },
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "invalid refresh token",
		},
		{
			name:        "missing token",
			body:        func(string) string { return `{}` },
			wantStatus:  http.StatusBadRequest,
			wantMessage: "missing refreshToken in request body",
		},
		{
			name:        "non-JSON body",
			body:        func(token string) string { return "refreshToken=" + token },
			wantStatus:  http.StatusBadRequest,
			wantMessage: "request body is not a valid JSON object",
		},
		{
			name:        "revoked token",
			prepare:     func(s *Server, token string) { s.RevokeRefreshToken(token) },
			body:        refreshBody,
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "refresh token revoked",
		},
		{
			name:        "rejected by RejectNextRefreshes",
			prepare:     func(s *Server, _ string) { s.RejectNextRefreshes(1) },
			body:        refreshBody,
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "refresh token revoked",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			token := login(t, s, "user-1").RefreshToken
			if tt.prepare != nil {
				tt.prepare(s, token)
			}
			req := newRequest(t, t.Context(), http.MethodPost, s.URL()+RefreshPath, tt.body(token))
			resp := do(t, s.Client(), req)

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d; want %d (message %q)", resp.status, tt.wantStatus, resp.message())
			}
			if got := resp.message(); got != tt.wantMessage {
				t.Errorf("message = %q; want %q", got, tt.wantMessage)
			}
			stats := s.Stats()
			if stats.RefreshFailures != 1 {
				t.Errorf("Stats.RefreshFailures = %d; want 1", stats.RefreshFailures)
			}
			if stats.Refreshes != 0 {
				t.Errorf("Stats.Refreshes = %d; want 0", stats.Refreshes)
			}
		})
	}
}

func refreshBody(refreshToken string) string {
	return `{"refreshToken": "` + refreshToken + `"}`
}

func TestRejectNextRefreshesKeepsToken(t *testing.T) {
	s := newTestServer(t)
	token := login(t, s, "user-1").RefreshToken
	s.RejectNextRefreshes(2)
	for i := range 2 {
		if resp := refresh(t, s, token); resp.status != http.StatusUnauthorized {
			t.Fatalf("refresh %d: status = %d; want 401", i+1, resp.status)
		}
	}
	refresh(t, s, token).tokens(t)
}

func TestRefreshConcurrentSameToken(t *testing.T) {
	s := newTestServer(t)
	token := login(t, s, "user-1").RefreshToken

	const callers = 10
	statuses := make(chan int, callers)
	var wg sync.WaitGroup
	for range callers {
		req := refreshRequest(t, t.Context(), s.URL(), token)
		wg.Go(func() {
			resp, err := tryDo(s.Client(), req)
			if err != nil {
				t.Error(err)
			}
			statuses <- resp.status
		})
	}
	wg.Wait()
	close(statuses)

	counts := map[int]int{}
	for status := range statuses {
		counts[status]++
	}
	if counts[http.StatusOK] != 1 {
		t.Errorf("%d refreshes succeeded; want 1", counts[http.StatusOK])
	}
	if counts[http.StatusUnauthorized] != callers-1 {
		t.Errorf("%d refreshes got 401; want %d", counts[http.StatusUnauthorized], callers-1)
	}
	if got := s.Stats().RefreshReuse; got != callers-1 {
		t.Errorf("Stats.RefreshReuse = %d; want %d", got, callers-1)
	}
}

func TestRefreshIssuedPair(t *testing.T) {
	s := newTestServer(t)
	issued := s.Issue("user-2")
	body := refresh(t, s, issued.RefreshToken).tokens(t)
	if got := parseClaims(t, body.AccessToken)["ext-sub"]; got != "user-2" {
		t.Errorf("claim ext-sub = %v; want user-2", got)
	}
	stats := s.Stats()
	if stats.Issued != 1 || stats.Logins != 0 {
		t.Errorf("Stats Issued, Logins = %d, %d; want 1, 0", stats.Issued, stats.Logins)
	}
}
