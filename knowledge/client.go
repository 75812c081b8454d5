package knowledge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
)

// Endpoint paths, joined to the auth URL's path.
const (
	loginPath   = "graph/v1/user/login"
	refreshPath = "graph/v1/user/refresh"
)

const defaultMaxResponseBytes = 1 << 20

// Options configure a [Client].
type Options struct {
	// HTTPClient sends the requests. If nil, a client with a 30 second
	// timeout and [http.DefaultTransport] is used. NewClient uses a
	// shallow copy with its own redirect check and never modifies the
	// given client.
	HTTPClient *http.Client

	// UserAgent is the application name that starts the User-Agent
	// header, as in "myapp/1.2 sessionkit/v0.3.0". If empty, the header is
	// only "sessionkit/<version>". The version is this module's version in
	// the binary's build information, or "devel". NewClient rejects
	// control characters.
	UserAgent string

	// MaxResponseBytes is the maximum size of a response body in bytes.
	// If zero, 1 MiB is used. NewClient rejects a negative value.
	MaxResponseBytes int64
}

// Option sets fields of [Options].
type Option func(*Options)

// Client sends login and refresh requests to the knowledge service.
// It is safe for concurrent use by multiple goroutines.
type Client struct {
	loginURL         string
	refreshURL       string
	userAgent        string
	maxResponseBytes int64
	httpClient       *http.Client
}

// NewClient returns a client for the auth endpoints under authURL, which
// must be an absolute http or https URL with a host. Its path, if any, is
// a prefix of the endpoint paths, with or without a trailing slash.
// NewClient returns an [*InvalidURLError] for a URL it cannot use.
func NewClient(authURL string, opts ...Option) (*Client, error) {
	base, err := parseAuthURL(authURL)
	if err != nil {
		return nil, err
	}
	var o Options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if err := validateOptions(o); err != nil {
		return nil, err
	}
	return &Client{
		loginURL:         base.JoinPath(loginPath).String(),
		refreshURL:       base.JoinPath(refreshPath).String(),
		userAgent:        userAgent(o.UserAgent),
		maxResponseBytes: maxResponseBytes(o.MaxResponseBytes),
		httpClient:       httpauth.NewClient(o.HTTPClient, ErrRedirect),
	}, nil
}

// Login exchanges the credentials for tokens. It returns the error of
// [session.Credentials.Validate], wrapped, without sending a request
// when a field is empty. Tokens.RefreshToken is empty when the response
// has none, and Tokens.Expiry is zero when the response's expirationDate
// is missing or cannot be parsed by [ParseExpirationDate].
func (c *Client) Login(ctx context.Context, creds session.Credentials) (session.Tokens, error) {
	if err := creds.Validate(); err != nil {
		return session.Tokens{}, fmt.Errorf("knowledge: login failed: %w", err)
	}
	return c.post(ctx, exchange{
		op:      opLogin,
		url:     c.loginURL,
		body:    loginRequest{ExternalUserID: creds.ExternalUserID},
		apiKey:  creds.TenantAPIKey,
		secrets: []string{creds.TenantAPIKey},
	})
}

// Refresh exchanges a refresh token for new tokens. It returns
// [ErrEmptyRefreshToken] without sending a request when refreshToken is
// empty. The server may rotate the refresh token. When the response has
// none, Tokens.RefreshToken is empty and the caller keeps the one it
// sent. Tokens.Expiry is zero when the response's expirationDate is
// missing or cannot be parsed.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (session.Tokens, error) {
	if refreshToken == "" {
		return session.Tokens{}, ErrEmptyRefreshToken
	}
	return c.post(ctx, exchange{
		op:      opRefresh,
		url:     c.refreshURL,
		body:    refreshRequest{RefreshToken: refreshToken},
		secrets: []string{refreshToken},
	})
}

type loginRequest struct {
	ExternalUserID string `json:"ExternalUserId"`
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// parseAuthURL parses and checks the auth URL. Errors show only its
// scheme, host and path, because user information or a query may hold a
// secret.
func parseAuthURL(raw string) (*url.URL, error) {
	u, display, reason := httpauth.ParseEndpoint(raw)
	if reason == "" && u.Scheme == "" {
		reason = httpauth.MissingScheme
	}
	if reason == "" {
		reason = checkAuthURL(u)
	}
	if reason != "" {
		return nil, &InvalidURLError{URL: display, Reason: reason}
	}
	return u, nil
}

// checkAuthURL returns why u cannot be an auth URL, or "" if it can.
func checkAuthURL(u *url.URL) string {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "scheme must be http or https"
	case u.Hostname() == "":
		return "host is missing"
	case u.User != nil:
		return "user information is not allowed"
	case u.RawQuery != "" || u.ForceQuery:
		return "query is not allowed"
	case u.Fragment != "":
		return "fragment is not allowed"
	}
	return ""
}

func validateOptions(o Options) error {
	if o.MaxResponseBytes < 0 {
		return fmt.Errorf("knowledge: MaxResponseBytes is %d; want 0 for the default or a positive size",
			o.MaxResponseBytes)
	}
	// net/http would reject such a header on every request.
	if strings.ContainsFunc(o.UserAgent, httpauth.IsHeaderControl) {
		return fmt.Errorf("knowledge: UserAgent %q contains a control character", o.UserAgent)
	}
	return nil
}

func userAgent(app string) string {
	product := "sessionkit/" + libraryVersion()
	if app == "" {
		return product
	}
	return app + " " + product
}

func maxResponseBytes(n int64) int64 {
	if n == 0 {
		return defaultMaxResponseBytes
	}
	return n
}
