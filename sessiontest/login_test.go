package sessiontest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestLogin(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		header      map[string]string
		body        string
		wantStatus  int
		wantMessage string
	}{
		{
			name:       "good key",
			header:     map[string]string{"x-tenant-api-key": DefaultTenantAPIKey},
			body:       `{"ExternalUserId": "user-1"}`,
			wantStatus: http.StatusOK,
		},
		{
			name:        "bad key",
			header:      map[string]string{"x-tenant-api-key": "wrong-key"},
			body:        `{"ExternalUserId": "user-1"}`,
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "invalid or missing x-tenant-api-key header",
		},
		{
			name:        "missing key",
			body:        `{"ExternalUserId": "user-1"}`,
			wantStatus:  http.StatusUnauthorized,
			wantMessage: "invalid or missing x-tenant-api-key header",
		},
		{
			name:        "missing ExternalUserId",
			header:      map[string]string{"x-tenant-api-key": DefaultTenantAPIKey},
			body:        `{"externalUser": "user-1"}`,
			wantStatus:  http.StatusBadRequest,
			wantMessage: "missing ExternalUserId in request body",
		},
		{
			name:        "empty ExternalUserId",
			header:      map[string]string{"x-tenant-api-key": DefaultTenantAPIKey},
			body:        `{"ExternalUserId": ""}`,
			wantStatus:  http.StatusBadRequest,
			wantMessage: "missing ExternalUserId in request body",
		},
		{
			name:        "non-JSON body",
			header:      map[string]string{"x-tenant-api-key": DefaultTenantAPIKey},
			body:        `ExternalUserId=user-1`,
			wantStatus:  http.StatusBadRequest,
			wantMessage: "request body is not a valid JSON object",
		},
		{
			name:        "body too large",
			header:      map[string]string{"x-tenant-api-key": DefaultTenantAPIKey},
			body:        `{"ExternalUserId": "` + strings.Repeat("x", maxAuthBody) + `"}`,
			wantStatus:  http.StatusRequestEntityTooLarge,
			wantMessage: "request body larger than the maximum of 1048576 bytes",
		},
		{
			name: "text content type",
			header: map[string]string{
				"x-tenant-api-key": DefaultTenantAPIKey,
				"Content-Type":     "text/plain",
			},
			body:        `{"ExternalUserId": "user-1"}`,
			wantStatus:  http.StatusUnsupportedMediaType,
			wantMessage: "Content-Type must be application/json",
		},
		{
			name: "authorization header",
			header: map[string]string{
				"x-tenant-api-key": DefaultTenantAPIKey,
				"Authorization":    "Bearer some-token",
			},
			body:        `{"ExternalUserId": "user-1"}`,
			wantStatus:  http.StatusBadRequest,
			wantMessage: "unexpected Authorization header on an auth endpoint",
		},
		{
			name:        "GET method",
			method:      http.MethodGet,
			header:      map[string]string{"x-tenant-api-key": DefaultTenantAPIKey},
			wantStatus:  http.StatusMethodNotAllowed,
			wantMessage: "method GET not allowed, use POST",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := newRequest(t, t.Context(), method, s.URL()+LoginPath, tt.body)
			for name, value := range tt.header {
				req.Header.Set(name, value)
			}
			resp := do(t, s.Client(), req)

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d; want %d (message %q)", resp.status, tt.wantStatus, resp.message())
			}
			if got := resp.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q; want application/json", got)
			}
			if got := resp.message(); got != tt.wantMessage {
				t.Errorf("message = %q; want %q", got, tt.wantMessage)
			}
			wantLogins, wantFailures := int64(1), int64(0)
			if tt.wantStatus != http.StatusOK {
				wantLogins, wantFailures = 0, 1
			}
			stats := s.Stats()
			if stats.Logins != wantLogins {
				t.Errorf("Stats.Logins = %d; want %d", stats.Logins, wantLogins)
			}
			if stats.LoginFailures != wantFailures {
				t.Errorf("Stats.LoginFailures = %d; want %d", stats.LoginFailures, wantFailures)
			}
		})
	}
}

