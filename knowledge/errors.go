package knowledge

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/sessionkit/sessionkit/internal/httpauth"
)

// Sentinel errors for [errors.Is]. The typed errors of this package match
// them, and none of them is returned unwrapped except
// ErrEmptyRefreshToken.
var (
	// ErrUnauthorized matches a 401 or 403 response: the server rejected
	// the tenant API key or the refresh token.
	ErrUnauthorized = errors.New("knowledge: unauthorized")

	// ErrServer matches a 5xx response.
	ErrServer = errors.New("knowledge: server error")

	// ErrInvalidResponse matches a 2xx response whose body cannot be used.
	ErrInvalidResponse = errors.New("knowledge: invalid response")

	// ErrRedirect matches a redirect to another scheme, host or port,
	// which the client does not follow.
	ErrRedirect = errors.New("knowledge: redirect to another host rejected")

	// ErrInvalidURL matches an auth URL that NewClient rejects.
	ErrInvalidURL = errors.New("knowledge: invalid auth URL")

	// ErrEmptyRefreshToken is returned by Refresh for an empty refresh
	// token, before any request is sent.
	ErrEmptyRefreshToken = errors.New("knowledge: refresh token is empty")
)

// Operation names used in errors.
const (
	opLogin   = "login"
	opRefresh = "refresh"
)

// StatusError is returned when the server responds to a login or
// refresh request with a status outside 2xx.
type StatusError struct {
	Op         string // "login" or "refresh"
	StatusCode int    // the HTTP status of the response

	// Message is an excerpt of at most 256 bytes of the server's message:
	// the message, error or detail field of a JSON body, else the body as
	// text. The tenant API key or refresh token that the request sent is
	// replaced by [REDACTED]. Empty when the body was empty.
	Message string
}

// Error returns a message such as
// "knowledge: refresh failed: 401 Unauthorized: refresh token revoked".
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("knowledge: %s failed: %s", e.Op, httpauth.StatusLine(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is reports whether e matches [ErrUnauthorized] (401 and 403) or
// [ErrServer] (500 to 599).
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized ||
			e.StatusCode == http.StatusForbidden
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// ResponseError is returned when a 2xx response to a login or refresh
// cannot be used. It matches [ErrInvalidResponse].
type ResponseError struct {
	Op         string // "login" or "refresh"
	StatusCode int    // the HTTP status of the response

	// Reason names what was wrong, such as "missing field accessToken".
	// It never quotes the body, which may contain tokens.
	Reason string
}

// Error returns a message such as
// "knowledge: login failed: invalid response (200 OK): missing field accessToken".
func (e *ResponseError) Error() string {
	return fmt.Sprintf("knowledge: %s failed: invalid response (%s): %s",
		e.Op, httpauth.StatusLine(e.StatusCode), e.Reason)
}

// Is reports whether target is [ErrInvalidResponse].
func (e *ResponseError) Is(target error) bool { return target == ErrInvalidResponse }

// InvalidURLError is returned by [NewClient] for an auth URL it cannot
// use. It matches [ErrInvalidURL].
type InvalidURLError struct {
	// URL is the scheme, host and path of the URL, without user
	// information, query or fragment. Empty when the URL could not be
	// parsed.
	URL    string
	Reason string // what is wrong, such as "host is missing"
}

// Error returns a message such as
// `knowledge: invalid auth URL "ftp://example.com": scheme must be http or https`.
func (e *InvalidURLError) Error() string {
	if e.URL == "" {
		return "knowledge: invalid auth URL: " + e.Reason
	}
	return fmt.Sprintf("knowledge: invalid auth URL %q: %s", e.URL, e.Reason)
}

// Is reports whether target is [ErrInvalidURL].
func (e *InvalidURLError) Is(target error) bool { return target == ErrInvalidURL }
