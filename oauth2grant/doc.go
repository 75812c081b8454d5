// Package oauth2grant is a [transport.Authenticator] for the token
// endpoint of any OAuth 2.0 authorization server (RFC 6749).
//
// [Client.Refresh] sends the refresh token grant of RFC 6749 section 6:
// a form-encoded POST with grant_type=refresh_token, the refresh token
// and, if configured, the scope. The client authenticates with HTTP
// basic authentication, the default, which RFC 6749 section 2.3.1
// requires every server to support. Or it sends client_id and
// client_secret as form fields. The response's refresh_token, when present, replaces the one
// sent, and an absent one keeps it. The response's expires_in, a JSON
// number or a numeric string, sets [session.Tokens.Expiry].
//
// Access tokens of OAuth 2.0 servers are often not JWTs, or JWTs without
// the claims that package session reads, so sessions renewed by this
// package are made with [session.NewOpaque]. The transport then renews
// the token at its expiry, or after a 401 when the server gave no
// expires_in.
//
// # Login
//
// OAuth 2.0 has no login with a tenant API key, so [Client.Login]
// returns [ErrLoginUnsupported] unless [Options.Login] is set or
// [Options.LoginWithClientCredentials] makes it send the client
// credentials grant of RFC 6749 section 4.4. Either lets a permanent
// session recover from a revoked refresh token.
//
// # Errors
//
// An error response of RFC 6749 section 5.2 is an [*Error] with the
// server's error code. It matches the sentinel of its code, such as
// [ErrInvalidGrant] for a revoked or expired refresh token, through
// [errors.Is]. A 2xx response that cannot be used is a [*ResponseError].
// No error contains the refresh token or the client secret, even when
// the server echoes them back, unless the value is shorter than 6 bytes:
// replacing so short a string everywhere would mangle the message.
//
// # Redirects
//
// The client follows a redirect only when it keeps the scheme, host and
// port of the token endpoint. net/http would carry the form body of a
// 307 or 308 redirect, with the refresh token and perhaps the client
// secret, to any host.
package oauth2grant
