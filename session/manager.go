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
// sessions it looked up last. The cache grows with the count to four
// slots per stored session, up to 8192 slots (128 KiB), and does not
// shrink. A lookup of one of up to about 2,000 busy sessions then
// costs the same among a million sessions as among a thousand. Other
// lookups go to the map and enter the cache too, where they can push
// busy sessions out.
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
// one treats it as absent. Slots are only loaded and stored word by
// word, so the cache takes no lock.
type recentCache struct {
	sets []recentSet
}

// recentSet is two slots of the cache, 32 bytes, so that a lookup
// reads one cache line in caches of 2048 slots or more, which the
// runtime aligns to a page. In smaller caches, which start 8 bytes
// into a cache line, half the sets cross two lines. Each slot has the hash of its entry's id as a
// tag, so that a lookup of another id reads no entry. A tag and its
// entry are stored one after the other, and a reader may see one
// without the other, so a lookup checks the entry's id as well.
type recentSet struct {
	tags    [2]atomic.Uint64
	entries [2]atomic.Pointer[entry]
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
	next := &recentCache{sets: make([]recentSet, recentSlots(m.count.Load())/2)}
	if m.recent.CompareAndSwap(c, next) {
		return next
	}
	return m.recent.Load()
}

// grow replaces the cache with an empty, larger one when the stored
// sessions outnumber its share of them.
func (m *Manager) grow(count int64) {
	if c := m.recent.Load(); c != nil && c.slots() < recentSlots(count) {
		m.resize(c)
	}
}

// slots returns the number of slots of c.
func (c *recentCache) slots() int { return 2 * len(c.sets) }

// set returns id's set and the tag that marks id in it. A tag is never
// 0, the tag of an empty slot.
func (c *recentCache) set(id string) (*recentSet, uint64) {
	h := maphash.String(recentSeed, id)
	return &c.sets[h&uint64(len(c.sets)-1)], h | 1
}

// find returns the live entry for id in set, or nil.
func (set *recentSet) find(id string, tag uint64) *entry {
	for i := range set.tags {
		if set.tags[i].Load() != tag {
			continue
		}
		if e := set.entries[i].Load(); e != nil && e.s.id == id && !e.removed.Load() {
			return e
		}
	}
	return nil
}

// keep stores e, found in the map, in an empty slot of set, or in
// either slot at random. It clears the slot again if e has been removed
// since, because the remover's forget may have run before the store.
// Go's atomic operations are sequentially consistent, so either keep
// reads the removed flag as set, or forget finds e in the slot, or the
// manager has replaced this cache, which goes when its last lookup
// ends.
func (set *recentSet) keep(e *entry, tag uint64) {
	i := 0
	if set.entries[0].Load() != nil {
		i = 1
		if set.entries[1].Load() != nil {
			i = rand.IntN(2)
		}
	}
	set.entries[i].Store(e)
	set.tags[i].Store(tag)
	if e.removed.Load() {
		set.entries[i].CompareAndSwap(e, nil)
	}
}

// forget empties the slots that hold e, so that the cache does not keep
// a removed session alive.
func (m *Manager) forget(e *entry) {
	c := m.recent.Load()
	if c == nil {
		return
	}
	set, _ := c.set(e.s.id)
	for i := range set.entries {
		set.entries[i].CompareAndSwap(e, nil)
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
	// Counting before the store keeps a concurrent Remove of the new
	// entry from taking the count below zero.
	count := m.count.Add(1)
	for {
		prev, loaded := m.sessions.LoadOrStore(s.id, e)
		if !loaded {
			m.grow(count)
			return nil
		}
		old := prev.(*entry)
		old.removed.Store(true)
		if m.sessions.CompareAndSwap(s.id, old, e) {
			m.count.Add(-1)
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
	set, tag := m.cache().set(id)
	if e := set.find(id, tag); e != nil {
		return e.s, true
	}
	v, ok := m.sessions.Load(id)
	if !ok {
		return nil, false
	}
	e := v.(*entry)
	set.keep(e, tag)
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

// Count returns the number of sessions stored. While Put and Remove
// calls run, it may count a session that one of them is still storing
// or removing; it is never negative.
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
