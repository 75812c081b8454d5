// Package oauth2server tests package oauth2grant and the transport
// against a real OAuth 2.0 server, github.com/go-oauth2/oauth2/v4,
// running in-process on a loopback address. It is a module of its own,
// so the root module does not depend on that server.
package oauth2server
