package oauth2grant

import (
	"errors"
	"fmt"

	"github.com/sessionkit/sessionkit/internal/httpauth"
)

// Sentinel errors for [errors.Is]. The first six match an [*Error] with
// the error code of RFC 6749 section 5.2 that their text names.
var (
	ErrInvalidRequest       = errors.New("oauth2grant: invalid_request")
	ErrInvalidClient        = errors.New("oauth2grant: invalid_client")
	ErrInvalidGrant         = errors.New("oauth2grant: invalid_grant")
	ErrUnauthorizedClient   = errors.New("oauth2grant: unauthorized_client")
	ErrUnsupportedGrantType = errors.New("oauth2grant: unsupported_grant_type")
	ErrInvalidScope         = errors.New("oauth2grant: invalid_scope")

	// ErrServer matches an [*Error] with a 5xx status.
	ErrServer = errors.New("oauth2grant: server error")

	// ErrInvalidResponse matches a [*ResponseError].
	ErrInvalidResponse = errors.New("oauth2grant: invalid token response")

	// ErrRedirect matches a redirect to another scheme, host or port,
	// which the client does not follow.
	ErrRedirect = errors.New("oauth2grant: redirect to another origin rejected")

	// ErrLoginUnsupported is returned by [Client.Login] when neither
	// [Options.Login] nor [Options.LoginWithClientCredentials] is set.
	ErrLoginUnsupported = errors.New("oauth2grant: login is not supported; " +
		"set Options.Login or Options.LoginWithClientCredentials")

	// ErrEmptyRefreshToken is returned by [Client.Refresh] for an empty
	// refresh token, before any request is sent.
	ErrEmptyRefreshToken = errors.New("oauth2grant: refresh token is empty")
)

// codeErrors maps the error codes of RFC 6749 section 5.2 to their
// sentinels.
var codeErrors = map[string]error{
	"invalid_request":        ErrInvalidRequest,
	"invalid_client":         ErrInvalidClient,
	"invalid_grant":          ErrInvalidGrant,
	"unauthorized_client":    ErrUnauthorizedClient,
	"unsupported_grant_type": ErrUnsupportedGrantType,
	"invalid_scope":          ErrInvalidScope,
}

// Error is an error response from the token endpoint: a status outside
// 2xx, with the fields of RFC 6749 section 5.2 when the body has them.
type Error struct {
	Grant      string // "refresh_token" or "client_credentials"
	StatusCode int    // the HTTP status of the response

	// Code is the error field, such as "invalid_grant". Empty when the
	// body has none, as for a proxy's HTML error page.
	Code string

	// Description is at most 256 bytes of the error_description field,
	// or of the body when it has no error field. The refresh token and
	// client secret of the request are replaced by [REDACTED].
	Description string

	// URI is the error_uri field, with the same replacements.
	URI string
}

// Error returns a message such as
// "oauth2grant: refresh_token grant failed: 400 Bad Request: invalid_grant: token revoked".
func (e *Error) Error() string {
	msg := fmt.Sprintf("oauth2grant: %s grant failed: %s", e.Grant, httpauth.StatusLine(e.StatusCode))
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is reports whether target is the sentinel of e.Code, or [ErrServer]
// for a 5xx status.
func (e *Error) Is(target error) bool {
	if target == ErrServer {
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	sentinel, ok := codeErrors[e.Code]
	return ok && target == sentinel
}

// ResponseError reports a 2xx response of the token endpoint that
// cannot be used. It matches [ErrInvalidResponse].
type ResponseError struct {
	Grant      string // "refresh_token" or "client_credentials"
	StatusCode int    // the HTTP status of the response

	// Reason names what is wrong, such as "missing field access_token".
	// It never quotes the body, which may contain tokens.
	Reason string
}

// Error returns a message such as
// "oauth2grant: refresh_token grant failed: invalid token response (200 OK): missing field access_token".
func (e *ResponseError) Error() string {
	return fmt.Sprintf("oauth2grant: %s grant failed: invalid token response (%s): %s",
		e.Grant, httpauth.StatusLine(e.StatusCode), e.Reason)
}

// Is reports whether target is [ErrInvalidResponse].
func (e *ResponseError) Is(target error) bool { return target == ErrInvalidResponse }
