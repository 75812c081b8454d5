package session

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Tokens are the access token, refresh token and expiry that an
// authentication server returns from a login or a refresh. Expiry is
// the server's stated expiry, zero when it gave none or it could not be
// parsed. The access token's exp claim overrides it.
// String, GoString, Format and LogValue never show either token.
type Tokens struct {
	AccessToken  string    // the bearer token sent with requests
	RefreshToken string    // renews the access token; empty when the server sent none
	Expiry       time.Time // the server's stated expiry of the access token
}

// String returns a description of the tokens with both tokens redacted.
func (t Tokens) String() string {
	return fmt.Sprintf("Tokens{AccessToken: %s, RefreshToken: %s, Expiry: %s}",
		redactIfSet(t.AccessToken), redactIfSet(t.RefreshToken), t.Expiry.Format(time.RFC3339))
}

// GoString returns the same text as String.
func (t Tokens) GoString() string { return t.String() }

// Format writes String for every verb.
func (t Tokens) Format(f fmt.State, verb rune) { writeFormatted(f, verb, t.String()) }

// LogValue implements [slog.LogValuer] without either token.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", redactIfSet(t.AccessToken)),
		slog.String("refresh_token", redactIfSet(t.RefreshToken)),
		slog.Time("expiry", t.Expiry),
	)
}

// MarshalJSON encodes the tokens with both tokens redacted. Persist
// tokens through package store, whose records carry them.
func (t Tokens) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"AccessToken":  redactIfSet(t.AccessToken),
		"RefreshToken": redactIfSet(t.RefreshToken),
		"Expiry":       t.Expiry,
	})
}
