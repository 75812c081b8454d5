package knowledge

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
)

func TestLoginSendsRequest(t *testing.T) {
	var rec recorder
	srv := startServer(t, rec.handler(respond(http.StatusOK, okBody)))
	c := newTestClient(t, srv.URL, func(o *Options) { o.UserAgent = "testapp/1.0" })

	tokens, err := c.Login(context.Background(), testCreds)
	if err != nil {
		t.Fatalf("Login error: %v", err)
	}
	if tokens.AccessToken != testAccessToken {
		t.Errorf("AccessToken = %q; want %q", tokens.AccessToken, testAccessToken)
	}
	if tokens.RefreshToken != rotatedToken {
		t.Errorf("RefreshToken = %q; want %q", tokens.RefreshToken, rotatedToken)
	}
	if !tokens.Expiry.Equal(testExpiry) {
		t.Errorf("Expiry = %v; want %v", tokens.Expiry, testExpiry)
	}

	requests := rec.all()
	if len(requests) != 1 {
		t.Fatalf("server received %d requests; want 1", len(requests))
	}
	got := requests[0]
	if got.Method != http.MethodPost {
		t.Errorf("method = %q; want POST", got.Method)
	}
	if got.Path != "/graph/v1/user/login" {
		t.Errorf("path = %q; want /graph/v1/user/login", got.Path)
	}
	wantHeaders := map[string]string{
		"X-Tenant-Api-Key": testAPIKey,
		"Content-Type":     "application/json",
		"User-Agent":       "testapp/1.0 sessionkit/" + libraryVersion(),
	}
	for name, want := range wantHeaders {
		if v := got.Header.Get(name); v != want {
			t.Errorf("header %s = %q; want %q", name, v, want)
		}
	}
	if v := got.Header.Values("Authorization"); len(v) != 0 {
		t.Errorf("Authorization = %q; want none", v)
	}
	wantBody := map[string]any{"ExternalUserId": testUserID}
	if body := decodeJSON(t, got.Body); !reflect.DeepEqual(body, wantBody) {
		t.Errorf("body = %v; want %v", body, wantBody)
	}
}

func TestRefreshSendsRequest(t *testing.T) {
	var rec recorder
	srv := startServer(t, rec.handler(respond(http.StatusOK, okBody)))
	c := newTestClient(t, srv.URL)

	tokens, err := c.Refresh(context.Background(), testRefreshToken)
	if err != nil {
		t.Fatalf("Refresh error: %v", err)
	}
	if tokens.AccessToken != testAccessToken {
		t.Errorf("AccessToken = %q; want %q", tokens.AccessToken, testAccessToken)
	}
	if tokens.RefreshToken != rotatedToken {
		t.Errorf("RefreshToken = %q; want %q", tokens.RefreshToken, rotatedToken)
	}
	if !tokens.Expiry.Equal(testExpiry) {
		t.Errorf("Expiry = %v; want %v", tokens.Expiry, testExpiry)
	}

	requests := rec.all()
	if len(requests) != 1 {
		t.Fatalf("server received %d requests; want 1", len(requests))
	}
	got := requests[0]
	if got.Method != http.MethodPost {
		t.Errorf("method = %q; want POST", got.Method)
	}
	if got.Path != "/graph/v1/user/refresh" {
		t.Errorf("path = %q; want /graph/v1/user/refresh", got.Path)
	}
	if v := got.Header.Get("Content-Type"); v != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", v)
	}
	if v, want := got.Header.Get("User-Agent"), "sessionkit/"+libraryVersion(); v != want {
		t.Errorf("User-Agent = %q; want %q", v, want)
	}
	for _, name := range []string{"Authorization", "X-Tenant-Api-Key"} {
		if v := got.Header.Values(name); len(v) != 0 {
			t.Errorf("header %s = %q; want none", name, v)
		}
	}
	wantBody := map[string]any{"refreshToken": testRefreshToken}
	if body := decodeJSON(t, got.Body); !reflect.DeepEqual(body, wantBody) {
		t.Errorf("body = %v; want %v", body, wantBody)
	}
}

