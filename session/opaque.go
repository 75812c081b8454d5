package session

import (
	"errors"
	"fmt"
)

// NewOpaque returns a session whose access token is not a JWT, as many
// OAuth 2.0 servers issue. The caller names the service and the user,
// because no claims can be read: the session id is [ID] of serviceURL,
// an empty tenant and userID. The expiry comes from t.Expiry; a zero
// expiry means unknown, so the token is used until the server rejects
// it with a 401. The kind follows from what is given, as for [New].
// Update accepts any non-empty access token, since there is no identity
// to check it against.
func NewOpaque(serviceURL, userID string, t Tokens, c *Credentials) (*Session, error) {
	host, err := issuerHost(serviceURL)
	if err != nil {
		return nil, fmt.Errorf("session: invalid service URL: it must be absolute with a host")
	}
	if userID == "" {
		return nil, errors.New("session: user id is empty")
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("%w: token is empty", ErrInvalidToken)
	}
	kind, err := kindOf(t, c)
	if err != nil {
		return nil, err
	}
	claims := Claims{Issuer: serviceURL, ExternalUserID: userID, Expiry: t.Expiry}
	s := &Session{id: ID(serviceURL, "", userID), kind: kind, serviceHost: host, opaque: true}
	if c != nil {
		s.credentials = *c
	}
	refresh := t.RefreshToken
	if kind == Timed {
		refresh = ""
	}
	s.current.Store(newSnapshot(t.AccessToken, refresh, claims, now()))
	return s, nil
}

// kindOf returns the kind of session that t and c make, and an error
// when they are incomplete for it.
func kindOf(t Tokens, c *Credentials) (Kind, error) {
	switch {
	case c != nil:
		if err := c.Validate(); err != nil {
			return 0, err
		}
		if t.RefreshToken == "" {
			return 0, ErrMissingRefreshToken
		}
		return Permanent, nil
	case t.RefreshToken != "":
		return Refreshable, nil
	}
	return Timed, nil
}
