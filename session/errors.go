package session

import (
	"errors"
	"fmt"
)

// Sentinel errors for [errors.Is].
var (
	// ErrInvalidToken is wrapped by every error about a malformed access
	// token, including [*ClaimError].
	ErrInvalidToken = errors.New("session: invalid access token")

	// ErrInvalidCredentials reports credentials with a field missing.
	ErrInvalidCredentials = errors.New("session: invalid credentials")

	// ErrIdentityMismatch reports new tokens that belong to another
	// tenant, user or service than the session they were meant for.
	ErrIdentityMismatch = errors.New("session: token belongs to another identity")

	// ErrMissingRefreshToken reports a refreshable or permanent session
	// created without a refresh token.
	ErrMissingRefreshToken = errors.New("session: refresh token is empty")
)

// ClaimError reports a claim of an access token that is missing or has
// the wrong type. It never contains the token.
type ClaimError struct {
	Claim  string // claim name, such as "exp"
	Reason string // what is wrong with it
}

// Error implements the error interface.
func (e *ClaimError) Error() string {
	return fmt.Sprintf("session: invalid access token: claim %q %s", e.Claim, e.Reason)
}

// Unwrap returns [ErrInvalidToken].
func (e *ClaimError) Unwrap() error { return ErrInvalidToken }

// MismatchError reports which claim differs between a session and the
// access token offered to update it.
type MismatchError struct {
	Claim     string // "iss", "tenant" or "ext-sub"
	SessionID string // the id of the session that rejected the token
}

// Error implements the error interface.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("session %s: new access token has a different %q claim; "+
		"the session keeps its old tokens", shortID(e.SessionID), e.Claim)
}

// Unwrap returns [ErrIdentityMismatch].
func (e *MismatchError) Unwrap() error { return ErrIdentityMismatch }

// shortID returns the first 12 hex digits of a session id, enough to
// tell sessions apart in messages.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
