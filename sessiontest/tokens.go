package sessiontest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessionkit/sessionkit/session"
)

// Tokens is a token pair as login and refresh return it. Its String,
// GoString, Format, LogValue and MarshalJSON methods leave out both
// tokens.
type Tokens struct {
	AccessToken  string    // a signed JWT
	RefreshToken string    // an opaque random string
	Expiry       time.Time // the access token's exp claim, in UTC
}

// String returns the expiry only, because the tokens are secrets.
func (t Tokens) String() string {
	return "sessiontest.Tokens{Expiry: " + t.Expiry.Format(time.RFC3339) + "}"
}

// GoString returns the same text as String, so %#v leaks no token.
func (t Tokens) GoString() string { return t.String() }

// Format writes String for every verb, so no verb prints a token.
func (t Tokens) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, t.String()) }

// MarshalJSON encodes the expiry only.
func (t Tokens) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]time.Time{"Expiry": t.Expiry})
}

// SessionTokens returns the pair as [session.Tokens], ready for
// [session.New] or [session.Manager.Add].
func (t Tokens) SessionTokens() session.Tokens {
	return session.Tokens{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
}

// LogValue implements [slog.LogValuer] with the expiry only.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiry", t.Expiry))
}

// accessGrant is the server's record of an access token.
type accessGrant struct {
	externalUserID string
	expiry         time.Time
	revoked        bool
	expired        bool // set by ExpireAccessToken
}

// refreshGrant is the server's record of a refresh token.
type refreshGrant struct {
	externalUserID string
	used           bool // set by the refresh that rotated it, so presenting it again is reuse
	revoked        bool
}

// Issue issues a token pair for externalUserID with the configured token
// lifetime, as a login would, without a request. It counts in
// [Stats.Issued], not in [Stats.Logins].
func (s *Server) Issue(externalUserID string) Tokens {
	return s.IssueWithLifetime(externalUserID, s.opts.TokenLifetime)
}

// IssueWithLifetime is like [Server.Issue] but the access token expires d
// from now, rounded up to a whole second. If d is zero or negative, the
// access token is already expired. Refreshing the pair returns tokens with
// the configured lifetime.
func (s *Server) IssueWithLifetime(externalUserID string, d time.Duration) Tokens {
	s.stats.issued.Add(1)
	return s.issue(externalUserID, d)
}

// issue signs a new access token, makes a new refresh token and records
// both.
func (s *Server) issue(externalUserID string, lifetime time.Duration) Tokens {
	now := s.now()
	expiry := expiryAfter(now, lifetime)
	claims := jwt.MapClaims{
		"tenant":  s.opts.Tenant,
		"roles":   s.opts.Roles,
		"exp":     expiry.Unix(),
		"iat":     now.Unix(),
		"iss":     s.url,
		"ext-sub": externalUserID,
		"jti":     rand.Text(),
	}
	t := Tokens{
		AccessToken:  sign(claims, s.key),
		RefreshToken: rand.Text(),
		Expiry:       expiry,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access[t.AccessToken] = &accessGrant{externalUserID: externalUserID, expiry: expiry}
	s.refresh[t.RefreshToken] = &refreshGrant{externalUserID: externalUserID}
	s.secrets = append(s.secrets, t.AccessToken, t.RefreshToken)
	return t
}

// expiryAfter returns now+d in whole seconds, as the exp claim stores it.
// It rounds up for d > 0, so the token lives at least d, and down
// otherwise, so the token is already expired.
func expiryAfter(now time.Time, d time.Duration) time.Time {
	exact := now.Add(d)
	whole := exact.Truncate(time.Second)
	if d > 0 && whole.Before(exact) {
		whole = whole.Add(time.Second)
	}
	return whole.UTC()
}

// RevokeAccessToken makes the protected endpoint reject token from now on.
// An unknown token is ignored.
func (s *Server) RevokeAccessToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.access[token]; g != nil {
		g.revoked = true
	}
}

// RevokeAllAccessTokens revokes every access token issued so far. Tokens
// issued later are valid.
func (s *Server) RevokeAllAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.access {
		g.revoked = true
	}
}

// ExpireAccessToken makes the protected endpoint treat token as expired
// from now on, regardless of its exp claim. An unknown token is ignored.
func (s *Server) ExpireAccessToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.access[token]; g != nil {
		g.expired = true
	}
}

// RevokeRefreshToken makes the refresh endpoint reject token with 401
// "refresh token revoked". Access tokens issued with it stay valid. An
// unknown token is ignored.
func (s *Server) RevokeRefreshToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.refresh[token]; g != nil {
		g.revoked = true
	}
}

// fixedTestKey signs the tokens of NewJWT. It is not secret.
var fixedTestKey = []byte("sessiontest fixed HS256 key")

// NewJWT returns an HS256 token with the given claims, signed with a fixed
// test key. Clients decode tokens without checking the signature, so the
// token suits tests of claim handling. A [Server] rejects it because it
// did not issue it. NewJWT panics if the claims cannot be encoded as JSON.
func NewJWT(claims map[string]any) string {
	return sign(jwt.MapClaims(claims), fixedTestKey)
}

func sign(claims jwt.MapClaims, key []byte) string {
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		panic(fmt.Sprintf("sessiontest: sign JWT: %v", err))
	}
	return token
}
