package oauth2grant

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fixClock sets the package clock to t for the rest of the test.
func fixClock(t *testing.T, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func TestRefreshResponses(t *testing.T) {
	start := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		contentType string
		body        string
		refresh     string // RefreshToken of the result
		expiry      time.Time
	}{
		{"rotated, number", "application/json",
			`{"access_token":"at","token_type":"Bearer","refresh_token":"r2","expires_in":3600}`,
			"r2", start.Add(time.Hour)},
		{"kept, numeric string", "application/json",
			`{"access_token":"at","token_type":"bearer","expires_in":"120"}`,
			"", start.Add(2 * time.Minute)},
		{"fraction", "application/json;charset=UTF-8",
			`{"access_token":"at","token_type":"Bearer","expires_in":1.5}`,
			"", start.Add(1500 * time.Millisecond)},
		{"no expires_in", "application/json", `{"access_token":"at","token_type":"Bearer"}`,
			"", time.Time{}},
		{"zero", "application/json", `{"access_token":"at","expires_in":0}`, "", time.Time{}},
		{"negative", "application/json", `{"access_token":"at","expires_in":-5}`, "", time.Time{}},
		{"not a number", "application/json", `{"access_token":"at","expires_in":"soon"}`, "", time.Time{}},
		{"NaN text", "application/json", `{"access_token":"at","expires_in":"NaN"}`, "", time.Time{}},
		{"boolean", "application/json", `{"access_token":"at","expires_in":true}`, "", time.Time{}},
		{"huge", "application/json", `{"access_token":"at","expires_in":1e300}`, "", start.Add(maxExpiresIn)},
		{"null refresh", "application/json", `{"access_token":"at","refresh_token":null}`, "", time.Time{}},
		{"no token_type", "application/json", `{"access_token":"at","expires_in":60}`,
			"", start.Add(time.Minute)},
		{"form body", "application/x-www-form-urlencoded",
			"access_token=at&token_type=bearer&refresh_token=r3&expires_in=30",
			"r3", start.Add(30 * time.Second)},
		{"JSON labeled text/plain", "text/plain", `{"access_token":"at","expires_in":10}`,
			"", start.Add(10 * time.Second)},
		{"no content type", "", `{"access_token":"at","expires_in":10}`, "", start.Add(10 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixClock(t, start)
			ts := newTokenServer(t, http.StatusOK, tt.body)
			ts.contentType = tt.contentType
			tokens, err := newTestClient(t, ts.URL).Refresh(context.Background(), testRefresh)
			if err != nil {
				t.Fatal(err)
			}
			if tokens.AccessToken != "at" {
				t.Errorf("AccessToken = %q; want at", tokens.AccessToken)
			}
			if tokens.RefreshToken != tt.refresh {
				t.Errorf("RefreshToken = %q; want %q", tokens.RefreshToken, tt.refresh)
			}
			if !tokens.Expiry.Equal(tt.expiry) {
				t.Errorf("Expiry = %v; want %v", tokens.Expiry, tt.expiry)
			}
		})
	}
}

