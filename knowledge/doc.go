// Package knowledge is a client for the login and refresh endpoints of
// the knowledge service's authentication API.
//
// [Client.Login] exchanges a tenant API key and an external user id for
// tokens, and [Client.Refresh] exchanges a refresh token for new ones.
// Both speak only the wire protocol and return [session.Tokens]. They do
// not decode the access token, which is left to package session.
//
// # Errors
//
// A response with a status outside 2xx is a [*StatusError], and a 2xx
// response whose body cannot be used is a [*ResponseError]. A request
// that fails before a complete response is read (dial, timeout,
// cancelled context, dropped connection) returns the error from
// [net/http] wrapped with the operation's name. The sentinel errors
// [ErrUnauthorized], [ErrServer], [ErrInvalidResponse] and [ErrRedirect]
// match these errors through [errors.Is].
//
// No error message contains the tenant API key or the refresh token that
// the request sent, even when the server echoes them back: they are
// replaced by [REDACTED]. A value shorter than 6 bytes is left as it is,
// because replacing so short a string everywhere would mangle the
// message.
//
// # Redirects
//
// net/http copies custom headers such as x-tenant-api-key, and the body
// of a 307 or 308 redirect, to the redirect target. The client therefore
// follows a redirect only when it keeps the scheme, host and port of the
// original request, and returns an error matching [ErrRedirect]
// otherwise.
package knowledge
