package transport

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// generationBase is a base transport that checks, for each request,
// that its token is no older than the newest token any request carried
// before this request started.
type generationBase struct {
	mu         sync.Mutex // guards generation
	generation map[string]int64
	newest     atomic.Int64
	violations atomic.Int64
}

func (b *generationBase) RoundTrip(req *http.Request) (*http.Response, error) {
	b.mu.Lock()
	gen := b.generation[req.Header.Get("Authorization")]
	b.mu.Unlock()
	if started := req.Context().Value(startKey{}).(int64); gen < started {
		b.violations.Add(1)
	}
	for {
		cur := b.newest.Load()
		if gen <= cur || b.newest.CompareAndSwap(cur, gen) {
			break
		}
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

type startKey struct{}

// generationAuth numbers each access token it issues, in the base's
// table, before the session can hold it.
type generationAuth struct {
	*fakeAuth
	base   *generationBase
	issued int64
}

func (a *generationAuth) Refresh(ctx context.Context, rt string) (session.Tokens, error) {
	tokens, err := a.fakeAuth.Refresh(ctx, rt)
	if err == nil {
		a.issued++
		a.base.mu.Lock()
		a.base.generation["Bearer "+tokens.AccessToken] = a.issued
		a.base.mu.Unlock()
	}
	return tokens, err
}

// TestNoStaleTokenAfterSwap: twenty goroutines send requests while a
// thousand refreshes complete; once a request has carried a token, no
// request started later carries an older one.
func TestNoStaleTokenAfterSwap(t *testing.T) {
	s := newTestSession(t, session.Refreshable, time.Hour)
	base := &generationBase{generation: map[string]int64{s.Snapshot().Authorization(): 0}}
	auth := &generationAuth{fakeAuth: newFakeAuth(time.Hour), base: base}
	rt := New(s, auth, func(o *Options) { o.Base = base })
	defer rt.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx := context.WithValue(context.Background(), startKey{}, base.newest.Load())
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/x", nil)
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	for range 1000 {
		stale := s.Snapshot()
		snap, err := rt.Refresher().Renew(context.Background(), s, stale)
		if err != nil {
			t.Fatal(err)
		}
		rt.Refresher().accept(s, snap) // the next forced renewal is allowed
	}
	close(stop)
	wg.Wait()
	if n := base.violations.Load(); n != 0 {
		t.Errorf("%d requests carried a token older than one already seen", n)
	}
	if n := auth.fakeAuth.refreshes.Load(); n != 1000 {
		t.Errorf("refreshes = %d; want 1000", n)
	}
}

// TestBrokenAuthServerBounded: with every refresh and login failing,
// fifty goroutines sending requests for two seconds cause no more
// attempts than the backoff schedule allows.
func TestBrokenAuthServerBounded(t *testing.T) {
	auth := newFakeAuth(time.Hour)
	auth.failRefresh(io.ErrClosedPipe)
	auth.failLogin(io.ErrClosedPipe)
	const minBackoff, maxBackoff = 100 * time.Millisecond, 800 * time.Millisecond
	s := newTestSession(t, session.Permanent, -time.Second)
	rt := New(s, auth, func(o *Options) {
		o.Base = &recordingBase{}
		o.MinBackoff, o.MaxBackoff = minBackoff, maxBackoff
	})
	defer rt.Close()

	const run = 2 * time.Second
	deadline := time.Now().Add(run)
	var wg sync.WaitGroup
	var requests atomic.Int64
	for range 50 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				requests.Add(1)
				req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
				if _, err := rt.RoundTrip(req); err == nil {
					t.Error("request succeeded with a broken auth server")
					return
				}
			}
		})
	}
	wg.Wait()
	// Waits double from 100 ms: 0.1, 0.2, 0.4, then 0.8 s each, so two
	// seconds hold at most 1 + 3 + 2 attempts. Each attempt is a refresh
	// and a login.
	attempts := auth.refreshes.Load()
	if attempts > 6 || auth.logins.Load() > attempts {
		t.Errorf("%d refreshes and %d logins for %d requests; want at most 6 of each",
			attempts, auth.logins.Load(), requests.Load())
	}
	t.Logf("%d requests, %d refresh attempts, %d login attempts", requests.Load(), attempts, auth.logins.Load())
}