func TestLoginMethodNotAllowedHeader(t *testing.T) {
	s := newTestServer(t)
	resp := do(t, s.Client(), newRequest(t, t.Context(), http.MethodGet, s.URL()+LoginPath, ""))
	if got := resp.header.Get("Allow"); got != http.MethodPost {
		t.Errorf("Allow = %q; want POST", got)
	}
}

func TestLoginTokenClaims(t *testing.T) {
	s := newTestServer(t, func(o *Options) {
		o.Tenant = "tenant-7"
		o.Roles = "Admin"
		o.TokenLifetime = 10 * time.Minute
	})
	before := time.Now().Truncate(time.Second)
	body := login(t, s, "user-1")
	after := time.Now()

	claims := parseClaims(t, body.AccessToken)
	for name, want := range map[string]any{
		"tenant":  "tenant-7",
		"roles":   "Admin",
		"iss":     s.URL(),
		"ext-sub": "user-1",
	} {
		if claims[name] != want {
			t.Errorf("claim %s = %v; want %v", name, claims[name], want)
		}
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		t.Error("claim jti is missing")
	}

	exp := claimTime(t, body.AccessToken, "exp")
	iat := claimTime(t, body.AccessToken, "iat")
	if iat.Before(before) || iat.After(after) {
		t.Errorf("iat = %v; want between %v and %v", iat, before, after)
	}
	if got := exp.Sub(iat); got < 10*time.Minute || got > 10*time.Minute+time.Second {
		t.Errorf("exp - iat = %v; want 10m0s to 10m1s", got)
	}
	date, err := time.Parse(time.RFC3339, body.ExpirationDate)
	if err != nil {
		t.Fatalf("expirationDate %q: %v", body.ExpirationDate, err)
	}
	if !date.Equal(exp) {
		t.Errorf("expirationDate = %v; want exp %v", date, exp)
	}
}

func TestLoginTokensUnique(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	second := login(t, s, "user-1")
	if first.AccessToken == second.AccessToken {
		t.Error("two logins returned the same access token")
	}
	if first.RefreshToken == second.RefreshToken {
		t.Error("two logins returned the same refresh token")
	}
}

func TestLoginCustomAPIKey(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.TenantAPIKey = "custom-key" })
	req := loginRequest(t, t.Context(), s.URL(), "user-1")
	if resp := do(t, s.Client(), req); resp.status != http.StatusUnauthorized {
		t.Errorf("default key: status = %d; want 401", resp.status)
	}
	req = loginRequest(t, t.Context(), s.URL(), "user-1")
	req.Header.Set("x-tenant-api-key", "custom-key")
	if resp := do(t, s.Client(), req); resp.status != http.StatusOK {
		t.Errorf("custom key: status = %d; want 200", resp.status)
	}
}

func TestTLSServerLogin(t *testing.T) {
	s := NewTLSServer()
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") && !strings.HasPrefix(s.URL(), "https://[::1]:") {
		t.Fatalf("URL() = %q; want https on loopback", s.URL())
	}
	claims := parseClaims(t, login(t, s, "user-1").AccessToken)
	if claims["iss"] != s.URL() {
		t.Errorf("claim iss = %v; want %q", claims["iss"], s.URL())
	}
}

func TestUnknownPath(t *testing.T) {
	s := newTestServer(t)
	resp := do(t, s.Client(), newRequest(t, t.Context(), http.MethodGet, s.URL()+"/api/v1/protectedX", ""))
	if resp.status != http.StatusNotFound {
		t.Errorf("status = %d; want 404", resp.status)
	}
	if got := resp.message(); got != "not found" {
		t.Errorf("message = %q; want %q", got, "not found")
	}
}

// parseClaims decodes token without checking its signature, as clients do.
func parseClaims(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatalf("parse access token: %v", err)
	}
	return claims
}

// claimTime returns a NumericDate claim of token and fails unless the
// payload encodes it as an integer.
func claimTime(t *testing.T, token, name string) time.Time {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token has %d parts; want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	seconds, err := strconv.ParseInt(string(claims[name]), 10, 64)
	if err != nil {
		t.Fatalf("claim %s = %s; want an integer", name, claims[name])
	}
	return time.Unix(seconds, 0)
}
