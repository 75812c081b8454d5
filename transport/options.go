package transport

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// Authenticator obtains tokens from an authentication server. Package
// knowledge implements it for the knowledge service. Implementations
// must be safe for concurrent use and must not put secrets into errors.
type Authenticator interface {
	// Login obtains new tokens with the credentials of a permanent
	// session.
	Login(ctx context.Context, c session.Credentials) (session.Tokens, error)
	// Refresh obtains new tokens with a refresh token. An empty
	// RefreshToken in the result keeps the current one.
	Refresh(ctx context.Context, refreshToken string) (session.Tokens, error)
}

// Default values of [Options].
const (
	DefaultWindow         = 120 * time.Second
	DefaultJitter         = 0.2
	DefaultRefreshTimeout = 30 * time.Second
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 30 * time.Second
	DefaultMaxDrainBytes  = 256 << 10
)

// Options configure a [Refresher] and a [RoundTripper]. A zero field
// takes its default.
type Options struct {
	// Base sends the requests. If nil, [http.DefaultTransport] is used.
	Base http.RoundTripper

	// Window is how long before expiry a token is renewed in the
	// background. It shrinks to a third of the token's lifetime for
	// short-lived tokens. Default 120 s.
	Window time.Duration

	// Jitter widens the window by a random fraction of it, from 0 up to
	// Jitter, so that many clients do not renew in the same second.
	// Default 0.2; a negative value turns jitter off.
	Jitter float64

	// RefreshTimeout bounds one refresh or login, which runs under a
	// context of its own that no single request can cancel. Default 30 s.
	RefreshTimeout time.Duration

	// MinBackoff and MaxBackoff bound the wait after a failed renewal
	// before the next attempt; the wait doubles with each failure.
	// Defaults 1 s and 30 s.
	MinBackoff, MaxBackoff time.Duration

	// AllowedHosts lists more host names, besides the session's service
	// host, that receive the bearer token. An entry "*.example.com"
	// matches every subdomain of example.com. Ports are not compared.
	AllowedHosts []string

	// AllowInsecureHTTP permits sending the token over plain http to
	// hosts other than loopback. Off by default.
	AllowInsecureHTTP bool

	// MaxDrainBytes bounds how much of a discarded response body is
	// read so the connection can be reused. Default 256 KiB.
	MaxDrainBytes int64

	// Logger receives refreshes, logins, retries and swallowed errors.
	// If nil, nothing is logged.
	Logger *slog.Logger

	// Hooks are called on refreshes, logins, failures and retries.
	Hooks Hooks

	// Store, if set, receives the tokens of every renewal before it
	// ends, and is read before each renewal so that tokens renewed by
	// another process or an earlier run are used instead of renewing
	// again. A store that is also a [store.Locker] makes processes
	// sharing it renew each session one at a time.
	Store store.Store
}

// Option changes [Options].
type Option func(*Options)

func buildOptions(opts []Option) Options {
	var o Options
	for _, apply := range opts {
		apply(&o)
	}
	if o.Base == nil {
		o.Base = http.DefaultTransport
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Jitter == 0 {
		o.Jitter = DefaultJitter
	}
	if o.RefreshTimeout <= 0 {
		o.RefreshTimeout = DefaultRefreshTimeout
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(DefaultMaxBackoff, o.MinBackoff)
	}
	if o.MaxDrainBytes <= 0 {
		o.MaxDrainBytes = DefaultMaxDrainBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
