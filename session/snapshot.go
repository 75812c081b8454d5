package session

import (
	"fmt"
	"log/slog"
	"time"
)

// Snapshot is the state of a session at one moment: access token,
// refresh token and the claims decoded from that access token. A
// snapshot never changes; a session replaces its snapshot as a whole,
// so no reader sees a new token with old claims. Safe for concurrent
// use. String, GoString, Format and LogValue never show either token;
// they have value receivers so that a copied Snapshot is redacted too.
type Snapshot struct {
	authorization string // "Bearer " and the access token, built once
	refreshToken  string
	claims        Claims
	obtained      time.Time
}

// bearerPrefix starts the Authorization value; the access token is the
// rest of it, so the snapshot keeps one copy of the token.
const bearerPrefix = "Bearer "

func newSnapshot(access, refresh string, claims Claims, obtained time.Time) *Snapshot {
	return &Snapshot{
		authorization: bearerPrefix + access,
		refreshToken:  refresh,
		claims:        claims,
		obtained:      obtained,
	}
}

// AccessToken returns the access token.
func (s *Snapshot) AccessToken() string { return s.authorization[len(bearerPrefix):] }

// RefreshToken returns the refresh token, empty for a timed session.
func (s *Snapshot) RefreshToken() string { return s.refreshToken }

// Authorization returns the value of the Authorization header for this
// access token: "Bearer " and the token.
func (s *Snapshot) Authorization() string { return s.authorization }

// Claims returns the claims decoded from the access token.
func (s *Snapshot) Claims() Claims { return s.claims }

// Expiry returns when the access token expires (its exp claim).
func (s *Snapshot) Expiry() time.Time { return s.claims.Expiry }

// Obtained returns when this client received the access token.
func (s *Snapshot) Obtained() time.Time { return s.obtained }

// Lifetime returns the time from Obtained to Expiry, or zero when the
// token was already expired on arrival.
func (s *Snapshot) Lifetime() time.Duration {
	return max(s.claims.Expiry.Sub(s.obtained), 0)
}

// String describes the snapshot with both tokens redacted.
func (s Snapshot) String() string {
	return fmt.Sprintf("Snapshot{Session: %s, Expiry: %s, AccessToken: %s, RefreshToken: %s}",
		shortID(s.claims.SessionID()), s.claims.Expiry.UTC().Format(time.RFC3339),
		redactIfSet(s.AccessToken()), redactIfSet(s.refreshToken))
}

// GoString returns the same text as String.
func (s Snapshot) GoString() string { return s.String() }

// Format writes String for every verb.
func (s Snapshot) Format(f fmt.State, verb rune) { writeFormatted(f, verb, s.String()) }

// LogValue implements [slog.LogValuer] without either token.
func (s Snapshot) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Time("expiry", s.claims.Expiry),
		slog.Time("obtained", s.obtained),
	)
}
