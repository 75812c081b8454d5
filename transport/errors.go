package transport

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// Sentinel errors for [errors.Is].
var (
	// ErrSessionExpired reports a request on a timed session whose access
	// token has expired. Nothing was sent; log in again and add a new
	// session.
	ErrSessionExpired = errors.New("transport: session expired and cannot be renewed; log in again")

	// ErrRenewFailed is wrapped by every [*RenewError].
	ErrRenewFailed = errors.New("transport: renewing the session failed")

	// ErrClosed reports a renewal requested after [Refresher.Close].
	ErrClosed = errors.New("transport: refresher is closed")

	// ErrNoSession reports a request to a manager-bound [RoundTripper]
	// whose context names no session; use [WithSessionID].
	ErrNoSession = errors.New("transport: request context names no session; use transport.WithSessionID")

	// ErrSessionNotFound reports a session id that the manager does not
	// hold.
	ErrSessionNotFound = errors.New("transport: session not found in manager")

	// ErrInsecureScheme reports a request that would send a bearer token
	// over plain http to a host other than loopback. Use https, or set
	// [Options.AllowInsecureHTTP].
	ErrInsecureScheme = errors.New("transport: refusing to send a bearer token over plain http; use https")

	// ErrRefreshOutcomeUnknown reports a refresh whose connection broke
	// after the request may have reached the server, which may have
	// rotated the refresh token. The token is not sent again: a
	// permanent session logs in, and other sessions need new tokens
	// through [session.Session.Update] or a new login.
	ErrRefreshOutcomeUnknown = errors.New("transport: refresh outcome unknown; the refresh token may be spent")

	// ErrRejectedAfterRenewal reports a 401 for a token that was
	// obtained because of a 401 and has not been accepted since. The
	// [RoundTripper] then retries the request once with the same token.
	ErrRejectedAfterRenewal = errors.New("transport: token rejected right after its renewal; not renewing again")

	// ErrExpiredOnArrival reports a renewal that returned an access
	// token already expired by this machine's clock; the clock is
	// probably wrong. The session keeps the token, and renewal backs off.
	ErrExpiredOnArrival = errors.New("transport: renewed access token has already expired; check this machine's clock")
)

// RenewError reports a failed refresh or login of a session. Every
// caller that waited on the same attempt receives the same error.
type RenewError struct {
	SessionID string       // the session that failed to renew
	Kind      session.Kind // refreshable or permanent
	// Backoff is true when no request was sent because an earlier
	// attempt failed recently; Err is that attempt's error.
	Backoff bool
	// RetryAt is, with Backoff, when the next attempt may be sent.
	RetryAt time.Time
	Err     error // the Authenticator's error, ErrExpiredOnArrival or ErrClosed
}

// Error implements the error interface.
func (e *RenewError) Error() string {
	if e.Backoff {
		return fmt.Sprintf("transport: renewing %s session %s failed recently, next attempt after %s: %v",
			e.Kind, shortID(e.SessionID), e.RetryAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), e.Err)
	}
	return fmt.Sprintf("transport: renewing %s session %s failed: %v", e.Kind, shortID(e.SessionID), e.Err)
}

// Unwrap returns the cause and [ErrRenewFailed].
func (e *RenewError) Unwrap() []error { return []error{ErrRenewFailed, e.Err} }

// ExpiredError reports a timed session past its expiry. It wraps
// [ErrSessionExpired].
type ExpiredError struct {
	SessionID string // the expired session
}

// Error implements the error interface.
func (e *ExpiredError) Error() string {
	return fmt.Sprintf("%v (session %s)", ErrSessionExpired, shortID(e.SessionID))
}

// Unwrap returns [ErrSessionExpired].
func (e *ExpiredError) Unwrap() error { return ErrSessionExpired }

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
