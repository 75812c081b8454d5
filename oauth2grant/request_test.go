package oauth2grant

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/session"
)

var okBody = tokenJSON(map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 60})

func TestRefreshRequestBasicAuth(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c := newTestClient(t, ts.URL, func(o *Options) {
		o.Scopes = []string{"read", "write"}
		o.UserAgent = "app/1.0"
	})

	if _, err := c.Refresh(context.Background(), testRefresh); err != nil {
		t.Fatal(err)
	}

	req := ts.last(t)
	if req.method != http.MethodPost {
		t.Errorf("method = %s; want POST", req.method)
	}
	if req.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q; want application/x-www-form-urlencoded", req.contentType)
	}
	if req.accept != "application/json" {
		t.Errorf("Accept = %q; want application/json", req.accept)
	}
	if got := req.header.Get("User-Agent"); got != "app/1.0" {
		t.Errorf("User-Agent = %q; want app/1.0", got)
	}
	if got := req.form.Get("grant_type"); got != "refresh_token" {
		t.Errorf("grant_type = %q; want refresh_token", got)
	}
	if got := req.form.Get("refresh_token"); got != testRefresh {
		t.Errorf("refresh_token = %q; want the token sent", got)
	}
	if got := req.form.Get("scope"); got != "read write" {
		t.Errorf("scope = %q; want %q", got, "read write")
	}
	if !req.hasBasic || req.user != testClientID || req.password != testClientSecret {
		t.Errorf("basic auth = %q, %t; want the client id and secret", req.user, req.hasBasic)
	}
	if req.form.Has("client_secret") || req.form.Has("client_id") {
		t.Errorf("form has client fields %v; want them only in the Authorization header", req.form)
	}
}

func TestRefreshRequestFormAuth(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c := newTestClient(t, ts.URL, func(o *Options) { o.AuthStyle = AuthForm })
	if _, err := c.Refresh(context.Background(), testRefresh); err != nil {
		t.Fatal(err)
	}
	req := ts.last(t)
	if req.hasBasic {
		t.Error("request has basic auth; want form fields only")
	}
	if got := req.form.Get("client_id"); got != testClientID {
		t.Errorf("client_id = %q; want %q", got, testClientID)
	}
	if got := req.form.Get("client_secret"); got != testClientSecret {
		t.Errorf("client_secret = %q; want the secret", got)
	}
	if req.form.Has("scope") {
		t.Error("form has scope; want none when Options.Scopes is empty")
	}
}

