// Package oauth2x connects sessionkit with golang.org/x/oauth2 in both
// directions. It is a module of its own, so that the core module does
// not import x/oauth2.
//
// [TokenSource] exposes a session as an [oauth2.TokenSource]: code
// written for x/oauth2, such as a generated API client, gets the
// session's current access token, renewed through a
// [transport.Refresher].
//
// [NewAuthenticator] and [NewTransport] go the other way: they let an
// [oauth2.TokenSource], such as one from clientcredentials.Config or
// oauth2.Config, feed a [transport.RoundTripper], which adds the
// RoundTripper's host checks, shared renewal and retry after 401.
//
// The tokens of x/oauth2 print in full: an [oauth2.Token] has no String
// or Format method that hides the access token, so never log one.
package oauth2x
