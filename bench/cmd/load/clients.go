package main

import (
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// The transports under test.
const (
	sessionkit = "sessionkit"
	oauth2Name = "oauth2"
)

var transportNames = []string{sessionkit, oauth2Name}

// client is one transport under test, holding one session of the
// server.
type client struct {
	name string
	http *http.Client
	kit  *transport.RoundTripper // nil unless name is sessionkit
	auth *timedAuth
	base *http.Transport
}

// newClient returns a client of the named transport holding tokens.
// Both transports start renewing window before expiry: sessionkit
// through its refresh window, oauth2 through the early expiry of
// ReuseTokenSourceWithExpiry.
func newClient(name string, srv *sessiontest.Server, tokens sessiontest.Tokens,
	window time.Duration, maxConns int) (*client, error) {
	auth, err := newTimedAuth(srv)
	if err != nil {
		return nil, err
	}
	c := &client{name: name, auth: auth, base: newBase(maxConns)}
	switch name {
	case sessionkit:
		err = c.startSessionkit(tokens, window)
	case oauth2Name:
		c.startOAuth2(tokens, window)
	default:
		err = fmt.Errorf("unknown transport %q", name)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (c *client) startSessionkit(tokens sessiontest.Tokens, window time.Duration) error {
	sess, err := session.NewRefreshable(session.Tokens{
		AccessToken:  tokens.AccessToken,
		RefreshToken: tokens.RefreshToken,
	})
	if err != nil {
		return err
	}
	c.kit = transport.New(sess, c.auth, func(o *transport.Options) {
		o.Base = c.base
		o.Window = window
	})
	c.http = &http.Client{Transport: c.kit}
	return nil
}

func (c *client) startOAuth2(tokens sessiontest.Tokens, window time.Duration) {
	source := &refreshSource{auth: c.auth, refreshToken: tokens.RefreshToken}
	reuse := oauth2.ReuseTokenSourceWithExpiry(
		oauth2Token(tokens.AccessToken, tokens.Expiry), source, window)
	c.http = &http.Client{Transport: &oauth2.Transport{Source: reuse, Base: c.base}}
}

// retries returns the requests that sessionkit sent again after a 401,
// and zero for oauth2, which sends none.
func (c *client) retries() int64 {
	if c.kit == nil {
		return 0
	}
	return c.kit.Stats().Retries
}

func (c *client) close() {
	if c.kit != nil {
		_ = c.kit.Close()
	}
	c.base.CloseIdleConnections()
}
