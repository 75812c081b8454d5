package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
)

// interval is the time one refresh took, from the call to its return.
type interval struct {
	start, end time.Time
}

// timedAuth is a [transport.Authenticator] that records when each of
// its refreshes ran. Safe for concurrent use.
type timedAuth struct {
	client *knowledge.Client

	mu        sync.Mutex // guards refreshes
	refreshes []interval
}

func newTimedAuth(srv *sessiontest.Server) (*timedAuth, error) {
	client, err := knowledge.NewClient(srv.URL(), func(o *knowledge.Options) {
		o.HTTPClient = &http.Client{Transport: newBase(4), Timeout: 30 * time.Second}
	})
	if err != nil {
		return nil, err
	}
	return &timedAuth{client: client}, nil
}

// Login implements [transport.Authenticator].
func (a *timedAuth) Login(ctx context.Context, c session.Credentials) (session.Tokens, error) {
	return a.client.Login(ctx, c)
}

// Refresh implements [transport.Authenticator].
func (a *timedAuth) Refresh(ctx context.Context, refreshToken string) (session.Tokens, error) {
	start := time.Now()
	tokens, err := a.client.Refresh(ctx, refreshToken)
	end := time.Now()
	a.mu.Lock()
	a.refreshes = append(a.refreshes, interval{start, end})
	a.mu.Unlock()
	return tokens, err
}

// intervals returns the refreshes recorded so far.
func (a *timedAuth) intervals() []interval {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]interval(nil), a.refreshes...)
}

// refreshSource is an [oauth2.TokenSource] that renews tokens through
// the same refresh endpoint as sessionkit does. Wrapped in
// oauth2.ReuseTokenSource, its Token runs under that source's mutex,
// so every caller waits for it. Safe for concurrent use.
type refreshSource struct {
	auth *timedAuth

	mu           sync.Mutex // guards refreshToken
	refreshToken string
}

// Token implements [oauth2.TokenSource].
func (s *refreshSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tokens, err := s.auth.Refresh(ctx, s.refreshToken)
	if err != nil {
		return nil, fmt.Errorf("load: refreshing the oauth2 token: %w", err)
	}
	if tokens.RefreshToken != "" {
		s.refreshToken = tokens.RefreshToken
	}
	return oauth2Token(tokens.AccessToken, tokens.Expiry), nil
}

func oauth2Token(access string, expiry time.Time) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, TokenType: "Bearer", Expiry: expiry}
}
