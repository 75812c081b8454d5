package sessiontest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPI(t *testing.T) {
	tests := []struct {
		name string
		// authorization returns the Authorization header values for a
		// server and a valid access token of user-1.
		authorization func(s *Server, token string) []string
		wantStatus    int
		wantMessage   string
	}{
		{
			name:          "valid token",
			authorization: func(_ *Server, token string) []string { return []string{"Bearer " + token} },
			wantStatus:    http.StatusOK,
		},
		{
			name:          "lowercase scheme",
			authorization: func(_ *Server, token string) []string { return []string{"bearer " + token} },
			wantStatus:    http.StatusOK,
		},
		{
			name:          "missing header",
			authorization: func(*Server, string) []string { return nil },
			wantStatus:    http.StatusUnauthorized,
			wantMessage:   "missing Authorization header",
		},
		{
			name:          "basic scheme",
			authorization: func(*Server, string) []string { return []string{"Basic dXNlcjpwYXNz"} },
			wantStatus:    http.StatusUnauthorized,
			wantMessage:   "Authorization header is not a bearer token",
		},
		{
			name: "two headers",
			authorization: func(_ *Server, token string) []string {
				return []string{"Bearer " + token, "Bearer " + token}
			},
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "multiple Authorization headers",
		},
		{
			name: "expired token",
			authorization: func(s *Server, _ string) []string {
				return []string{"Bearer " + s.IssueWithLifetime("user-1", -time.Minute).AccessToken}
			},
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "access token expired",
		},
		{
			name: "expired by ExpireAccessToken",
			authorization: func(s *Server, token string) []string {
				s.ExpireAccessToken(token)
				return []string{"Bearer " + token}
			},
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "access token expired",
		},
		{
			name: "revoked token",
			authorization: func(s *Server, token string) []string {
				s.RevokeAccessToken(token)
				return []string{"Bearer " + token}
			},
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "access token revoked",
		},
		{
			name: "all tokens revoked",
			authorization: func(s *Server, token string) []string {
				s.RevokeAllAccessTokens()
				return []string{"Bearer " + token}
			},
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "access token revoked",
		},
		{
			name: "token signed with another key",
			authorization: func(s *Server, _ string) []string {
				forged := NewJWT(map[string]any{"tenant": DefaultTenant, "ext-sub": "user-1"})
				return []string{"Bearer " + forged}
			},
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "invalid access token",
		},
		{
			name:          "not a JWT",
			authorization: func(*Server, string) []string { return []string{"Bearer not-a-jwt"} },
			wantStatus:    http.StatusUnauthorized,
			wantMessage:   "invalid access token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			token := s.Issue("user-1").AccessToken
			req := newRequest(t, t.Context(), http.MethodGet, s.URL()+APIPath, "")
			for _, value := range tt.authorization(s, token) {
				req.Header.Add("Authorization", value)
			}
			resp := do(t, s.Client(), req)

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d; want %d (message %q)", resp.status, tt.wantStatus, resp.message())
			}
			wantChallenge := ""
			if tt.wantStatus == http.StatusUnauthorized {
				wantChallenge = `Bearer error="invalid_token"`
			}
			if got := resp.header.Get("WWW-Authenticate"); got != wantChallenge {
				t.Errorf("WWW-Authenticate = %q; want %q", got, wantChallenge)
			}
			if got := resp.message(); got != tt.wantMessage {
				t.Errorf("message = %q; want %q", got, tt.wantMessage)
			}
			if strings.Contains(string(resp.body), token) {
				t.Error("response body contains the access token")
			}
			stats := s.Stats()
			if stats.APICalls != 1 {
				t.Errorf("Stats.APICalls = %d; want 1", stats.APICalls)
			}
			wantUnauthorized := int64(0)
			if tt.wantStatus == http.StatusUnauthorized {
				wantUnauthorized = 1
			}
			if stats.APIUnauthorized != wantUnauthorized {
				t.Errorf("Stats.APIUnauthorized = %d; want %d", stats.APIUnauthorized, wantUnauthorized)
			}
		})
	}
}

func TestAPIDescribesRequest(t *testing.T) {
	s := newTestServer(t)
	token := s.Issue("user-1").AccessToken
	const body = `{"query": "documents"}`
	req := newRequest(t, t.Context(), http.MethodPut, s.URL()+APIPath+"/items/7?full=true", body)
	req.Header.Set("Authorization", "Bearer "+token)
	resp := do(t, s.Client(), req)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d; want 200 (message %q)", resp.status, resp.message())
	}

	var got APIResponse
	if err := json.Unmarshal(resp.body, &got); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	sum := sha256.Sum256([]byte(body))
	want := APIResponse{
		ExternalUserID: "user-1",
		Tenant:         DefaultTenant,
		Method:         http.MethodPut,
		BodyLength:     int64(len(body)),
		BodySHA256:     hex.EncodeToString(sum[:]),
	}
	if got != want {
		t.Errorf("body = %+v; want %+v", got, want)
	}
}

func TestAPIExpiryFollowsServerClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 500_000_000, time.UTC)
	clock := &fakeClock{now: start}
	s := newClockedServer(t, clock, func(o *Options) { o.TokenLifetime = 3 * time.Second })

	body := login(t, s, "user-1")
	wantExpiry := time.Date(2030, 1, 1, 0, 0, 4, 0, time.UTC)
	if got := body.ExpirationDate; got != "2030-01-01T00:00:04Z" {
		t.Errorf("expirationDate = %q; want 2030-01-01T00:00:04Z", got)
	}

	clock.Set(wantExpiry.Add(-time.Millisecond))
	if resp := callAPI(t, s, body.AccessToken); resp.status != http.StatusOK {
		t.Errorf("1ms before exp: status = %d; want 200", resp.status)
	}
	clock.Set(wantExpiry)
	if resp := callAPI(t, s, body.AccessToken); resp.status != http.StatusUnauthorized {
		t.Errorf("at exp: status = %d; want 401", resp.status)
	}
}

func TestExpiryAfter(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	half := base.Add(500 * time.Millisecond)
	tests := []struct {
		name     string
		now      time.Time
		lifetime time.Duration
		want     time.Time
	}{
		{"whole second", base, 3 * time.Second, base.Add(3 * time.Second)},
		{"rounds up", half, 3 * time.Second, base.Add(4 * time.Second)},
		{"sub-second lifetime", base, time.Millisecond, base.Add(time.Second)},
		{"zero rounds down", half, 0, base},
		{"negative rounds down", half, -time.Minute, base.Add(-time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expiryAfter(tt.now, tt.lifetime); !got.Equal(tt.want) {
				t.Errorf("expiryAfter(%v, %v) = %v; want %v", tt.now, tt.lifetime, got, tt.want)
			}
		})
	}
}

func TestAPIBodyTooLarge(t *testing.T) {
	s := newTestServer(t)
	token := s.Issue("user-1").AccessToken
	req := newRequest(t, t.Context(), http.MethodPost, s.URL()+APIPath, strings.Repeat("x", maxAPIBody+1))
	req.Header.Set("Authorization", "Bearer "+token)
	if resp := do(t, s.Client(), req); resp.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d; want 413", resp.status)
	}
}
