package session

import (
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Kind is the way a session renews its access token.
type Kind int

// The kinds of session.
const (
	// Timed sessions have an access token only and cannot be renewed.
	Timed Kind = iota + 1
	// Refreshable sessions renew through a refresh token.
	Refreshable
	// Permanent sessions renew through a refresh token and log in again
	// with their credentials when the refresh fails.
	Permanent
)

// String returns "timed", "refreshable" or "permanent".
func (k Kind) String() string {
	switch k {
	case Timed:
		return "timed"
	case Refreshable:
		return "refreshable"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// now is the clock of this package; tests replace it.
var now = time.Now

// Session is one user's session with a service: an identity that never
// changes and a [Snapshot] of tokens that [Session.Update] replaces as a
// whole. Reading the current snapshot is one atomic load. Safe for
// concurrent use. String, GoString, Format and LogValue show the session
// id and kind, never a token or the API key.
type Session struct {
	id          string
	kind        Kind
	credentials Credentials // set for permanent sessions only
	serviceHost string      // lowercase host name of the iss claim
	opaque      bool        // the access token is not a JWT; see NewOpaque
	current     atomic.Pointer[Snapshot]
}

// NewTimed returns a session that holds an access token only.
func NewTimed(accessToken string) (*Session, error) {
	return newSession(Timed, Tokens{AccessToken: accessToken}, Credentials{})
}

// NewRefreshable returns a session that renews its access token with the
// refresh token in t.
func NewRefreshable(t Tokens) (*Session, error) {
	if t.RefreshToken == "" {
		return nil, ErrMissingRefreshToken
	}
	return newSession(Refreshable, t, Credentials{})
}

// NewPermanent returns a session that renews with the refresh token in t
// and logs in again with c when the refresh fails.
func NewPermanent(t Tokens, c Credentials) (*Session, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		return nil, ErrMissingRefreshToken
	}
	return newSession(Permanent, t, c)
}

// New returns a session whose kind follows from what is given:
// credentials make it permanent, a refresh token refreshable, and an
// access token alone timed.
func New(t Tokens, c *Credentials) (*Session, error) {
	switch {
	case c != nil:
		return NewPermanent(t, *c)
	case t.RefreshToken != "":
		return NewRefreshable(t)
	}
	return NewTimed(t.AccessToken)
}

func newSession(kind Kind, t Tokens, c Credentials) (*Session, error) {
	claims, err := ParseClaims(t.AccessToken)
	if err != nil {
		return nil, err
	}
	host, err := issuerHost(claims.Issuer)
	if err != nil {
		return nil, err
	}
	s := &Session{id: claims.SessionID(), kind: kind, credentials: c, serviceHost: host}
	refresh := t.RefreshToken
	if kind == Timed {
		refresh = ""
	}
	s.current.Store(newSnapshot(t.AccessToken, refresh, claims, now()))
	return s, nil
}

func issuerHost(iss string) (string, error) {
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" {
		return "", &ClaimError{Claim: "iss", Reason: "must be an absolute URL with a host"}
	}
	return strings.ToLower(u.Hostname()), nil
}

// ID returns the session id; see [ID].
func (s *Session) ID() string { return s.id }

// Kind returns the kind of the session.
func (s *Session) Kind() Kind { return s.kind }

// Snapshot returns the current tokens and claims.
func (s *Session) Snapshot() *Snapshot { return s.current.Load() }

// AccessToken returns the current access token.
func (s *Session) AccessToken() string { return s.Snapshot().AccessToken() }

// RefreshToken returns the current refresh token, empty for a timed
// session.
func (s *Session) RefreshToken() string { return s.Snapshot().refreshToken }

// Claims returns the claims of the current access token.
func (s *Session) Claims() Claims { return s.Snapshot().claims }

// Expiry returns when the current access token expires.
func (s *Session) Expiry() time.Time { return s.Snapshot().Expiry() }

// TimeLeft returns how long the current access token stays valid,
// negative once it has expired. For a token of unknown expiry it
// returns the maximum [time.Duration].
func (s *Session) TimeLeft() time.Duration {
	exp := s.Expiry()
	if exp.IsZero() {
		return time.Duration(math.MaxInt64)
	}
	return exp.Sub(now())
}

// Expired reports whether the current access token has expired. A token
// of unknown expiry never has.
func (s *Session) Expired() bool {
	exp := s.Expiry()
	return !exp.IsZero() && !now().Before(exp)
}

// Opaque reports whether the session was created by [NewOpaque].
func (s *Session) Opaque() bool { return s.opaque }

// Refreshable reports whether the session can renew its access token:
// true for refreshable and permanent sessions.
func (s *Session) Refreshable() bool { return s.kind != Timed }

// ServiceHost returns the lowercase host name of the service that
// issued the tokens (the iss claim), without a port.
func (s *Session) ServiceHost() string { return s.serviceHost }

// Credentials returns the login credentials of a permanent session, and
// false for the other kinds.
func (s *Session) Credentials() (Credentials, bool) {
	return s.credentials, s.kind == Permanent
}

// Update replaces the session's tokens with t and returns the new
// snapshot. The new access token must carry the same iss, tenant and
// ext-sub claims as the session. Otherwise Update returns a
// [*MismatchError] or a [*ClaimError], and the session keeps its old
// tokens. An opaque session takes any non-empty token and its expiry
// from t.Expiry. An empty t.RefreshToken keeps the current refresh
// token, and a timed session stores no refresh token.
func (s *Session) Update(t Tokens) (*Snapshot, error) {
	claims, err := s.claimsOf(t)
	if err != nil {
		return nil, err
	}
	for {
		old := s.current.Load()
		refresh := t.RefreshToken
		if refresh == "" || s.kind == Timed {
			refresh = old.refreshToken
		}
		next := newSnapshot(t.AccessToken, refresh, claims, now())
		if s.current.CompareAndSwap(old, next) {
			return next, nil
		}
	}
}

// claimsOf returns the claims of new tokens for s: decoded from a JWT
// and checked against the session's identity, or for an opaque session
// the session's claims with the expiry the server stated.
func (s *Session) claimsOf(t Tokens) (Claims, error) {
	if s.opaque {
		if t.AccessToken == "" {
			return Claims{}, fmt.Errorf("%w: token is empty", ErrInvalidToken)
		}
		claims := s.Claims()
		claims.Expiry = t.Expiry
		return claims, nil
	}
	claims, err := ParseClaims(t.AccessToken)
	if err != nil {
		return Claims{}, err
	}
	return claims, s.checkIdentity(claims)
}

func (s *Session) checkIdentity(c Claims) error {
	cur := s.Claims()
	switch {
	case c.Issuer != cur.Issuer:
		return &MismatchError{Claim: "iss", SessionID: s.id}
	case c.Tenant != cur.Tenant:
		return &MismatchError{Claim: "tenant", SessionID: s.id}
	case c.ExternalUserID != cur.ExternalUserID:
		return &MismatchError{Claim: "ext-sub", SessionID: s.id}
	}
	return nil
}

// String returns the session id and kind.
func (s *Session) String() string {
	return fmt.Sprintf("Session{ID: %s, Kind: %s}", s.id, s.kind)
}

// GoString returns the same text as String.
func (s *Session) GoString() string { return s.String() }

// Format writes String for every verb.
func (s *Session) Format(f fmt.State, verb rune) { writeFormatted(f, verb, s.String()) }

// LogValue implements [slog.LogValuer] with the session id and kind.
func (s *Session) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", s.id),
		slog.String("kind", s.kind.String()),
	)
}
