package oauth2x

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

// PlaceholderRefreshToken is the refresh token of the sessions that
// [NewSession] makes. A refreshable session needs one, but the
// [oauth2.TokenSource] keeps the real refresh token, if any, to itself.
// [Authenticator] ignores the refresh token it is given, so this value
// is never sent anywhere.
const PlaceholderRefreshToken = "oauth2x-token-source"

// ErrNotBearer reports a token from the source whose type is not
// Bearer, which a [transport.RoundTripper] cannot send.
var ErrNotBearer = errors.New("oauth2x: token type is not Bearer")

// Authenticator is a [transport.Authenticator] that takes its tokens
// from an [oauth2.TokenSource]. Refresh and Login both call the source's
// Token method. Safe for concurrent use when the source is, as the
// sources of x/oauth2 are.
//
// NOTE: A source that caches, as those of x/oauth2 do, returns its
// cached token until 10 s before its expiry (x/oauth2 v0.38.0). A token
// that the server rejected earlier, for example because it was revoked,
// comes back from Refresh unchanged, and the request fails with 401.
type Authenticator struct {
	source oauth2.TokenSource
}

// NewAuthenticator returns an Authenticator that takes its tokens from
// src.
func NewAuthenticator(src oauth2.TokenSource) *Authenticator {
	return &Authenticator{source: src}
}

// Refresh returns the source's current token and ignores refreshToken.
// The result has no refresh token, so the session keeps its own.
//
// Token takes no context, so Refresh runs it on a goroutine of its own
// and returns ctx's error when ctx ends first. Token then finishes in
// the background, within the limits of the source's HTTP client.
func (a *Authenticator) Refresh(ctx context.Context, _ string) (session.Tokens, error) {
	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := a.source.Token()
		done <- result{tok, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return session.Tokens{}, fmt.Errorf("oauth2x: token source failed: %w", res.err)
		}
		return tokensOf(res.tok)
	case <-ctx.Done():
		return session.Tokens{}, fmt.Errorf("oauth2x: waiting for token source: %w", ctx.Err())
	}
}

// Login returns the source's current token, as Refresh does, and
// ignores c. A source that can always obtain a new token, such as one
// of clientcredentials.Config, lets a permanent session recover this
// way.
func (a *Authenticator) Login(ctx context.Context, _ session.Credentials) (session.Tokens, error) {
	return a.Refresh(ctx, "")
}

// tokensOf converts a token of x/oauth2. Its refresh token stays with
// the source.
func tokensOf(tok *oauth2.Token) (session.Tokens, error) {
	if tok == nil || tok.AccessToken == "" {
		return session.Tokens{}, errors.New("oauth2x: token source returned no access token")
	}
	if typ := tok.Type(); !strings.EqualFold(typ, "Bearer") {
		return session.Tokens{}, fmt.Errorf("%w: %q", ErrNotBearer, typ)
	}
	return session.Tokens{AccessToken: tok.AccessToken, Expiry: tok.Expiry}, nil
}

// NewSession takes a token from src and returns a refreshable session
// for serviceURL and userID whose access token is opaque, as
// [session.NewOpaque] makes it. The session's id is that of serviceURL
// and userID, and its tokens go only to the host of serviceURL. Its
// refresh token is [PlaceholderRefreshToken].
func NewSession(ctx context.Context, src oauth2.TokenSource, serviceURL, userID string) (*session.Session, error) {
	tokens, err := NewAuthenticator(src).Refresh(ctx, "")
	if err != nil {
		return nil, err
	}
	tokens.RefreshToken = PlaceholderRefreshToken
	return session.NewOpaque(serviceURL, userID, tokens, nil)
}

// NewTransport returns a [transport.RoundTripper] over a session made by
// [NewSession] that renews through an [Authenticator] of src. The
// caller must call Close on it when done.
func NewTransport(ctx context.Context, src oauth2.TokenSource, serviceURL, userID string, opts ...transport.Option) (*transport.RoundTripper, error) {
	s, err := NewSession(ctx, src, serviceURL, userID)
	if err != nil {
		return nil, err
	}
	return transport.New(s, NewAuthenticator(src), opts...), nil
}
