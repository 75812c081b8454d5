// Package store defines where sessions keep their tokens between
// renewals and across restarts: the [Store] interface, the in-memory
// [Memory] store, and the errors every implementation shares.
//
// A transport.Refresher given a Store reads the latest record before it
// renews a session. It writes the renewed tokens back before anything
// can use them again, so a rotated refresh token is not lost. A
// restarted program, or another process sharing the store, then
// resumes the session with [Restore] instead of logging in.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// ErrNotFound reports that a store holds no record for a session id.
var ErrNotFound = errors.New("store: session not found")

// ErrCorrupt is wrapped by errors about records that cannot be decoded.
// The store keeps its last good copy where it has one.
var ErrCorrupt = errors.New("store: stored session is corrupt")

// Record is the stored state of one session. It holds bearer tokens, so
// a store must protect it as it would a password. String, GoString,
// Format and LogValue never show the tokens.
type Record struct {
	SessionID    string       // the session's id, the record's key
	Kind         session.Kind // timed, refreshable or permanent
	AccessToken  string       // the current access token
	RefreshToken string       // the current refresh token; empty for none
	// Expiry is when the access token expires; zero when unknown.
	Expiry time.Time
	// Version grows by one with every save of the session; stores that
	// can compare it reject a save whose version is not newer.
	Version   int64
	UpdatedAt time.Time // when the record was saved
}

// Tokens returns the tokens of the record.
func (r Record) Tokens() session.Tokens {
	return session.Tokens{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, Expiry: r.Expiry}
}

// String describes the record without its tokens.
func (r Record) String() string {
	return fmt.Sprintf("Record{SessionID: %s, Kind: %s, Version: %d, UpdatedAt: %s}",
		r.SessionID, r.Kind, r.Version, r.UpdatedAt.UTC().Format(time.RFC3339))
}

// GoString returns the same text as String.
func (r Record) GoString() string { return r.String() }

// Format writes String for every verb.
func (r Record) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }

// LogValue implements [slog.LogValuer] without the tokens.
func (r Record) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("session_id", r.SessionID),
		slog.String("kind", r.Kind.String()),
		slog.Int64("version", r.Version),
	)
}

// RecordOf returns the record of the current state of s, at version.
func RecordOf(s *session.Session, version int64) Record {
	snap := s.Snapshot()
	return Record{
		SessionID:    s.ID(),
		Kind:         s.Kind(),
		AccessToken:  snap.AccessToken(),
		RefreshToken: snap.RefreshToken(),
		Expiry:       snap.Expiry(),
		Version:      version,
		UpdatedAt:    time.Now(),
	}
}

// Store keeps session records by session id. Implementations must be
// safe for concurrent use and must not put tokens into errors or logs.
type Store interface {
	// Load returns the record of a session, or an error wrapping
	// [ErrNotFound] when there is none.
	Load(ctx context.Context, sessionID string) (Record, error)
	// Save stores r, replacing the record of the same session.
	Save(ctx context.Context, r Record) error
	// Delete removes the record of a session; deleting a missing record
	// is not an error.
	Delete(ctx context.Context, sessionID string) error
}

// Locker is implemented by stores that several processes share, so that
// one of them renews a session while the others wait and then read its
// result.
type Locker interface {
	// Lock acquires the renewal lock of a session for at most ttl,
	// waiting within ctx while another holder has it. The returned
	// function releases the lock if it is still held by this caller.
	Lock(ctx context.Context, sessionID string, ttl time.Duration) (unlock func(), err error)
}