func TestResponseWithoutRefreshToken(t *testing.T) {
	body := tokenBody(testAccessToken, "", "2030-01-09T10:00:00Z")
	srv := startServer(t, respond(http.StatusOK, body))
	c := newTestClient(t, srv.URL)

	tokens, err := c.Refresh(context.Background(), testRefreshToken)
	if err != nil {
		t.Fatalf("Refresh error: %v", err)
	}
	if tokens.AccessToken != testAccessToken {
		t.Errorf("AccessToken = %q; want %q", tokens.AccessToken, testAccessToken)
	}
	if tokens.RefreshToken != "" {
		t.Errorf("RefreshToken = %q; want empty", tokens.RefreshToken)
	}
}

func TestLoginInvalidCredentials(t *testing.T) {
	tests := []struct {
		name  string
		creds session.Credentials
	}{
		{"missing API key", session.Credentials{ExternalUserID: testUserID}},
		{"missing user id", session.Credentials{TenantAPIKey: testAPIKey}},
		{"both missing", session.Credentials{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			srv := startServer(t, rec.handler(respond(http.StatusOK, okBody)))
			c := newTestClient(t, srv.URL)

			_, err := c.Login(context.Background(), tt.creds)
			if !errors.Is(err, session.ErrInvalidCredentials) {
				t.Errorf("Login error = %v; want ErrInvalidCredentials", err)
			}
			if n := len(rec.all()); n != 0 {
				t.Errorf("server received %d requests; want 0", n)
			}
		})
	}
}

func TestRefreshEmptyToken(t *testing.T) {
	var rec recorder
	srv := startServer(t, rec.handler(respond(http.StatusOK, okBody)))
	c := newTestClient(t, srv.URL)

	_, err := c.Refresh(context.Background(), "")
	if !errors.Is(err, ErrEmptyRefreshToken) {
		t.Errorf("Refresh error = %v; want ErrEmptyRefreshToken", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("server received %d requests; want 0", n)
	}
}

func TestAuthURLPathPrefix(t *testing.T) {
	tests := []struct {
		suffix     string
		wantPrefix string
	}{
		{"", ""},
		{"/", ""},
		{"/auth", "/auth"},
		{"/auth/", "/auth"},
		{"/a/b", "/a/b"},
		{"/a/b/", "/a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			var rec recorder
			srv := startServer(t, rec.handler(respond(http.StatusOK, okBody)))
			c := newTestClient(t, srv.URL+tt.suffix)

			if _, err := c.Login(context.Background(), testCreds); err != nil {
				t.Fatalf("Login error: %v", err)
			}
			if _, err := c.Refresh(context.Background(), testRefreshToken); err != nil {
				t.Fatalf("Refresh error: %v", err)
			}
			requests := rec.all()
			if len(requests) != 2 {
				t.Fatalf("server received %d requests; want 2", len(requests))
			}
			if got, want := requests[0].Path, tt.wantPrefix+"/graph/v1/user/login"; got != want {
				t.Errorf("login path = %q; want %q", got, want)
			}
			if got, want := requests[1].Path, tt.wantPrefix+"/graph/v1/user/refresh"; got != want {
				t.Errorf("refresh path = %q; want %q", got, want)
			}
		})
	}
}

func TestNewClientRejectsBadURL(t *testing.T) {
	tests := []struct {
		name    string
		authURL string
		wantURL string
	}{
		{"empty", "", ""},
		{"relative path", "/graph", "/graph"},
		{"no scheme", "example.com/auth", "example.com/auth"},
		{"host and port without scheme", "localhost:8080", "localhost:8080"},
		{"address and port without scheme", "127.0.0.1:8080", ""},
		{"ftp scheme", "ftp://example.com/", "ftp://example.com/"},
		{"opaque", "mailto:admin@example.com", "mailto:"},
		{"missing host", "https:///auth", "https:///auth"},
		{"port without host", "http://:8080/", "http://:8080/"},
		{"user information", "https://admin:hunter2@example.com/", "https://example.com/"},
		{"query", "https://example.com/?key=hunter2", "https://example.com/"},
		{"fragment", "https://example.com/#hunter2", "https://example.com/"},
		{"unparseable host", "http://[::1", ""},
		{"control character", "http://example.com/\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.authURL)
			if c != nil {
				t.Errorf("NewClient(%q) returned a client; want nil", tt.authURL)
			}
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("NewClient(%q) error = %v; want ErrInvalidURL", tt.authURL, err)
			}
			var urlErr *InvalidURLError
			if !errors.As(err, &urlErr) {
				t.Fatalf("NewClient(%q) error is %T; want *InvalidURLError", tt.authURL, err)
			}
			if urlErr.URL != tt.wantURL {
				t.Errorf("InvalidURLError.URL = %q; want %q", urlErr.URL, tt.wantURL)
			}
			if urlErr.Reason == "" {
				t.Error("InvalidURLError.Reason is empty")
			}
			if (strings.Contains(tt.name, "without scheme") || tt.name == "no scheme") && !strings.Contains(urlErr.Reason, "http://") {
				t.Errorf("InvalidURLError.Reason = %q; want it to name http:// as the fix", urlErr.Reason)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q contains the secret from the URL", err)
			}
		})
	}
}

