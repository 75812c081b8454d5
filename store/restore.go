package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessionkit/sessionkit/session"
)

// ErrCredentialsRequired is wrapped by the error of [Restore] and
// [RestoreOpaque] for a permanent session restored without credentials.
// A store never holds the tenant API key, so the caller must supply it.
var ErrCredentialsRequired = errors.New("store: a permanent session needs its credentials to be restored")

// Restore loads the record of a session from st and returns a session
// of the stored kind with the stored tokens, so that a program resumes
// it without logging in. The record must hold a JWT access token; use
// [RestoreOpaque] for a session made by [session.NewOpaque].
//
// A permanent session needs c, and its error wraps
// [ErrCredentialsRequired] when c is nil. For the other kinds c is
// ignored. A record of unknown kind gets the kind that [session.New]
// gives its tokens and c. The restored session keeps the stored tokens
// even when they have expired: a refreshable or permanent session
// renews them on first use, and a timed one fails then.
func Restore(ctx context.Context, st Store, sessionID string, c *session.Credentials) (*session.Session, error) {
	rec, err := st.Load(ctx, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: restoring session %s: %w", sessionID, err)
	}
	creds, err := credentialsFor(rec, c)
	if err != nil {
		return nil, err
	}
	s, err := session.New(tokensFor(rec), creds)
	if err != nil {
		return nil, fmt.Errorf("store: restoring session %s: %w", sessionID, err)
	}
	if s.ID() != sessionID {
		return nil, fmt.Errorf("%w: record of session %s contains a token of session %s",
			ErrCorrupt, sessionID, s.ID())
	}
	return s, nil
}

// RestoreOpaque is [Restore] for a session made by [session.NewOpaque]
// with the same serviceURL and userID, whose session id those two
// determine. The access token's expiry is the stored Record.Expiry.
func RestoreOpaque(ctx context.Context, st Store, serviceURL, userID string, c *session.Credentials) (*session.Session, error) {
	id := session.ID(serviceURL, "", userID)
	rec, err := st.Load(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("store: restoring session %s: %w", id, err)
	}
	creds, err := credentialsFor(rec, c)
	if err != nil {
		return nil, err
	}
	s, err := session.NewOpaque(serviceURL, userID, tokensFor(rec), creds)
	if err != nil {
		return nil, fmt.Errorf("store: restoring session %s: %w", id, err)
	}
	return s, nil
}

// credentialsFor returns the credentials that the session of rec is
// made with: c for a permanent or unknown kind, nil for the others.
func credentialsFor(rec Record, c *session.Credentials) (*session.Credentials, error) {
	switch rec.Kind {
	case session.Permanent:
		if c == nil {
			return nil, fmt.Errorf("store: restoring session %s: %w", rec.SessionID, ErrCredentialsRequired)
		}
		return c, nil
	case session.Timed, session.Refreshable:
		return nil, nil
	}
	return c, nil
}

// tokensFor returns the tokens of rec, without the refresh token for a
// timed session, which must not become refreshable.
func tokensFor(rec Record) session.Tokens {
	t := rec.Tokens()
	if rec.Kind == session.Timed {
		t.RefreshToken = ""
	}
	return t
}