func TestInvalidTokenResponses(t *testing.T) {
	tests := []struct {
		name, body, reason string
	}{
		{"empty", "", "body is empty"},
		{"not JSON", "<html>" + testRefresh + "</html>", "not a JSON object"},
		{"array", `["` + testRefresh + `"]`, "not a JSON object"},
		{"no access token", `{"refresh_token":"` + testRefresh + `"}`, "missing field access_token"},
		{"empty access token", `{"access_token":""}`, "field access_token is empty"},
		{"numeric access token", `{"access_token":12}`, "access_token is a JSON number"},
		{"object refresh token", `{"access_token":"a","refresh_token":{}}`, "refresh_token is a JSON object"},
		{"mac token", `{"access_token":"a","token_type":"mac"}`, `token_type "mac" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, http.StatusOK, tt.body)
			_, err := newTestClient(t, ts.URL).Refresh(context.Background(), testRefresh)
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("error = %v; want ErrInvalidResponse", err)
			}
			var re *ResponseError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.reason) {
				t.Errorf("error = %v; want a *ResponseError with reason %q", err, tt.reason)
			}
			if strings.Contains(err.Error(), testRefresh) {
				t.Errorf("error shows the refresh token: %v", err)
			}
		})
	}
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		code        string
		sentinel    error
		description string
	}{
		{"invalid_grant", 400, "application/json",
			`{"error":"invalid_grant","error_description":"refresh token revoked"}`,
			"invalid_grant", ErrInvalidGrant, "refresh token revoked"},
		{"invalid_client", 401, "application/json", `{"error":"invalid_client"}`,
			"invalid_client", ErrInvalidClient, ""},
		{"invalid_request", 400, "application/json", `{"error":"invalid_request"}`,
			"invalid_request", ErrInvalidRequest, ""},
		{"unauthorized_client", 400, "application/json", `{"error":"unauthorized_client"}`,
			"unauthorized_client", ErrUnauthorizedClient, ""},
		{"unsupported_grant_type", 400, "application/json", `{"error":"unsupported_grant_type"}`,
			"unsupported_grant_type", ErrUnsupportedGrantType, ""},
		{"invalid_scope", 400, "application/json", `{"error":"invalid_scope"}`,
			"invalid_scope", ErrInvalidScope, ""},
		{"form body", 400, "application/x-www-form-urlencoded",
			"error=invalid_grant&error_description=expired",
			"invalid_grant", ErrInvalidGrant, "expired"},
		{"server HTML", 502, "text/html", "<h1>Bad   Gateway</h1>\n", "", ErrServer, "<h1>Bad Gateway</h1>"},
		{"echoed token", 400, "application/json",
			`{"error":"invalid_grant","error_description":"token ` + testRefresh + ` unknown"}`,
			"invalid_grant", ErrInvalidGrant, "token [REDACTED] unknown"},
		{"echoed secret", 401, "text/plain", "bad secret " + testClientSecret,
			"", nil, "bad secret [REDACTED]"},
		{"200 with error", 200, "application/json", `{"error":"invalid_grant"}`,
			"invalid_grant", ErrInvalidGrant, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, tt.status, tt.body)
			ts.contentType = tt.contentType
			_, err := newTestClient(t, ts.URL).Refresh(context.Background(), testRefresh)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v (%T); want an *Error", err, err)
			}
			if e.StatusCode != tt.status {
				t.Errorf("StatusCode = %d; want %d", e.StatusCode, tt.status)
			}
			if e.Code != tt.code {
				t.Errorf("Code = %q; want %q", e.Code, tt.code)
			}
			if e.Description != tt.description {
				t.Errorf("Description = %q; want %q", e.Description, tt.description)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			if errors.Is(err, ErrInvalidResponse) {
				t.Errorf("error %v matches ErrInvalidResponse; want only its own code", err)
			}
			for _, secret := range []string{testRefresh, testClientSecret} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	ts := newTokenServer(t, 400, `{"error":"invalid_grant","error_description":"revoked"}`)
	_, err := newTestClient(t, ts.URL).Refresh(context.Background(), testRefresh)
	want := "oauth2grant: refresh_token grant failed: 400 Bad Request: invalid_grant: revoked"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v; want %q", err, want)
	}
}

func TestResponseBodyLimit(t *testing.T) {
	big := `{"access_token":"` + strings.Repeat("a", 2000) + `"}`
	ts := newTokenServer(t, http.StatusOK, big)
	c := newTestClient(t, ts.URL, func(o *Options) { o.MaxResponseBytes = 1000 })
	_, err := c.Refresh(context.Background(), testRefresh)
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "exceeds 1000 bytes") {
		t.Errorf("error = %v; want a *ResponseError about the size", err)
	}

	ts.status = http.StatusBadRequest
	ts.contentType = "text/plain"
	_, err = c.Refresh(context.Background(), testRefresh)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v; want an *Error", err)
	}
	if len(e.Description) > maxDescriptionBytes {
		t.Errorf("Description has %d bytes; want at most %d", len(e.Description), maxDescriptionBytes)
	}
}
