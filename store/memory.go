package store

import (
	"context"
	"fmt"
	"sync"
)

// Memory is a [Store] that keeps records in process memory. The zero
// value is an empty store ready to use. Safe for concurrent use.
type Memory struct {
	mu      sync.Mutex // guards records
	records map[string]Record
}

// Load implements [Store].
func (m *Memory) Load(_ context.Context, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[id]
	if !ok {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return r, nil
}

// Save implements [Store].
func (m *Memory) Save(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.records == nil {
		m.records = map[string]Record{}
	}
	m.records[r.SessionID] = r
	return nil
}

// Delete implements [Store].
func (m *Memory) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, id)
	return nil
}
