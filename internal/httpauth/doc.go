// Package httpauth holds the HTTP code that the token clients of this
// module share: the parsing of endpoint URLs, a client that follows
// only same-origin redirects, a bounded read of response bodies, and the
// removal of secrets from error messages.
package httpauth
