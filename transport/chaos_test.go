package transport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// chaosFigures are what the chaos test measures; docs/reliability.md
// publishes them.
type chaosFigures struct {
	requests   int
	faults     map[string]int
	outcomes   map[string]int
	slowest    time.Duration
	authCalls  int64
	authFailed int64
	bound      int64
	before     int
	after      int
	secrets    int
	applied    string // faults the server applied, from its counters
}

// TestChaos sends requests from many goroutines through one client
// while the fake service delays, drops, fails, revokes and rejects at
// random, and the transport is closed before the end. Every request
// must end in a success or a typed error within its deadline, no
// goroutine may be left, no secret may appear in any output, and failed
// auth calls must stay within the backoff bound.
func TestChaos(t *testing.T) {
	const (
		run        = 5 * time.Second
		workers    = 16
		deadline   = 3 * time.Second
		minBackoff = 200 * time.Millisecond
	)
	before := runtime.NumGoroutine()
	logs := &syncBuffer{}
	srv := sessiontest.NewServer(func(o *sessiontest.Options) {
		o.TokenLifetime = 3 * time.Second
		o.APILatency = time.Millisecond
	})
	e := newChaosClient(t, srv, logs, minBackoff)

	stopFaults := make(chan struct{})
	faults := make(map[string]int)
	var faultsDone sync.WaitGroup
	faultsDone.Go(func() { injectFaults(srv, e.sess, stopFaults, faults) })
	closeAt := time.AfterFunc(run*9/10, func() { e.rt.Close() })
	defer closeAt.Stop()

	results := runChaosWorkers(e.client, srv.URL()+sessiontest.APIPath, workers, run, deadline)
	close(stopFaults)
	faultsDone.Wait()
	e.rt.Close()

	fig := chaosFigures{requests: len(results), faults: faults, outcomes: map[string]int{}, before: before}
	var output strings.Builder
	for _, r := range results {
		fig.outcomes[r.outcome]++
		fig.slowest = max(fig.slowest, r.took)
		output.WriteString(r.text + "\n")
	}
	st := srv.Stats()
	fig.authCalls = st.Logins + st.LoginFailures + st.Refreshes + st.RefreshFailures
	fig.authFailed = st.LoginFailures + st.RefreshFailures
	fig.applied = fmt.Sprintf("failures %d, delays %d, drops %d",
		st.InjectedFailures, st.InjectedDelays, st.InjectedDrops)
	// Each failed attempt is followed by at least minBackoff without an
	// attempt, and each attempt is a refresh and at most one login.
	fig.bound = 2 * (int64(run/minBackoff) + 1)

	snap := e.sess.Snapshot()
	fmt.Fprintf(&output, "%v %+v %#v %s %v %+v %#v\n", e.sess, e.sess, e.sess, snap, snap, snap, snap)
	slog.New(slog.NewJSONHandler(&output, nil)).Info("session", "s", e.sess, "snap", e.sess.Snapshot())
	output.WriteString(logs.String())
	for _, secret := range srv.IssuedSecrets() {
		if strings.Contains(output.String(), secret) {
			fig.secrets++
		}
	}
	srv.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	fig.after = settledGoroutines(before)
	checkChaos(t, fig, deadline)
	logChaos(t, fig)
}

type chaosClient struct {
	sess   *session.Session
	rt     *transport.RoundTripper
	client *http.Client
}

func newChaosClient(t *testing.T, srv *sessiontest.Server, logs io.Writer, minBackoff time.Duration) *chaosClient {
	t.Helper()
	issued := srv.Issue("chaos-user")
	creds := session.Credentials{TenantAPIKey: srv.Options().TenantAPIKey, ExternalUserID: "chaos-user"}
	sess, err := session.NewPermanent(session.Tokens{AccessToken: issued.AccessToken, RefreshToken: issued.RefreshToken}, creds)
	if err != nil {
		t.Fatal(err)
	}
	auth := newKnowledgeClient(t, srv.URL())
	rt := transport.New(sess, auth, func(o *transport.Options) {
		o.MinBackoff, o.MaxBackoff = minBackoff, time.Second
		o.RefreshTimeout = 2 * time.Second
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return &chaosClient{sess: sess, rt: rt, client: &http.Client{Transport: rt}}
}

// injectFaults adds one random fault every 100 to 300 ms until stop is
// closed, and counts them by kind in counts.
func injectFaults(srv *sessiontest.Server, sess *session.Session, stop <-chan struct{}, counts map[string]int) {
	kinds := []struct {
		name   string
		inject func()
	}{
		{"api delay", func() { srv.DelayNext(sessiontest.API, 1, randDuration(500*time.Millisecond)) }},
		{"api dropped connection", func() { srv.DropNext(sessiontest.API, 1) }},
		{"api 503", func() { srv.FailNext(sessiontest.API, 1, http.StatusServiceUnavailable) }},
		{"refresh delay", func() { srv.DelayNext(sessiontest.Refresh, 1, randDuration(time.Second)) }},
		{"refresh 5xx", func() { srv.FailNext(sessiontest.Refresh, 1, 500+rand.IntN(4)) }},
		{"refresh dropped connection", func() { srv.DropNext(sessiontest.Refresh, 1) }},
		{"login 5xx", func() { srv.FailNext(sessiontest.Login, 1, http.StatusBadGateway) }},
		{"login delay", func() { srv.DelayNext(sessiontest.Login, 1, randDuration(time.Second)) }},
		{"access token revoked", func() { srv.RevokeAccessToken(sess.AccessToken()) }},
		{"refresh token rejected", func() { srv.RejectNextRefreshes(1) }},
	}
	for {
		select {
		case <-stop:
			return
		case <-time.After(100*time.Millisecond + randDuration(200*time.Millisecond)):
		}
		k := kinds[rand.IntN(len(kinds))]
		k.inject()
		counts[k.name]++
	}
}

func randDuration(maxDuration time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(maxDuration)))
}

