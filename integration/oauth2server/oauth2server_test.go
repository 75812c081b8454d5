package oauth2server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"

	"github.com/sessionkit/sessionkit/oauth2grant"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

func newClient(t *testing.T, a *authServer, style oauth2grant.AuthStyle, opts ...oauth2grant.Option) *oauth2grant.Client {
	t.Helper()
	base := func(o *oauth2grant.Options) {
		o.ClientID, o.ClientSecret, o.AuthStyle = clientID, clientSecret, style
	}
	c, err := oauth2grant.New(a.tokenURL(), append([]oauth2grant.Option{base}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, for logs.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestRefreshRotationThroughRoundTripper(t *testing.T) {
	const lifetime = 2 * time.Second
	a := newAuthServer(t, basicAuth, lifetime)
	first := a.passwordGrant(t)
	sess, err := session.NewOpaque(a.http.URL, userName, first, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	rt := transport.New(sess, newClient(t, a, oauth2grant.AuthBasic), func(o *transport.Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	defer rt.Close()
	client := &http.Client{Transport: rt}

	// Two and a half lifetimes need at least two refreshes.
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		status, body := get(t, client, a.apiURL())
		if status != http.StatusOK || body != "hello "+userName {
			t.Fatalf("GET /api = %d %q; want 200 %q", status, body, "hello "+userName)
		}
	}

	stats := rt.Stats()
	if stats.Refreshes < 2 || stats.RefreshFailures != 0 {
		t.Errorf("refreshes = %d, failures = %d; want 2 or more and 0", stats.Refreshes, stats.RefreshFailures)
	}
	if got := a.grantCount(oauth2.Refreshing); int64(got) != stats.Refreshes {
		t.Errorf("server refresh grants = %d; want %d, one per client refresh", got, stats.Refreshes)
	}
	if n := a.reused(); n != 0 {
		t.Errorf("%d refresh tokens were sent twice; want each rotated token used once", n)
	}
	if sess.RefreshToken() == first.RefreshToken {
		t.Error("session still holds the first refresh token; want the rotated one")
	}
	// go-oauth2 states expires_in in whole seconds, which sets the
	// expiry of each renewed token.
	if life := sess.Snapshot().Lifetime(); life < lifetime-time.Second || life > lifetime {
		t.Errorf("renewed token lifetime = %v; want about %v from expires_in", life, lifetime)
	}
	for _, secret := range a.secrets() {
		if strings.Contains(logs.String(), secret) {
			t.Fatal("transport log contains a token or the client secret")
		}
	}
}

func TestRevokedRefreshToken(t *testing.T) {
	a := newAuthServer(t, basicAuth, time.Hour)
	tokens := a.passwordGrant(t)
	a.revokeRefresh(t, tokens.RefreshToken)

	_, err := newClient(t, a, oauth2grant.AuthBasic).Refresh(context.Background(), tokens.RefreshToken)
	if !errors.Is(err, oauth2grant.ErrInvalidGrant) {
		t.Fatalf("Refresh(revoked) error = %v; want ErrInvalidGrant", err)
	}
	var e *oauth2grant.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T; want *oauth2grant.Error", err)
	}
	if e.Code != "invalid_grant" || e.Grant != "refresh_token" {
		t.Errorf("Error = %+v; want code invalid_grant for the refresh_token grant", e)
	}
	// go-oauth2 v4.5.4 responds 401 to invalid_grant, where RFC 6749
	// section 5.2 specifies 400.
	if e.StatusCode != http.StatusUnauthorized {
		t.Errorf("StatusCode = %d; want 401 as go-oauth2 sends it", e.StatusCode)
	}
	if strings.Contains(err.Error(), tokens.RefreshToken) || strings.Contains(err.Error(), clientSecret) {
		t.Errorf("error shows a secret: %v", err)
	}
}

func TestRevokedRefreshTokenThroughRoundTripper(t *testing.T) {
	a := newAuthServer(t, basicAuth, time.Hour)
	tokens := a.passwordGrant(t)
	a.revokeRefresh(t, tokens.RefreshToken)
	tokens.Expiry = time.Now().Add(-time.Second) // make the transport renew first
	sess, err := session.NewOpaque(a.http.URL, userName, tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := transport.New(sess, newClient(t, a, oauth2grant.AuthBasic))
	defer rt.Close()

	_, err = (&http.Client{Transport: rt}).Get(a.apiURL())
	if !errors.Is(err, transport.ErrRenewFailed) || !errors.Is(err, oauth2grant.ErrInvalidGrant) {
		t.Errorf("GET error = %v; want ErrRenewFailed wrapping ErrInvalidGrant", err)
	}
}

func TestClientAuthStyles(t *testing.T) {
	tests := []struct {
		name   string
		server clientAuth
		client oauth2grant.AuthStyle
		secret string
		want   error
	}{
		{"basic", basicAuth, oauth2grant.AuthBasic, clientSecret, nil},
		{"form", formAuth, oauth2grant.AuthForm, clientSecret, nil},
		{"form to basic server", basicAuth, oauth2grant.AuthForm, clientSecret, oauth2grant.ErrInvalidClient},
		{"basic to form server", formAuth, oauth2grant.AuthBasic, clientSecret, oauth2grant.ErrInvalidClient},
		{"wrong secret", basicAuth, oauth2grant.AuthBasic, "wrong", oauth2grant.ErrInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuthServer(t, tt.server, time.Hour)
			tokens := a.passwordGrant(t)
			c := newClient(t, a, tt.client, func(o *oauth2grant.Options) { o.ClientSecret = tt.secret })
			got, err := c.Refresh(context.Background(), tokens.RefreshToken)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Errorf("Refresh error = %v; want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessToken == "" || got.RefreshToken == "" || got.RefreshToken == tokens.RefreshToken {
				t.Errorf("Refresh returned no new token pair")
			}
		})
	}
}

func TestPermanentSessionLogsInWithClientCredentials(t *testing.T) {
	a := newAuthServer(t, basicAuth, time.Hour)
	tokens := a.passwordGrant(t)
	a.revokeRefresh(t, tokens.RefreshToken)
	tokens.Expiry = time.Now().Add(-time.Second)
	// The credentials only make the session permanent: the client
	// credentials grant uses the client's own id and secret.
	creds := session.Credentials{TenantAPIKey: "unused", ExternalUserID: userName}
	sess, err := session.NewOpaque(a.http.URL, userName, tokens, &creds)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, a, oauth2grant.AuthBasic, func(o *oauth2grant.Options) { o.LoginWithClientCredentials = true })
	rt := transport.New(sess, c)
	defer rt.Close()

	status, _ := get(t, &http.Client{Transport: rt}, a.apiURL())
	if status != http.StatusOK {
		t.Fatalf("GET /api status = %d; want 200 after the login", status)
	}
	stats := rt.Stats()
	if stats.RefreshFailures != 1 || stats.Logins != 1 {
		t.Errorf("refresh failures = %d, logins = %d; want 1 and 1", stats.RefreshFailures, stats.Logins)
	}
	if got := a.grantCount(oauth2.ClientCredentials); got != 1 {
		t.Errorf("client_credentials grants = %d; want 1", got)
	}
}
