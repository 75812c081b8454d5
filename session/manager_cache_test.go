package session

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"
)

// newUserSession returns a new session of the given user, with a token
// valid for an hour.
func newUserSession(t testing.TB, user string) *Session {
	t.Helper()
	s, err := New(Tokens{AccessToken: userToken(user, time.Hour), RefreshToken: "r"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestManagerLookupAfterReplaceAndRemove checks that a session that a
// lookup has put in the manager's cache is not returned once it has
// been replaced or removed.
func TestManagerLookupAfterReplaceAndRemove(t *testing.T) {
	var m Manager
	first := newUserSession(t, "a")
	id := first.ID()
	m.Put(first)
	for range 2 {
		if got, ok := m.Get(id); !ok || got != first {
			t.Fatalf("Get = %p, %v; want the first session %p", got, ok, first)
		}
	}

	second := newUserSession(t, "a")
	if replaced := m.Put(second); replaced != first {
		t.Errorf("Put returned %p; want the first session %p", replaced, first)
	}
	if got, ok := m.Get(id); !ok || got != second {
		t.Errorf("Get after a replace = %p, %v; want the second session %p", got, ok, second)
	}

	if !m.Remove(id) {
		t.Fatalf("Remove = false; want true")
	}
	if got, ok := m.Get(id); ok {
		t.Errorf("Get after Remove = %p, true; want nothing", got)
	}
	if m.Has(id) {
		t.Errorf("Has after Remove = true")
	}

	m.Put(first) // the same object again, after its removal
	if got, ok := m.Get(id); !ok || got != first {
		t.Errorf("Get after storing the first session again = %p, %v; want %p", got, ok, first)
	}
}

func TestManagerLookupAfterRemoveExpired(t *testing.T) {
	var m Manager
	s, err := m.Add(Tokens{AccessToken: userToken("gone", -time.Minute)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Get(s.ID()); !ok {
		t.Fatalf("Get before RemoveExpired found nothing")
	}
	if n := m.RemoveExpired(); n != 1 {
		t.Fatalf("RemoveExpired = %d; want 1", n)
	}
	if _, ok := m.Get(s.ID()); ok {
		t.Errorf("Get after RemoveExpired found the expired session")
	}
}

// TestManagerReleasesRemovedSessions checks that the cache of recent
// lookups keeps no removed or replaced session alive.
func TestManagerReleasesRemovedSessions(t *testing.T) {
	var m Manager
	removed := newUserSession(t, "removed")
	replaced := newUserSession(t, "replaced")
	weakRemoved, weakReplaced := weak.Make(removed), weak.Make(replaced)
	m.Put(removed)
	m.Put(replaced)
	removedID, replacedID := removed.ID(), replaced.ID()
	m.Get(removedID)
	m.Get(replacedID)
	removed, replaced = nil, nil

	m.Remove(removedID)
	m.Put(newUserSession(t, "replaced"))
	runtime.GC()
	if weakRemoved.Value() != nil {
		t.Errorf("a removed session is still reachable after a collection")
	}
	if weakReplaced.Value() != nil {
		t.Errorf("a replaced session is still reachable after a collection")
	}
	if m.Count() != 1 {
		t.Errorf("Count = %d; want 1", m.Count())
	}
}

// TestManagerManySessions looks up more sessions than the cache holds,
// in random order, twice over.
func TestManagerManySessions(t *testing.T) {
	var m Manager
	const n = 3 * maxRecentSlots
	sessions := make([]*Session, n)
	for i := range sessions {
		sessions[i] = newUserSession(t, fmt.Sprintf("user-%d", i))
		m.Put(sessions[i])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2 {
		for _, i := range rng.Perm(n) {
			if got, ok := m.Get(sessions[i].ID()); !ok || got != sessions[i] {
				t.Fatalf("Get(user-%d) = %p, %v; want %p", i, got, ok, sessions[i])
			}
		}
	}
	if _, ok := m.Get(ID(testIssuer, "t1", "nobody")); ok {
		t.Errorf("Get of an unknown id found a session")
	}
}

// TestManagerConcurrentReplaceRemove has one writer per id replace and
// remove its session while readers look the same ids up and fill the
// cache with entries about to go stale. Each writer must read its own
// writes, and a reader must never get another id's session.
func TestManagerConcurrentReplaceRemove(t *testing.T) {
	var m Manager
	const ids, rounds = 8, 2000
	users := make([][]*Session, ids)
	for i := range users {
		for range 3 {
			users[i] = append(users[i], newUserSession(t, fmt.Sprintf("user-%d", i)))
		}
	}

	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				for i := range ids {
					want := users[i][0].ID()
					if got, ok := m.Get(want); ok && got.ID() != want {
						t.Errorf("Get(%s) returned the session of %s", want, got.ID())
						return
					}
				}
			}
		})
	}

	var writers sync.WaitGroup
	for i := range ids {
		writers.Go(func() {
			id := users[i][0].ID()
			for r := range rounds {
				s := users[i][r%3]
				m.Put(s)
				if got, ok := m.Get(id); !ok || got != s {
					t.Errorf("writer %d round %d: Get after Put = %p, %v; want %p", i, r, got, ok, s)
					return
				}
				if r%2 == 0 {
					continue
				}
				if !m.Remove(id) {
					t.Errorf("writer %d round %d: Remove = false after Put", i, r)
					return
				}
				if got, ok := m.Get(id); ok {
					t.Errorf("writer %d round %d: Get after Remove = %p, true", i, r, got)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()

	// Every writer ends on an even round (rounds-1 is odd: removed).
	if m.Count() != 0 {
		t.Errorf("Count = %d; want 0", m.Count())
	}
}

// TestManagerLookupRacingRemove replays, step by step, a Get that loads
// an entry from the map, then loses the processor to a Remove of the
// same session, then stores the entry in the cache. The cache must not
// keep the removed session alive.
func TestManagerLookupRacingRemove(t *testing.T) {
	var m Manager
	s := newUserSession(t, "raced")
	id := s.ID()
	collected := weak.Make(s)
	m.Put(s)
	s = nil

	set, tag := m.cache().set(id)
	v, _ := m.sessions.Load(id)
	if !m.Remove(id) {
		t.Fatal("Remove = false; want true")
	}
	set.keep(v.(*entry), tag)
	v = nil

	if _, ok := m.Get(id); ok {
		t.Errorf("Get found the removed session")
	}
	runtime.GC()
	if collected.Value() != nil {
		t.Errorf("the removed session is still reachable after a collection")
	}
	runtime.KeepAlive(&m)
}

// TestManagerRemoveWhileLookedUp removes sessions while another
// goroutine keeps looking them up, and checks that none of them stays
// reachable from the emptied managers.
func TestManagerRemoveWhileLookedUp(t *testing.T) {
	const managers, perManager = 20, 100
	ms := make([]*Manager, managers)
	var removed []weak.Pointer[Session]
	for k := range ms {
		m := new(Manager)
		ms[k] = m
		for i := range perManager {
			s := newUserSession(t, fmt.Sprintf("m%d-u%d", k, i))
			removed = append(removed, weak.Make(s))
			id := s.ID()
			var stop, started atomic.Bool
			var wg sync.WaitGroup
			wg.Go(func() {
				for !stop.Load() {
					started.Store(true)
					m.Get(id)
				}
			})
			for !started.Load() {
				runtime.Gosched()
			}
			m.Put(s)
			s = nil
			m.Remove(id)
			stop.Store(true)
			wg.Wait()
		}
		if m.Count() != 0 {
			t.Fatalf("manager %d: Count = %d; want 0", k, m.Count())
		}
	}
	runtime.GC()
	alive := 0
	for _, w := range removed {
		if w.Value() != nil {
			alive++
		}
	}
	if alive > 0 {
		t.Errorf("%d of %d removed sessions are still reachable", alive, len(removed))
	}
	runtime.KeepAlive(ms)
}

// TestManagerCacheSize checks the cache's size: four slots per session,
// at least 64 and at most 8192.
func TestManagerCacheSize(t *testing.T) {
	var m Manager
	sizes := map[int]int{0: 64, 16: 64, 17: 128, 2048: 8192, 5000: 8192}
	added := 0
	for _, n := range []int{0, 16, 17, 2048, 5000} {
		for ; added < n; added++ {
			m.Put(newUserSession(t, fmt.Sprintf("user-%d", added)))
		}
		m.Get("any")
		if got := m.recent.Load().slots(); got != sizes[n] {
			t.Errorf("with %d sessions the cache has %d slots; want %d", n, got, sizes[n])
		}
	}
}

// TestManagerCacheHitRate looks up busy sessions of a manager at
// random and checks how many lookups the cache serves. The docs quote
// the rates it logs.
func TestManagerCacheHitRate(t *testing.T) {
	sessions := make([]*Session, 5000)
	for i := range sessions {
		sessions[i] = newUserSession(t, fmt.Sprintf("user-%d", i))
	}
	for _, tc := range []struct {
		stored, busy int
		minRate      float64
	}{
		{1000, 1000, 0.94},
		{5000, 1000, 0.97},
		{5000, 2000, 0.94},
		{5000, 4000, 0.86},
	} {
		var m Manager
		for _, s := range sessions[:tc.stored] {
			m.Put(s)
		}
		rng := rand.New(rand.NewPCG(uint64(tc.busy), 3))
		for range 20 * tc.busy { // fill the cache
			m.Get(sessions[rng.IntN(tc.busy)].ID())
		}
		c := m.recent.Load()
		hits, lookups := 0, 100*tc.busy
		for range lookups {
			id := sessions[rng.IntN(tc.busy)].ID()
			if set, tag := c.set(id); set.find(id, tag) != nil {
				hits++
			}
			m.Get(id)
		}
		rate := float64(hits) / float64(lookups)
		t.Logf("%d sessions, %d busy, %d cache slots: %.1f %% of lookups hit",
			tc.stored, tc.busy, c.slots(), 100*rate)
		if rate < tc.minRate {
			t.Errorf("%d sessions, %d busy: hit rate %.3f; want at least %.2f",
				tc.stored, tc.busy, rate, tc.minRate)
		}
	}
}

// TestManagerCountNeverNegative stores and removes one session from two
// goroutines and checks that a Remove that found the session never
// reads a negative count afterwards.
func TestManagerCountNeverNegative(t *testing.T) {
	var m Manager
	s := newUserSession(t, "one")
	id := s.ID()
	var stop atomic.Bool
	var lowest atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
			m.Put(s)
		}
	})
	wg.Go(func() {
		for !stop.Load() {
			if m.Remove(id) {
				if c := int64(m.Count()); c < lowest.Load() {
					lowest.Store(c)
				}
			}
		}
	})
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if c := lowest.Load(); c < 0 {
		t.Errorf("Count after a successful Remove = %d; want at least 0", c)
	}
}
