package session

import (
	"context"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Manager holds sessions by id, for programs that call a service on
// behalf of many users. Lookups take no lock. The zero value is an empty
// manager ready to use. Safe for concurrent use.
//
// Besides the map of all sessions, a manager keeps a cache of the
// sessions it looked up last, with four slots per stored session up to
// 8192 slots (64 KiB). A lookup of one of up to about a thousand busy
// sessions then costs the same among a million sessions as among a
// thousand. Other lookups go to the map.
type Manager struct {
	// Logger receives a warning when a session replaces one of another
	// kind. If nil, nothing is logged.
	Logger *slog.Logger

	sessions sync.Map // session id to *entry
	count    atomic.Int64
	recent   atomic.Pointer[recentCache]
}

// entry is one session stored in a Manager. A session stored again
// gets a new entry, so removed marks this storing of it only.
type entry struct {
	s       *Session
	removed atomic.Bool // set before the entry leaves the map
}

// The cache of recent lookups has slotsPerSession slots for each
// stored session, a power of two from minRecentSlots to
// maxRecentSlots. Slots form sets of two, and an id maps to one set by
// its hash.
const (
	slotsPerSession = 4
	minRecentSlots  = 64
	maxRecentSlots  = 8192
)

// recentSeed seeds the hash that maps ids to sets of slots.
var recentSeed = maphash.MakeSeed()

// recentCache holds entries of recently looked-up sessions. A slot may
// hold an entry that has since been removed, and a lookup that finds
// one treats it as absent. Slots are only loaded and stored whole, so
// the cache takes no lock.
type recentCache struct {
	slots []atomic.Pointer[entry]
}

// recentSlots returns the number of cache slots for count sessions.
func recentSlots(count int64) int {
	n := minRecentSlots
	for n < maxRecentSlots && int64(n) < count*slotsPerSession {
		n *= 2
	}
	return n
}

// cache returns m's cache of recent lookups, creating it on first use.
func (m *Manager) cache() *recentCache {
	if c := m.recent.Load(); c != nil {
		return c
	}
	return m.resize(nil)
}

// resize replaces c, m's current cache or nil, with an empty cache sized
// for the sessions stored now, unless another goroutine replaced it
// first. It returns the cache now in use.
func (m *Manager) resize(c *recentCache) *recentCache {
	next := &recentCache{slots: make([]atomic.Pointer[entry], recentSlots(m.count.Load()))}
	if m.recent.CompareAndSwap(c, next) {
		return next
	}
	return m.recent.Load()
}

// grow gives the cache more slots when the stored sessions outnumber
// its share of them.
func (m *Manager) grow(count int64) {
	if c := m.recent.Load(); c != nil && len(c.slots) < recentSlots(count) {
		m.resize(c)
	}
}

// set returns the index of the first slot of id's set.
func (c *recentCache) set(id string) int {
	return int(maphash.String(recentSeed, id)&uint64(len(c.slots)/2-1)) * 2
}

// find returns the live entry for id in c, or nil.
func (c *recentCache) find(id string, set int) *entry {
	for i := set; i < set+2; i++ {
		if e := c.slots[i].Load(); e != nil && e.s.id == id && !e.removed.Load() {
			return e
		}
	}
	return nil
}

// remember stores e in its set and returns the slot it took: one that
// is empty or holds a removed entry if there is one, else either slot
// at random.
func (c *recentCache) remember(e *entry, set int) int {
	i := set
	for ; i < set+2; i++ {
		if old := c.slots[i].Load(); old == nil || old.removed.Load() {
			break
		}
	}
	if i == set+2 {
		i = set + rand.IntN(2)
	}
	c.slots[i].Store(e)
	return i
}

// keep remembers e, found in the map, and clears its slot again if e
// has been removed since, because the remover's forget may have run
// before the store. Go's atomic operations are sequentially consistent,
// so either keep reads the removed flag as set or forget finds e in the
// slot.
func (c *recentCache) keep(e *entry, set int) {
	if i := c.remember(e, set); e.removed.Load() {
		c.slots[i].CompareAndSwap(e, nil)
	}
}

// forget empties the slots of e's set that hold e, so that the cache
// does not keep a removed session alive.
func (m *Manager) forget(e *entry) {
	c := m.recent.Load()
	if c == nil {
		return
	}
	set := c.set(e.s.id)
	for i := set; i < set+2; i++ {
		c.slots[i].CompareAndSwap(e, nil)
	}
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
	e := &entry{s: s}
	for {
		prev, loaded := m.sessions.LoadOrStore(s.id, e)
		if !loaded {
			m.grow(m.count.Add(1))
			return nil
		}
		old := prev.(*entry)
		old.removed.Store(true)
		if m.sessions.CompareAndSwap(s.id, old, e) {
			m.forget(old)
			replaced = old.s
			break
		}
	}
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
	c := m.cache()
	set := c.set(id)
	if e := c.find(id, set); e != nil {
		return e.s, true
	}
	v, ok := m.sessions.Load(id)
	if !ok {
		return nil, false
	}
	e := v.(*entry)
	c.keep(e, set)
	return e.s, true
}

// Has reports whether a session with the given id is stored.
func (m *Manager) Has(id string) bool {
	_, ok := m.Get(id)
	return ok
}

// Remove deletes the session with the given id and reports whether one
// was stored.
func (m *Manager) Remove(id string) bool {
	for {
		v, ok := m.sessions.Load(id)
		if !ok {
			return false
		}
		e := v.(*entry)
		e.removed.Store(true)
		if m.sessions.CompareAndDelete(id, e) {
			m.count.Add(-1)
			m.forget(e)
			return true
		}
	}
}

// Count returns the number of sessions stored.
func (m *Manager) Count() int { return int(m.count.Load()) }

// RemoveExpired deletes every session whose access token has expired and
// that cannot be renewed (the timed ones), and returns how many it
// deleted. A session replaced while RemoveExpired runs is kept.
func (m *Manager) RemoveExpired() int {
	removed := 0
	m.sessions.Range(func(key, value any) bool {
		e := value.(*entry)
		if e.s.Refreshable() || !e.s.Expired() {
			return true
		}
		e.removed.Store(true)
		if m.sessions.CompareAndDelete(key, value) {
			m.count.Add(-1)
			m.forget(e)
			removed++
		}
		return true
	})
	return removed
}
