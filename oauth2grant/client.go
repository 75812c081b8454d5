package oauth2grant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

var _ transport.Authenticator = (*Client)(nil)

const defaultMaxResponseBytes = 1 << 20

// AuthStyle is the method of client authentication at the token
// endpoint.
type AuthStyle int

const (
	// AuthBasic sends the client id and secret in an Authorization
	// header with the basic scheme, each form-encoded first as RFC 6749
	// section 2.3.1 requires. It is the default.
	AuthBasic AuthStyle = iota
	// AuthForm sends them as the client_id and client_secret form
	// fields, for servers that do not accept basic authentication.
	AuthForm
)

// String returns "basic" or "form".
func (s AuthStyle) String() string {
	switch s {
	case AuthBasic:
		return "basic"
	case AuthForm:
		return "form"
	}
	return fmt.Sprintf("AuthStyle(%d)", int(s))
}

// Options configure a [Client]. String, GoString, Format and LogValue
// never show ClientSecret.
type Options struct {
	// ClientID and ClientSecret authenticate the client. With an empty
	// ClientSecret the client is a public client, which sends its
	// ClientID as a form field whatever the AuthStyle.
	ClientID     string
	ClientSecret string

	// AuthStyle selects how ClientID and ClientSecret are sent. The
	// zero value is AuthBasic.
	AuthStyle AuthStyle

	// Scopes, if not empty, are sent space-separated as the scope field
	// of every grant. A refresh may only keep or narrow the scope the
	// server granted first (RFC 6749 section 6).
	Scopes []string

	// HTTPClient sends the requests. If nil, a client with a 30 second
	// timeout and [http.DefaultTransport] is used. New uses a shallow
	// copy with its own redirect check and never modifies the given
	// client.
	HTTPClient *http.Client

	// UserAgent, if not empty, is the User-Agent header of every
	// request. New rejects control characters.
	UserAgent string

	// MaxResponseBytes is the maximum size of a response body in bytes.
	// If zero, 1 MiB is used. New rejects a negative value.
	MaxResponseBytes int64

	// AllowInsecureHTTP permits a plain http token URL for a host other
	// than loopback. Off by default, because the requests carry the
	// client secret and refresh tokens.
	AllowInsecureHTTP bool

	// Login, if not nil, is what [Client.Login] calls to obtain tokens
	// for a permanent session whose refresh failed. It must be safe for
	// concurrent use and must not put secrets into its errors.
	Login func(ctx context.Context, c session.Credentials) (session.Tokens, error)

	// LoginWithClientCredentials makes [Client.Login] send the client
	// credentials grant with ClientID and ClientSecret, ignoring the
	// session's credentials. New rejects it together with Login.
	LoginWithClientCredentials bool
}

// Option changes [Options].
type Option func(*Options)

// String describes the options with the client secret redacted.
func (o Options) String() string {
	return fmt.Sprintf("oauth2grant.Options{ClientID: %q, ClientSecret: %s, AuthStyle: %s, Scopes: %q}",
		o.ClientID, redactIfSet(o.ClientSecret), o.AuthStyle, o.Scopes)
}

// GoString returns the same text as String.
func (o Options) GoString() string { return o.String() }

// Format writes String for every verb, so no verb can print the secret.
func (o Options) Format(f fmt.State, _ rune) { fmt.Fprint(f, o.String()) }

// LogValue implements [slog.LogValuer] without the client secret.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", o.ClientID),
		slog.String("client_secret", redactIfSet(o.ClientSecret)),
		slog.String("auth_style", o.AuthStyle.String()),
	)
}

// Client sends grants to the token endpoint of an OAuth 2.0 server. It
// implements [transport.Authenticator]. Safe for concurrent use by
// multiple goroutines. String, GoString, Format and LogValue never show
// the client secret.
type Client struct {
	tokenURL         string
	displayURL       string // tokenURL without query, for messages
	opts             Options
	scope            string
	maxResponseBytes int64
	httpClient       *http.Client
}

