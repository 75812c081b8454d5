package oauth2x

import (
	"context"
	"time"

	"golang.org/x/oauth2"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

// DefaultTokenTimeout bounds one call of [SessionTokenSource.Token] when
// its Timeout is zero.
const DefaultTokenTimeout = 30 * time.Second

// SessionTokenSource is an [oauth2.TokenSource] that returns the
// current access token of a session, renewed through a
// [transport.Refresher]. A fresh token comes back at once. Inside the
// refresh window, the current token comes back while a background
// renewal runs. An expired token makes the caller wait for the shared
// renewal. Safe for concurrent use.
type SessionTokenSource struct {
	Session   *session.Session     // the session whose token Token returns
	Refresher *transport.Refresher // renews the session

	// Timeout bounds each Token call, because Token takes no context.
	// If zero, DefaultTokenTimeout is used. The renewal itself runs
	// under the Refresher's own timeout, so a Token call that gives up
	// leaves it running for the next caller.
	Timeout time.Duration
}

// TokenSource returns a [SessionTokenSource] for s that renews through
// r with the default timeout.
func TokenSource(s *session.Session, r *transport.Refresher) *SessionTokenSource {
	return &SessionTokenSource{Session: s, Refresher: r}
}

// Token implements [oauth2.TokenSource]. The token has type Bearer, the
// session's expiry (zero when unknown) and no refresh token, because
// the Refresher renews the session and the refresh token stays inside
// it. Errors are those of [transport.Refresher.Token], such as a
// [*transport.RenewError] or a [*transport.ExpiredError].
func (ts *SessionTokenSource) Token() (*oauth2.Token, error) {
	timeout := ts.Timeout
	if timeout <= 0 {
		timeout = DefaultTokenTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	snap, err := ts.Refresher.Token(ctx, ts.Session)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{
		AccessToken: snap.AccessToken(),
		TokenType:   "Bearer",
		Expiry:      snap.Expiry(),
	}, nil
}