func TestRefreshRequestPublicClient(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c, err := New(ts.URL, func(o *Options) { o.ClientID = "public-app" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(context.Background(), testRefresh); err != nil {
		t.Fatal(err)
	}
	req := ts.last(t)
	if req.hasBasic {
		t.Error("public client sent basic auth")
	}
	if got := req.form.Get("client_id"); got != "public-app" {
		t.Errorf("client_id = %q; want public-app", got)
	}
	if req.form.Has("client_secret") {
		t.Error("public client sent client_secret")
	}
}

func TestBasicAuthFormEncoded(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c, err := New(ts.URL, func(o *Options) {
		o.ClientID = "app id:1"
		o.ClientSecret = "p@ss/wörd"
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(context.Background(), testRefresh); err != nil {
		t.Fatal(err)
	}
	header := ts.last(t).header.Get("Authorization")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(header, "Basic "))
	if err != nil {
		t.Fatalf("Authorization %q is not basic: %v", header, err)
	}
	if want := "app+id%3A1:p%40ss%2Fw%C3%B6rd"; string(raw) != want {
		t.Errorf("basic credentials = %q; want %q, each form-encoded", raw, want)
	}
}

func TestEmptyRefreshTokenNotSent(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c := newTestClient(t, ts.URL)
	if _, err := c.Refresh(context.Background(), ""); !errors.Is(err, ErrEmptyRefreshToken) {
		t.Errorf("Refresh(\"\") error = %v; want ErrEmptyRefreshToken", err)
	}
	if n := ts.count(); n != 0 {
		t.Errorf("token endpoint received %d requests; want 0", n)
	}
}

func TestLoginUnsupported(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c := newTestClient(t, ts.URL)
	_, err := c.Login(context.Background(), testCredentials)
	if !errors.Is(err, ErrLoginUnsupported) {
		t.Errorf("Login error = %v; want ErrLoginUnsupported", err)
	}
	if n := ts.count(); n != 0 {
		t.Errorf("token endpoint received %d requests; want 0", n)
	}
}

func TestLoginWithClientCredentials(t *testing.T) {
	ts := newTokenServer(t, http.StatusOK, okBody)
	c := newTestClient(t, ts.URL, func(o *Options) {
		o.LoginWithClientCredentials = true
		o.Scopes = []string{"api"}
	})
	tokens, err := c.Login(context.Background(), testCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if tokens.AccessToken != "at-1" {
		t.Errorf("AccessToken = %q; want at-1", tokens.AccessToken)
	}
	req := ts.last(t)
	if got := req.form.Get("grant_type"); got != "client_credentials" {
		t.Errorf("grant_type = %q; want client_credentials", got)
	}
	if got := req.form.Get("scope"); got != "api" {
		t.Errorf("scope = %q; want api", got)
	}
	if req.user != testClientID || req.password != testClientSecret {
		t.Errorf("basic auth user = %q; want the client's id and secret", req.user)
	}
}

func TestLoginCustomFunction(t *testing.T) {
	var got string
	c, err := New("https://auth.example.com/token", func(o *Options) {
		o.Login = func(_ context.Context, creds session.Credentials) (session.Tokens, error) {
			got = creds.ExternalUserID
			return session.Tokens{AccessToken: "from-login"}, nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := c.Login(context.Background(), testCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if got != testCredentials.ExternalUserID || tokens.AccessToken != "from-login" {
		t.Errorf("Login called with user %q, returned %q; want the credentials passed and the function's tokens",
			got, tokens.AccessToken)
	}
}

func TestNewRejects(t *testing.T) {
	login := func(context.Context, session.Credentials) (session.Tokens, error) { return session.Tokens{}, nil }
	tests := []struct {
		name, url string
		opt       Option
		want      string
	}{
		{"empty URL", "", nil, "URL is empty"},
		{"relative URL", "/token", nil, "scheme must be https"},
		{"ftp", "ftp://auth.example.com/token", nil, "scheme must be https"},
		{"host and port without scheme", "localhost:8080", nil, "scheme is missing"},
		{"user info", "https://user:pw@auth.example.com/token", nil, "user information"},
		{"fragment", "https://auth.example.com/token#x", nil, "fragment"},
		{"plain http", "http://auth.example.com/token", nil, "plain http"},
		{"negative limit", "https://auth.example.com/token", func(o *Options) { o.MaxResponseBytes = -1 }, "MaxResponseBytes"},
		{"control in user agent", "https://auth.example.com/token", func(o *Options) { o.UserAgent = "a\nb" }, "control character"},
		{"unknown auth style", "https://auth.example.com/token", func(o *Options) { o.AuthStyle = 7 }, "AuthStyle(7)"},
		{"two logins", "https://auth.example.com/token", func(o *Options) {
			o.ClientID = "c"
			o.Login = login
			o.LoginWithClientCredentials = true
		}, "not both"},
		{"client credentials without id", "https://auth.example.com/token", func(o *Options) {
			o.LoginWithClientCredentials = true
		}, "needs Options.ClientID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.url, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v; want one containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "pw@") {
				t.Errorf("error shows the URL's user information: %v", err)
			}
		})
	}
}

func TestNewAcceptsLoopbackHTTP(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/token", "http://localhost/token", "http://[::1]/token"} {
		if _, err := New(u); err != nil {
			t.Errorf("New(%q) error = %v; want nil for a loopback host", u, err)
		}
	}
	if _, err := New("http://auth.example.com/token", func(o *Options) { o.AllowInsecureHTTP = true }); err != nil {
		t.Errorf("New(http, AllowInsecureHTTP) error = %v; want nil", err)
	}
}
