package transport

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

func TestStoreSavedAfterRefresh(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	var st store.Memory
	r := NewRefresher(auth, func(o *Options) { o.Store = &st })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	snap, err := r.Token(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.Load(context.Background(), s.ID())
	if err != nil {
		t.Fatalf("Load after refresh: %v", err)
	}
	if rec.AccessToken != snap.AccessToken() || rec.RefreshToken != snap.RefreshToken() {
		t.Errorf("stored record does not hold the renewed tokens")
	}
	if rec.Version != 1 || rec.Kind != session.Refreshable {
		t.Errorf("record version %d kind %v; want 1, refreshable", rec.Version, rec.Kind)
	}
}

func TestStoreNewerTokensAdopted(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	var st store.Memory
	r := NewRefresher(auth, func(o *Options) { o.Store = &st })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	newer := mintToken(testIssuer, time.Now().Add(time.Hour))
	st.Save(context.Background(), store.Record{SessionID: s.ID(), Kind: s.Kind(),
		AccessToken: newer, RefreshToken: "r-other", Version: 7})

	snap, err := r.Token(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if snap.AccessToken() != newer || s.RefreshToken() != "r-other" {
		t.Errorf("session did not take the stored tokens")
	}
	if n := auth.refreshes.Load(); n != 0 {
		t.Errorf("refreshes = %d; want 0 when the store has newer tokens", n)
	}
}

func TestStoreOlderTokensIgnored(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	var st store.Memory
	r := NewRefresher(auth, func(o *Options) { o.Store = &st })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	older := mintToken(testIssuer, time.Now().Add(-time.Hour))
	st.Save(context.Background(), store.Record{SessionID: s.ID(), AccessToken: older, RefreshToken: "r0", Version: 3})
	if _, err := r.Token(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
	rec, _ := st.Load(context.Background(), s.ID())
	if rec.Version != 4 {
		t.Errorf("saved version = %d; want 4, one above the stored 3", rec.Version)
	}
}

// failingStore fails every call, as a store that is down would.
type failingStore struct{}

var errStoreDown = errors.New("store down")

func (failingStore) Load(context.Context, string) (store.Record, error) {
	return store.Record{}, errStoreDown
}
func (failingStore) Save(context.Context, store.Record) error { return errStoreDown }
func (failingStore) Delete(context.Context, string) error     { return errStoreDown }
func (failingStore) Lock(context.Context, string, time.Duration) (func(), error) {
	return nil, errStoreDown
}

func TestStoreDownStillRenews(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	r := NewRefresher(auth, func(o *Options) { o.Store = failingStore{} })
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	if _, err := r.Token(context.Background(), s); err != nil {
		t.Fatalf("Token with the store down: %v", err)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
}

func TestHooksCalled(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.failRefresh(errors.New("fake: revoked"))
	var events []Event
	r := NewRefresher(auth, func(o *Options) {
		record := func(ev Event) { events = append(events, ev) }
		o.Hooks = Hooks{Refresh: record, Login: record, RefreshFailure: record}
	})
	defer r.Close()
	s := newTestSession(t, session.Permanent, -time.Second)
	if _, err := r.Token(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("events = %d; want a refresh failure and a login", len(events))
	}
	if events[0].Op != "refresh" || events[0].Err == nil {
		t.Errorf("first event = %+v; want a failed refresh", events[0])
	}
	if events[1].Op != "login" || events[1].Err != nil || events[1].SessionID != s.ID() {
		t.Errorf("second event = %+v; want a login of the session", events[1])
	}
}

// deadHolderStore is a store whose renewal lock is held by a process
// that died: the lock is free only from a given time on.
type deadHolderStore struct {
	store.Memory
	free time.Time
}

func (d *deadHolderStore) Lock(ctx context.Context, _ string, _ time.Duration) (func(), error) {
	select {
	case <-time.After(time.Until(d.free)):
		return func() {}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestStoreLockOfDeadHolderTakenOver: a renewal that waited for the lock
// of a holder that died still has its whole timeout once the lock
// expires.
func TestStoreLockOfDeadHolderTakenOver(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.delay = 20 * time.Millisecond // a refresh under an ended context fails
	const ttl = 300 * time.Millisecond
	// The lock expires a little after the renewal began to wait, as when
	// the holder took it just before.
	st := &deadHolderStore{free: time.Now().Add(ttl + 50*time.Millisecond)}
	r := NewRefresher(auth, func(o *Options) {
		o.Store = st
		o.RefreshTimeout = ttl
	})
	defer r.Close()
	s := newTestSession(t, session.Refreshable, -time.Second)
	if _, err := r.Token(context.Background(), s); err != nil {
		t.Fatalf("Token once the dead holder's lock expired: %v", err)
	}
	if n := auth.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
}
