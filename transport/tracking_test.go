package transport

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// stateEntries returns the number of entries in each of r's maps of
// per-session state.
func stateEntries(r *Refresher) map[string]int {
	count := func(m *sync.Map) int {
		n := 0
		m.Range(func(any, any) bool { n++; return true })
		return n
	}
	return map[string]int{
		"failures":       count(&r.failures),
		"unknownOutcome": count(&r.unknownOutcome),
		"versions":       count(&r.versions),
		"forced":         count(&r.forced),
		"tracked":        count(&r.tracked),
	}
}

// leaveState renews s through r after a 401, with a store, and then has
// a renewal fail, so that r keeps a version, a forced renewal and a
// failure for s.
func leaveState(t *testing.T, r *Refresher, auth *fakeAuth, s *session.Session) {
	t.Helper()
	ctx := context.Background()
	snap, err := r.Token(ctx, s)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if _, err := r.Renew(ctx, s, snap); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	auth.failRefresh(errors.New("fake: refresh refused"))
	defer auth.failRefresh(nil)
	restore := SetClockOffset(2 * time.Hour)
	defer restore()
	if _, err := r.Token(ctx, s); err == nil {
		t.Fatalf("Token with a failing refresh succeeded")
	}
}

func newTrackingRefresher(t *testing.T) (*Refresher, *fakeAuth) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth, func(o *Options) { o.Store = new(store.Memory) })
	t.Cleanup(func() { _ = r.Close() })
	return r, auth
}

// collect runs the garbage collector until every entry of r's
// per-session state is gone, or fails the test after a second.
func collect(t *testing.T, r *Refresher) {
	t.Helper()
	waitFor(t, "the state of a collected session to be dropped", func() bool {
		runtime.GC()
		for _, n := range stateEntries(r) {
			if n != 0 {
				return false
			}
		}
		return true
	})
}

func TestRefresherDropsStateOfCollectedSession(t *testing.T) {
	r, auth := newTrackingRefresher(t)
	func() {
		s := newTestSession(t, session.Refreshable, -time.Minute)
		leaveState(t, r, auth, s)
		for _, name := range []string{"failures", "versions", "forced", "tracked"} {
			if n := stateEntries(r)[name]; n != 1 {
				t.Fatalf("%s holds %d entries while the session lives; want 1", name, n)
			}
		}
	}()
	collect(t, r)
}

func TestRefresherKeepsStateOfLiveSession(t *testing.T) {
	r, auth := newTrackingRefresher(t)
	s := newTestSession(t, session.Refreshable, -time.Minute)
	leaveState(t, r, auth, s)
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := stateEntries(r)["versions"]; n != 1 {
		t.Errorf("versions holds %d entries for a live session; want 1", n)
	}
	runtime.KeepAlive(s)
}

// TestRefresherStateOwnedByNewestSession checks that when a session is
// replaced by a new one with the same id, collecting the old one keeps
// the state that the new one uses.
func TestRefresherStateOwnedByNewestSession(t *testing.T) {
	r, auth := newTrackingRefresher(t)
	func() {
		old := newTestSession(t, session.Refreshable, -time.Minute)
		if _, err := r.Token(context.Background(), old); err != nil {
			t.Fatalf("Token of the old session: %v", err)
		}
	}()
	current := newTestSession(t, session.Refreshable, -time.Minute)
	if current.ID() == "" {
		t.Fatal("empty session id")
	}
	auth.mu.Lock()
	auth.current = "r0" // the new session starts from the first refresh token
	auth.mu.Unlock()
	if _, err := r.Token(context.Background(), current); err != nil {
		t.Fatalf("Token of the new session: %v", err)
	}
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := stateEntries(r)["tracked"]; n != 1 {
		t.Errorf("tracked holds %d entries; want 1, the new session's", n)
	}
	if n := stateEntries(r)["versions"]; n != 1 {
		t.Errorf("versions holds %d entries after the old session was collected; want 1", n)
	}
	runtime.KeepAlive(current)
	current = nil
	collect(t, r)
}

// TestRefresherCollectedWhileSessionLives checks that a Refresher
// dropped without Close is collected even though a session it renewed
// lives on.
func TestRefresherCollectedWhileSessionLives(t *testing.T) {
	s := newTestSession(t, session.Refreshable, -time.Minute)
	var collected weak.Pointer[Refresher]
	func() {
		r := NewRefresher(newFakeAuth(time.Hour))
		collected = weak.Make(r)
		if _, err := r.Token(context.Background(), s); err != nil {
			t.Fatalf("Token: %v", err)
		}
	}()
	waitFor(t, "the dropped Refresher to be collected", func() bool {
		runtime.GC()
		return collected.Value() == nil
	})
	runtime.KeepAlive(s)
}

func TestRefresherCloseDropsState(t *testing.T) {
	r, auth := newTrackingRefresher(t)
	s := newTestSession(t, session.Refreshable, -time.Minute)
	leaveState(t, r, auth, s)
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for name, n := range stateEntries(r) {
		if n != 0 {
			t.Errorf("%s holds %d entries after Close; want 0", name, n)
		}
	}
	runtime.KeepAlive(s)
}