func TestNewClientJoinsPaths(t *testing.T) {
	c := newTestClient(t, "HTTPS://Example.com:8443/prefix/")
	if want := "https://Example.com:8443/prefix/graph/v1/user/login"; c.loginURL != want {
		t.Errorf("login URL = %q; want %q", c.loginURL, want)
	}
	if want := "https://Example.com:8443/prefix/graph/v1/user/refresh"; c.refreshURL != want {
		t.Errorf("refresh URL = %q; want %q", c.refreshURL, want)
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		set  Option
	}{
		{"negative MaxResponseBytes", func(o *Options) { o.MaxResponseBytes = -1 }},
		{"line break in UserAgent", func(o *Options) { o.UserAgent = "app\r\nX-Injected: 1" }},
		{"NUL in UserAgent", func(o *Options) { o.UserAgent = "app\x00" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient("https://example.com", tt.set)
			if err == nil {
				t.Fatal("NewClient error = nil; want an error")
			}
			if c != nil {
				t.Error("NewClient returned a client; want nil")
			}
			if !strings.HasPrefix(err.Error(), "knowledge: ") {
				t.Errorf("error %q lacks the knowledge: prefix", err)
			}
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	c := newTestClient(t, "https://example.com", nil)
	if want := 30 * time.Second; c.httpClient.Timeout != want {
		t.Errorf("HTTP client timeout = %v; want %v", c.httpClient.Timeout, want)
	}
	if c.maxResponseBytes != 1<<20 {
		t.Errorf("maxResponseBytes = %d; want %d", c.maxResponseBytes, 1<<20)
	}
	if want := "sessionkit/" + libraryVersion(); c.userAgent != want {
		t.Errorf("User-Agent = %q; want %q", c.userAgent, want)
	}
	if c.httpClient.CheckRedirect == nil {
		t.Error("default HTTP client has no redirect check")
	}
}

func TestNewClientKeepsCallerClient(t *testing.T) {
	caller := &http.Client{Timeout: 5 * time.Second}
	c := newTestClient(t, "https://example.com", func(o *Options) { o.HTTPClient = caller })

	if caller.CheckRedirect != nil {
		t.Error("NewClient set CheckRedirect on the caller's client")
	}
	if c.httpClient == caller {
		t.Error("client uses the caller's *http.Client; want a copy")
	}
	if c.httpClient.Timeout != caller.Timeout {
		t.Errorf("copy's timeout = %v; want %v", c.httpClient.Timeout, caller.Timeout)
	}
}

func TestLibraryVersionIsSet(t *testing.T) {
	v := libraryVersion()
	if v == "" || strings.ContainsFunc(v, httpauth.IsHeaderControl) || strings.Contains(v, " ") {
		t.Errorf("libraryVersion() = %q; want a non-empty token", v)
	}
}

func TestClientConcurrentUse(t *testing.T) {
	srv := startServer(t, respond(http.StatusOK, okBody))
	c := newTestClient(t, srv.URL)

	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for range workers {
		wg.Go(func() {
			if _, err := c.Login(context.Background(), testCreds); err != nil {
				errs <- err
			}
			if _, err := c.Refresh(context.Background(), testRefreshToken); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent request error: %v", err)
	}
}
