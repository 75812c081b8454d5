package session

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Manager holds sessions by id, for programs that call a service on
// behalf of many users. Lookups take no lock. The zero value is an empty
// manager ready to use. Safe for concurrent use.
type Manager struct {
	// Logger receives a warning when a session replaces one of another
	// kind. If nil, nothing is logged.
	Logger *slog.Logger

	sessions sync.Map // session id to *Session
	count    atomic.Int64
}

// Add creates a session from t and c, as [New] does, stores it and
// returns it. A session with the same id is replaced.
func (m *Manager) Add(t Tokens, c *Credentials) (*Session, error) {
	s, err := New(t, c)
	if err != nil {
		return nil, err
	}
	m.Put(s)
	return s, nil
}

// Put stores s under its id and returns the session it replaced, or nil.
// A change of kind is logged at warning level.
func (m *Manager) Put(s *Session) (replaced *Session) {
	prev, loaded := m.sessions.Swap(s.id, s)
	if !loaded {
		m.count.Add(1)
		return nil
	}
	replaced = prev.(*Session)
	if replaced.kind != s.kind && m.Logger != nil {
		m.Logger.LogAttrs(context.Background(), slog.LevelWarn,
			"session: replaced session of another kind",
			slog.String("session_id", s.id),
			slog.String("old_kind", replaced.kind.String()),
			slog.String("new_kind", s.kind.String()))
	}
	return replaced
}

// Get returns the session with the given id.
func (m *Manager) Get(id string) (*Session, bool) {
	v, ok := m.sessions.Load(id)
	if !ok {
		return nil, false
	}
	return v.(*Session), true
}

// Has reports whether a session with the given id is stored.
func (m *Manager) Has(id string) bool {
	_, ok := m.sessions.Load(id)
	return ok
}

// Remove deletes the session with the given id and reports whether one
// was stored.
func (m *Manager) Remove(id string) bool {
	if _, ok := m.sessions.LoadAndDelete(id); ok {
		m.count.Add(-1)
		return true
	}
	return false
}

// Count returns the number of sessions stored.
func (m *Manager) Count() int { return int(m.count.Load()) }

// RemoveExpired deletes every session whose access token has expired and
// that cannot be renewed (the timed ones), and returns how many it
// deleted. A session replaced while RemoveExpired runs is kept.
func (m *Manager) RemoveExpired() int {
	removed := 0
	m.sessions.Range(func(key, value any) bool {
		s := value.(*Session)
		if s.Refreshable() || !s.Expired() {
			return true
		}
		if m.sessions.CompareAndDelete(key, value) {
			m.count.Add(-1)
			removed++
		}
		return true
	})
	return removed
}