// New returns a client for the token endpoint at tokenURL, an absolute
// https URL, or http for a loopback host or with
// [Options.AllowInsecureHTTP]. The URL may have a query but no user
// information or fragment.
func New(tokenURL string, opts ...Option) (*Client, error) {
	var o Options
	for _, apply := range opts {
		if apply != nil {
			apply(&o)
		}
	}
	u, err := parseTokenURL(tokenURL, o.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	if err := validateOptions(o); err != nil {
		return nil, err
	}
	o.Scopes = append([]string(nil), o.Scopes...)
	maxBytes := o.MaxResponseBytes
	if maxBytes == 0 {
		maxBytes = defaultMaxResponseBytes
	}
	return &Client{
		tokenURL:         u.String(),
		displayURL:       (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(),
		opts:             o,
		scope:            strings.Join(o.Scopes, " "),
		maxResponseBytes: maxBytes,
		httpClient:       httpauth.NewClient(o.HTTPClient, ErrRedirect),
	}, nil
}

// Refresh sends the refresh token grant and returns the new tokens.
// Tokens.RefreshToken is empty when the server did not rotate the
// refresh token, so the caller keeps the one it sent. Tokens.Expiry is
// the time the request started plus expires_in, and zero when the
// response has no usable expires_in. Refresh returns
// [ErrEmptyRefreshToken] without a request when refreshToken is empty.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (session.Tokens, error) {
	if refreshToken == "" {
		return session.Tokens{}, ErrEmptyRefreshToken
	}
	return c.exchange(ctx, grant{
		name:    "refresh_token",
		fields:  url.Values{"refresh_token": {refreshToken}},
		secrets: []string{refreshToken},
	})
}

// ClientCredentials sends the client credentials grant (RFC 6749
// section 4.4), which gives a token for the client itself. Servers
// seldom return a refresh token with it (section 4.4.3), so
// Tokens.RefreshToken is usually empty.
func (c *Client) ClientCredentials(ctx context.Context) (session.Tokens, error) {
	if c.opts.ClientID == "" {
		return session.Tokens{}, errors.New("oauth2grant: client_credentials grant needs Options.ClientID")
	}
	return c.exchange(ctx, grant{name: "client_credentials", fields: url.Values{}})
}

// Login obtains tokens for a permanent session whose refresh failed: it
// calls [Options.Login], or sends the client credentials grant when
// [Options.LoginWithClientCredentials] is set. Otherwise it returns
// [ErrLoginUnsupported]. It implements [transport.Authenticator].
//
// A permanent session logs in with the client credentials only if the
// server returns a refresh token, or the session keeps its spent one,
// and every later renewal is a failed refresh followed by a login.
func (c *Client) Login(ctx context.Context, creds session.Credentials) (session.Tokens, error) {
	switch {
	case c.opts.Login != nil:
		return c.opts.Login(ctx, creds)
	case c.opts.LoginWithClientCredentials:
		return c.ClientCredentials(ctx)
	}
	return session.Tokens{}, ErrLoginUnsupported
}

// String describes the client with the client secret redacted.
func (c *Client) String() string {
	return fmt.Sprintf("oauth2grant.Client{TokenURL: %s, ClientID: %q, ClientSecret: %s, AuthStyle: %s}",
		c.displayURL, c.opts.ClientID, redactIfSet(c.opts.ClientSecret), c.opts.AuthStyle)
}

// GoString returns the same text as String.
func (c *Client) GoString() string { return c.String() }

// Format writes String for every verb.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue implements [slog.LogValuer] without the client secret.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_url", c.displayURL),
		slog.String("client_id", c.opts.ClientID),
	)
}

func validateOptions(o Options) error {
	switch {
	case o.MaxResponseBytes < 0:
		return fmt.Errorf("oauth2grant: MaxResponseBytes is %d; want 0 for the default or a positive size",
			o.MaxResponseBytes)
	case strings.ContainsFunc(o.UserAgent, httpauth.IsHeaderControl):
		return fmt.Errorf("oauth2grant: UserAgent %q contains a control character", o.UserAgent)
	case o.AuthStyle != AuthBasic && o.AuthStyle != AuthForm:
		return fmt.Errorf("oauth2grant: unknown %v", o.AuthStyle)
	case o.Login != nil && o.LoginWithClientCredentials:
		return errors.New("oauth2grant: set Options.Login or Options.LoginWithClientCredentials, not both")
	case o.LoginWithClientCredentials && o.ClientID == "":
		return errors.New("oauth2grant: LoginWithClientCredentials needs Options.ClientID")
	}
	return nil
}

func redactIfSet(secret string) string {
	if secret == "" {
		return `""`
	}
	return httpauth.Redacted
}
