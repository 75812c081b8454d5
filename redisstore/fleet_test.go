package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/sessiontest"
)

// Timing of the fleet tests. A token lives 3 s and is renewed when
// about a third of its life is left, so a run of 12 s has about five
// renewals. The lock ttl is the transport's RefreshTimeout.
const (
	fleetTokenLifetime = 3 * time.Second
	fleetLockTTL       = 2 * time.Second
)

// child is one process of a fleet.
type child struct {
	index      int
	cmd        *exec.Cmd
	stdout     syncBuffer
	stderr     syncBuffer
	resultPath string
	done       chan struct{} // closed when the process has exited
	waitErr    error         // set before done is closed
	killed     atomic.Bool
}

// fleet is a set of child processes sharing one session through Redis.
type fleet struct {
	t        *testing.T
	children []*child
	started  time.Time
}

// startFleet starts n copies of the test binary running
// TestHelperProcess with base, each with its own index and result
// file. Children still running when the test ends are killed.
func startFleet(t *testing.T, n int, base childConfig, apiKey string) *fleet {
	t.Helper()
	f := &fleet{t: t, started: time.Now()}
	dir := t.TempDir()
	for i := range n {
		cfg := base
		cfg.Index = i
		cfg.ResultPath = filepath.Join(dir, fmt.Sprintf("child-%d.json", i))
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := &child{index: i, resultPath: cfg.ResultPath, done: make(chan struct{})}
		c.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		c.cmd.Env = append(os.Environ(), envChildConfig+"="+string(raw), envChildAPIKey+"="+apiKey)
		c.cmd.Stdout = &c.stdout
		c.cmd.Stderr = &c.stderr
		if err := c.cmd.Start(); err != nil {
			t.Fatalf("starting child %d: %v", i, err)
		}
		go func() {
			c.waitErr = c.cmd.Wait()
			close(c.done)
		}()
		f.children = append(f.children, c)
	}
	t.Cleanup(func() {
		for _, c := range f.children {
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return f
}

// kill ends child i with SIGKILL, as a crash would.
func (f *fleet) kill(i int) {
	c := f.children[i]
	c.killed.Store(true)
	c.cmd.Process.Kill()
}

// wait waits for every child to exit and returns the results of those
// not killed, by index. A child that failed fails the test.
func (f *fleet) wait(timeout time.Duration) map[int]childResult {
	f.t.Helper()
	results := map[int]childResult{}
	deadline := time.After(timeout)
	for _, c := range f.children {
		select {
		case <-c.done:
		case <-deadline:
			f.t.Fatalf("child %d still running after %v", c.index, timeout)
		}
		if c.killed.Load() {
			continue
		}
		if c.waitErr != nil {
			f.t.Errorf("child %d: %v\nstdout:\n%s\nstderr:\n%s", c.index, c.waitErr, c.stdout.String(), c.stderr.String())
			continue
		}
		raw, err := os.ReadFile(c.resultPath)
		if err != nil {
			f.t.Errorf("child %d left no result: %v", c.index, err)
			continue
		}
		var res childResult
		if err := json.Unmarshal(raw, &res); err != nil {
			f.t.Errorf("child %d result: %v", c.index, err)
			continue
		}
		results[c.index] = res
	}
	return results
}

// logs returns the standard error output of child i.
func (f *fleet) logs(i int) string { return f.children[i].stderr.String() }

// fleetService starts the fake knowledge service with short-lived
// tokens and a random API key, and returns it with the key.
func fleetService(t *testing.T, onRequest func(sessiontest.Endpoint, *http.Request)) (*sessiontest.Server, string) {
	apiKey := "key-" + rand.Text()
	fake := sessiontest.NewServer(func(o *sessiontest.Options) {
		o.TenantAPIKey = apiKey
		o.TokenLifetime = fleetTokenLifetime
		o.OnRequest = onRequest
	})
	t.Cleanup(fake.Close)
	return fake, apiKey
}

// baseConfig returns the configuration shared by the children of a
// fleet on the Redis server at addr. The fleet's keys are deleted when
// the test ends.
func baseConfig(t *testing.T, fake *sessiontest.Server, addr string, runFor time.Duration) childConfig {
	key := make([]byte, 32)
	rand.Read(key)
	prefix := testPrefix(t)
	client := newClient(t, addr)
	t.Cleanup(func() { deleteKeys(t, client, prefix) })
	return childConfig{
		ServiceURL:    fake.URL(),
		RedisAddr:     addr,
		KeyPrefix:     prefix,
		EncryptionKey: key,
		LockTTL:       fleetLockTTL,
		RunFor:        runFor,
		Workers:       2,
	}
}

// chainRefreshBounds returns the minimum and maximum number of refreshes
// that one chain of tokens can take in d. A token lives from fleetTokenLifetime
// up to a second longer, because its exp is rounded up to a whole
// second. It is renewed when a third of its life is left, widened by
// up to 20 % jitter, so between 2/3 and 3/5 of its life after issue.
func chainRefreshBounds(d time.Duration) (minRefreshes, maxRefreshes int) {
	longest := (fleetTokenLifetime + time.Second) * 2 / 3
	shortest := fleetTokenLifetime * 3 / 5
	return int(d/longest) - 1, int(d/shortest) + 1
}

// fleetTotals are sums over the results of the children.
type fleetTotals struct {
	requests, failures, refreshes, logins, bootstrapLogins int64
}

func sumResults(results map[int]childResult) fleetTotals {
	var sum fleetTotals
	for _, r := range results {
		sum.requests += int64(r.Requests)
		sum.failures += int64(r.Failures)
		sum.refreshes += r.Stats.Refreshes
		sum.logins += r.Stats.Logins
		if r.BootstrapLogin {
			sum.bootstrapLogins++
		}
	}
	return sum
}

// checkNoSecrets fails the test if text contains the API key or any
// token that fake issued.
func checkNoSecrets(t *testing.T, fake *sessiontest.Server, where, text string) {
	t.Helper()
	for _, secret := range fake.IssuedSecrets() {
		if strings.Contains(text, secret) {
			t.Errorf("%s contains a secret of length %d", where, len(secret))
			return
		}
	}
}

// storedValues returns every value stored under prefix, as text.
func storedValues(t *testing.T, addr, prefix string) string {
	t.Helper()
	client := newClient(t, addr)
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		fields, err := client.HGetAll(ctx, k).Result()
		if err != nil {
			continue // the lock is a string
		}
		for f, v := range fields {
			fmt.Fprintf(&b, "%s %s=%s\n", k, f, v)
		}
	}
	return b.String()
}

func distinct(tokens []string) int {
	seen := map[string]bool{}
	for _, tok := range tokens {
		seen[tok] = true
	}
	return len(seen)
}

// TestFleetSharesOneSession runs four processes that send requests with
// one permanent session for four token lifetimes. Together they must
// behave like one client: one login, one refresh per expiry.
func TestFleetSharesOneSession(t *testing.T) {
	addr := redisAddr(t)
	fake, apiKey := fleetService(t, nil)
	const runFor = 12 * time.Second
	base := baseConfig(t, fake, addr, runFor)
	f := startFleet(t, 4, base, apiKey)
	results := f.wait(runFor + 30*time.Second)
	if len(results) != 4 {
		t.Fatalf("results from %d children; want 4", len(results))
	}
	sum := sumResults(results)
	stats := fake.Stats()
	used := distinct(fake.SeenTokens())
	t.Logf("4 processes, %v, token lifetime %v: %d requests, %d failed; server: %d login, %d refreshes, %d reused refresh tokens; %d access tokens used",
		runFor, fleetTokenLifetime, sum.requests, sum.failures, stats.Logins, stats.Refreshes, stats.RefreshReuse, used)

	if sum.failures != 0 {
		for i, r := range results {
			t.Logf("child %d failures: %q", i, r.FailureSamples)
		}
		t.Errorf("failed requests = %d; want 0", sum.failures)
	}
	if stats.Logins != 1 || sum.bootstrapLogins != 1 || sum.logins != 0 {
		t.Errorf("logins: server %d, at startup %d, by transports %d; want 1, 1, 0",
			stats.Logins, sum.bootstrapLogins, sum.logins)
	}
	if stats.RefreshReuse != 0 || stats.RefreshFailures != 0 {
		t.Errorf("server refresh reuse %d, failures %d; want 0, 0", stats.RefreshReuse, stats.RefreshFailures)
	}
	if stats.Refreshes != sum.refreshes {
		t.Errorf("server refreshes = %d; processes report %d", stats.Refreshes, sum.refreshes)
	}
	minRefreshes, maxRefreshes := chainRefreshBounds(runFor)
	if stats.Refreshes < int64(minRefreshes) || stats.Refreshes > int64(maxRefreshes) {
		t.Errorf("refreshes = %d; want %d to %d, those of one client", stats.Refreshes, minRefreshes, maxRefreshes)
	}
	// Each refresh replaces a token that is about to expire, so the
	// access tokens used are the login's and one per refresh. Only the
	// last refresh may come too late for a request to use its token.
	if issued := stats.Logins + stats.Refreshes; int64(used) != issued && int64(used) != issued-1 {
		t.Errorf("access tokens used = %d; want %d or %d, one per login or refresh", used, issued, issued-1)
	}
	for i := range results {
		checkNoSecrets(t, fake, fmt.Sprintf("log of child %d", i), f.logs(i))
	}
	checkNoSecrets(t, fake, "Redis", storedValues(t, addr, base.KeyPrefix))
}

// TestFleetLockHolderKilled kills the process that holds the renewal
// lock as its refresh request reaches the server. Another process must
// renew once the lock expires, and no process may go without a working
// token, or see requests fail, for longer than the lock's ttl.
func TestFleetLockHolderKilled(t *testing.T) {
	tests := []struct {
		name    string
		rotated bool // the server carried out the killed holder's refresh
	}{
		{"before the server rotated the token", false},
		{"after the server rotated the token", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := redisAddr(t)
			var (
				current  atomic.Pointer[fleet]
				mu       sync.Mutex // guards killed, killedAt and takeover
				killed   = -1
				killedAt time.Time
				takeover time.Duration // from the kill to the next refresh or login request
			)
			onRequest := func(e sessiontest.Endpoint, r *http.Request) {
				if e == sessiontest.API {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case killed >= 0 && takeover == 0:
					takeover = time.Since(killedAt)
				case killed < 0 && e == sessiontest.Refresh:
					if _, err := fmt.Sscanf(r.UserAgent(), "fleet-%d", &killed); err != nil {
						t.Errorf("refresh from unknown User-Agent %q", r.UserAgent())
						return
					}
					current.Load().kill(killed)
					killedAt = time.Now()
				}
			}
			fake, apiKey := fleetService(t, onRequest)
			if !tt.rotated {
				fake.FailNext(sessiontest.Refresh, 1, http.StatusServiceUnavailable)
			}
			const runFor = 10 * time.Second
			base := baseConfig(t, fake, addr, runFor)
			// The first refresh comes about two seconds after the
			// start, long after current is set.
			current.Store(startFleet(t, 4, base, apiKey))
			results := current.Load().wait(runFor + 30*time.Second)

			mu.Lock()
			defer mu.Unlock()
			if killed < 0 || takeover == 0 {
				t.Fatalf("killed child %d, renewal %v after the kill; want a kill and a renewal after it", killed, takeover)
			}
			if len(results) != 3 {
				t.Fatalf("results from %d children; want the 3 not killed", len(results))
			}
			stats := fake.Stats()
			sum := sumResults(results)
			t.Logf("killed child %d; next renewal request %v later; server: %d logins, %d refreshes, %d reused; survivors: %d requests, %d failed",
				killed, takeover.Round(time.Millisecond), stats.Logins, stats.Refreshes, stats.RefreshReuse, sum.requests, sum.failures)

			// The holder took the lock a moment before its request
			// arrived, so the lock expired a little less than the ttl
			// after the kill.
			if takeover < fleetLockTTL-300*time.Millisecond || takeover > fleetLockTTL+time.Second {
				t.Errorf("next renewal request %v after the kill; want about the lock ttl %v", takeover, fleetLockTTL)
			}
			if sum.refreshes+sum.logins == 0 {
				t.Errorf("no survivor renewed the session")
			}
			if tt.rotated && stats.Logins < 2 {
				t.Errorf("server logins = %d; want a second one, because the stored refresh token was spent", stats.Logins)
			}
			if !tt.rotated && stats.RefreshReuse != 0 {
				t.Errorf("reused refresh tokens = %d; want 0", stats.RefreshReuse)
			}
			// Failed requests are tolerated while they stay within the
			// lock's ttl. Until the dead holder's lock expires, no
			// process can renew, so a survivor whose token expires
			// meanwhile cannot send a valid one.
			for i, r := range results {
				checkNoSecrets(t, fake, fmt.Sprintf("log of child %d", i), current.Load().logs(i))
				t.Logf("child %d: longest time without a successful request %v", i, r.MaxGap.Round(time.Millisecond))
				if r.MaxGap > fleetLockTTL {
					t.Errorf("child %d went %v without a successful request; want at most the lock ttl %v", i, r.MaxGap, fleetLockTTL)
				}
				if r.Failures == 0 {
					continue
				}
				span := r.LastFailure.Sub(r.FirstFailure)
				t.Logf("child %d: %d failed requests over %v: %q", i, r.Failures, span.Round(time.Millisecond), r.FailureSamples)
				if span > fleetLockTTL {
					t.Errorf("child %d had failing requests over %v; want at most the lock ttl %v", i, span, fleetLockTTL)
				}
			}
		})
	}
}

// TestFleetRedisRestart stops Redis for longer than a token lifetime and
// starts it again, empty. Requests must keep succeeding, and once the
// processes have found each other again they must renew as one client.
func TestFleetRedisRestart(t *testing.T) {
	srv := startRedis(t)
	fake, apiKey := fleetService(t, nil)
	const (
		runFor  = 22 * time.Second
		stopAt  = 4 * time.Second
		outage  = 5 * time.Second
		settled = 5 * time.Second // after the restart
	)
	base := baseConfig(t, fake, srv.Addr, runFor)
	f := startFleet(t, 4, base, apiKey)

	time.Sleep(time.Until(f.started.Add(stopAt)))
	srv.Stop()
	time.Sleep(outage)
	srv.Start()
	time.Sleep(settled)
	before := fake.Stats()
	measuredFrom := time.Now()
	results := f.wait(runFor + 30*time.Second)
	after := fake.Stats()
	window := f.started.Add(runFor).Sub(measuredFrom)

	sum := sumResults(results)
	t.Logf("4 processes, %v, Redis down %v-%v: %d requests, %d failed; server: %d logins, %d refreshes, %d reused; last %v: %d logins, %d refreshes",
		runFor, stopAt, stopAt+outage, sum.requests, sum.failures, after.Logins, after.Refreshes, after.RefreshReuse,
		window.Round(time.Second), after.Logins-before.Logins, after.Refreshes-before.Refreshes)
	if len(results) != 4 {
		t.Fatalf("results from %d children; want 4", len(results))
	}
	if sum.failures != 0 {
		for i, r := range results {
			t.Logf("child %d failures: %q", i, r.FailureSamples)
		}
		t.Errorf("failed requests = %d; want 0", sum.failures)
	}
	if n := after.Logins - before.Logins; n != 0 {
		t.Errorf("logins after the processes rejoined = %d; want 0", n)
	}
	if n := after.RefreshReuse - before.RefreshReuse; n != 0 {
		t.Errorf("reused refresh tokens after the processes rejoined = %d; want 0", n)
	}
	if _, maxRefreshes := chainRefreshBounds(window); after.Refreshes-before.Refreshes > int64(maxRefreshes) {
		t.Errorf("refreshes in the last %v = %d; want at most %d, those of one client",
			window, after.Refreshes-before.Refreshes, maxRefreshes)
	}
	for i := range results {
		logs := f.logs(i)
		for _, msg := range []string{"redis unreachable", "store lock failed; renewing without it", "redis reachable again"} {
			if !strings.Contains(logs, msg) {
				t.Errorf("log of child %d lacks %q", i, msg)
			}
		}
		checkNoSecrets(t, fake, fmt.Sprintf("log of child %d", i), logs)
	}
}