type chaosResult struct {
	outcome string
	text    string // the error or status, searched for secrets
	took    time.Duration
}

func runChaosWorkers(client *http.Client, url string, workers int, run, deadline time.Duration) []chaosResult {
	end := time.Now().Add(run)
	var mu sync.Mutex // guards all
	var all []chaosResult
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(end) {
				r := chaosRequest(client, url, deadline)
				mu.Lock()
				all = append(all, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all
}

func chaosRequest(client *http.Client, url string, deadline time.Duration) chaosResult {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader("chaos"))
	resp, err := client.Do(req)
	took := time.Since(start)
	if err != nil {
		return chaosResult{outcome: classify(err), text: err.Error(), took: took}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return chaosResult{outcome: fmt.Sprintf("status %d", resp.StatusCode), text: resp.Status, took: took}
}

// classify names the kind of a request error, or returns "untyped" for
// an error that a caller cannot branch on.
func classify(err error) string {
	var renew *transport.RenewError
	var urlErr *url.Error
	switch {
	case errors.Is(err, transport.ErrClosed):
		return "error: refresher closed"
	case errors.As(err, &renew):
		return "error: renewal failed"
	case errors.Is(err, context.DeadlineExceeded):
		return "error: deadline exceeded"
	case errors.As(err, &urlErr) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return "error: connection dropped"
	}
	return "untyped: " + err.Error()
}

// settledGoroutines waits up to two seconds for the goroutine count to
// fall back to want and returns the last count.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func checkChaos(t *testing.T, fig chaosFigures, deadline time.Duration) {
	t.Helper()
	total := 0
	for outcome, n := range fig.outcomes {
		total += n
		if strings.HasPrefix(outcome, "untyped") {
			t.Errorf("%d requests ended in an untyped error: %s", n, outcome)
		}
	}
	if total != fig.requests || fig.requests == 0 {
		t.Errorf("outcomes cover %d of %d requests", total, fig.requests)
	}
	if fig.outcomes["status 200"] == 0 {
		t.Errorf("no request succeeded")
	}
	if fig.slowest > deadline+200*time.Millisecond {
		t.Errorf("slowest request took %v; want at most its %v deadline", fig.slowest, deadline)
	}
	if fig.authFailed > fig.bound {
		t.Errorf("failed auth calls = %d; want at most %d", fig.authFailed, fig.bound)
	}
	if fig.secrets != 0 {
		t.Errorf("%d issued secrets appear in the output", fig.secrets)
	}
	if fig.after > fig.before {
		t.Errorf("goroutines: %d before, %d after", fig.before, fig.after)
	}
}

func logChaos(t *testing.T, fig chaosFigures) {
	t.Helper()
	t.Logf("requests sent: %d", fig.requests)
	t.Logf("faults applied by the server: %s", fig.applied)
	for _, k := range slices.Sorted(mapsKeys(fig.faults)) {
		t.Logf("fault %-28s %d", k, fig.faults[k])
	}
	for _, k := range slices.Sorted(mapsKeys(fig.outcomes)) {
		t.Logf("outcome %-26s %d", k, fig.outcomes[k])
	}
	t.Logf("slowest request: %v", fig.slowest.Round(time.Millisecond))
	t.Logf("auth calls: %d, failed %d, bound on failed %d", fig.authCalls, fig.authFailed, fig.bound)
	t.Logf("goroutines before %d, after %d", fig.before, fig.after)
	t.Logf("secrets found in output: %d", fig.secrets)
}

func mapsKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
