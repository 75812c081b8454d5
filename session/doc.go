// Package session holds the sessions a client keeps with an API: the
// claims decoded from their access tokens, the three kinds of session
// (timed, refreshable and permanent) and a [Manager] that keeps many
// sessions by id.
//
// A [Session] has a fixed identity (issuer, tenant and external user id,
// hashed into its id by [ID]) and a current [Snapshot] of its tokens and
// claims. [Session.Update] swaps the snapshot as one value, so a reader
// never sees a new token with old claims and reading takes no lock.
// Renewing tokens is the job of package transport.
//
// No type of this package prints a token or an API key: String,
// GoString, Format and LogValue redact them.
package session
