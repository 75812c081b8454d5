package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

// millionEnv turns on the manager benchmarks with 1,000,000 sessions,
// which take about 20 seconds to build and 2 GiB of memory.
const millionEnv = "SESSIONKIT_BENCH_1M"

// hotSessions is how many sessions receive requests in the manager
// benchmarks, whatever the manager holds. The manager of hotSessions
// sessions is built first, and every larger manager holds the same
// session objects before its own, so a request touches the same
// sessions at the same addresses whatever the count. The time per
// request then shows the cost of the count itself, not that of a
// working set that is larger or laid out differently.
const hotSessions = 1000

// managedRequestCount is the length of the cycle of requests that a
// manager benchmark sends.
const managedRequestCount = 1024

// managedFixture is a manager full of sessions and what the sessions
// it built cost in memory.
type managedFixture struct {
	manager *session.Manager
	// overhead is the heap bytes that each session built for the manager
	// takes beyond its access and refresh tokens.
	overhead float64
	// tokenBytes is the mean length of the access and refresh tokens of
	// one session.
	tokenBytes float64
}

var (
	fixturesMu  sync.Mutex // guards fixtures and hotRequests
	fixtures    = map[int]*managedFixture{}
	hotRequests []*http.Request
)

// extSubFor returns the ext-sub claim of the i-th benchmark session.
func extSubFor(i int) string { return fmt.Sprintf("user-%07d", i) }

// managedFixtureFor builds, or returns the one built before, a manager
// holding n sessions, the first hotSessions of them those of the
// smallest manager. Managers stay alive for the rest of the run, so
// every count is measured with the same heap and the same garbage
// collection cost.
func managedFixtureFor(tb testing.TB, n int) *managedFixture {
	tb.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[n]; ok {
		return f
	}
	var hot *session.Manager
	if n > hotSessions {
		if fixtures[hotSessions] == nil {
			f, err := buildManagedFixture(nil, hotSessions)
			if err != nil {
				tb.Fatal(err)
			}
			fixtures[hotSessions] = f
		}
		hot = fixtures[hotSessions].manager
	}
	f, err := buildManagedFixture(hot, n)
	if err != nil {
		tb.Fatal(err)
	}
	fixtures[n] = f
	return f
}

// buildManagedFixture returns a manager of n sessions: those of hot,
// which may be nil, and new ones after them. It measures the heap that
// the manager keeps for its new sessions and their tokens, and reports
// that heap less the bytes of the tokens as the overhead.
func buildManagedFixture(hot *session.Manager, n int) (*managedFixture, error) {
	m := new(session.Manager)
	first := 0
	if hot != nil {
		for i := range hotSessions {
			s, _ := hot.Get(session.ID(issuer, "t1", extSubFor(i)))
			m.Put(s)
		}
		first = hotSessions
	}
	before := heapInUse()
	tokenBytes, err := addSessions(m, first, n)
	if err != nil {
		return nil, err
	}
	after := heapInUse()
	if m.Count() != n {
		return nil, fmt.Errorf("manager holds %d sessions; want %d", m.Count(), n)
	}
	added := float64(n - first)
	return &managedFixture{
		manager:    m,
		overhead:   (float64(after)-float64(before))/added - float64(tokenBytes)/added,
		tokenBytes: float64(tokenBytes) / added,
	}, nil
}

// addSessions adds the sessions first to n-1 with new tokens to m and
// returns the total length of their tokens. When it returns, only the
// sessions refer to the tokens.
func addSessions(m *session.Manager, first, n int) (int, error) {
	tokens, tokenBytes := newSessionTokens(first, n)
	for i := range tokens {
		if _, err := m.Add(tokens[i], nil); err != nil {
			return 0, err
		}
	}
	return tokenBytes, nil
}

// newSessionTokens returns the token pairs of the users first to n-1,
// made on every CPU, and their total length in bytes.
func newSessionTokens(first, n int) ([]session.Tokens, int) {
	tokens := make([]session.Tokens, n-first)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(tokens); i += workers {
				tokens[i] = session.Tokens{
					AccessToken:  newAccessToken(extSubFor(first + i)),
					RefreshToken: newRefreshToken(first + i),
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, t := range tokens {
		total += len(t.AccessToken) + len(t.RefreshToken)
	}
	return tokens, total
}

// heapInUse returns the bytes of live heap objects after a full
// collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// hotRequestsFor returns the requests that name the hot sessions,
// built on the first call, so that every manager benchmark sends the
// same request objects and the count is all that differs.
func hotRequestsFor(tb testing.TB) []*http.Request {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if hotRequests == nil {
		hotRequests = managedRequests(tb, hotSessions)
	}
	return hotRequests
}

// managedRequests returns managedRequestCount requests, each naming
// one of the first n sessions, drawn at random with a fixed seed.
func managedRequests(tb testing.TB, n int) []*http.Request {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	reqs := make([]*http.Request, managedRequestCount)
	for i := range reqs {
		id := session.ID(issuer, "t1", extSubFor(rng.IntN(n)))
		reqs[i] = newRequest(tb, transport.WithSessionID(context.Background(), id))
	}
	return reqs
}

func managedCounts() []int {
	counts := []int{1_000, 100_000}
	if os.Getenv(millionEnv) != "" {
		counts = append(counts, 1_000_000)
	}
	return counts
}

// newManagedSender returns a contender that sends requests through a
// RoundTripper bound to a manager of n sessions, naming the first
// spread sessions of it: the shared hot requests when spread is
// hotSessions. The RoundTripper is closed when b ends.
func newManagedSender(b *testing.B, n, spread int, name string) contender {
	f := managedFixtureFor(b, n)
	rt := transport.NewManaged(f.manager, noAuth{}, func(o *transport.Options) {
		o.Base = newCannedTransport()
	})
	b.Cleanup(func() { _ = rt.Close() })
	reqs := hotRequestsFor(b)
	if spread != hotSessions {
		reqs = managedRequests(b, spread)
	}
	i := 0
	return contender{name, func() error {
		i++
		return roundTrip(rt, reqs[i%len(reqs)])
	}}
}

// BenchmarkManagedRoundTripPaired measures the manager-bound fast path
// for every count of BenchmarkManagedRoundTrip in interleaved batches
// (see runPaired), with the hot requests, and reports the time per
// request of each count over that of the smallest (ratio N/1000).
func BenchmarkManagedRoundTripPaired(b *testing.B) {
	counts := managedCounts()
	var contenders []contender
	for _, n := range counts {
		contenders = append(contenders, newManagedSender(b, n, hotSessions, fmt.Sprint(n)))
	}
	means := runPaired(b, contenders)
	for j, c := range contenders[1:] {
		b.ReportMetric(means[j+1]/means[0], fmt.Sprintf("%s/%d", c.name, counts[0]))
	}
}

// BenchmarkManagedRoundTripSpreadPaired is BenchmarkManagedRoundTripPaired
// with requests that name sessions drawn from all N sessions of each
// larger manager (spread-N), so that they touch memory spread over the
// whole heap. It reports their time per request over that of the hot
// requests to the smallest manager (ratio spread-N/1000).
func BenchmarkManagedRoundTripSpreadPaired(b *testing.B) {
	counts := managedCounts()
	contenders := []contender{newManagedSender(b, counts[0], hotSessions, fmt.Sprint(counts[0]))}
	for _, n := range counts[1:] {
		contenders = append(contenders, newManagedSender(b, n, n, fmt.Sprintf("spread-%d", n)))
	}
	means := runPaired(b, contenders)
	for j, c := range contenders[1:] {
		b.ReportMetric(means[j+1]/means[0], fmt.Sprintf("%s/%d", c.name, counts[0]))
	}
}

// BenchmarkManagerGetPaired measures [session.Manager.Get] alone for
// every count of BenchmarkManagedRoundTrip, in interleaved batches (see
// runPaired), with the session ids of the hot requests.
// It reports the time per lookup of each count over that of the
// smallest, which is the part of the manager-bound fast path that
// depends on the count.
func BenchmarkManagerGetPaired(b *testing.B) {
	counts := managedCounts()
	managedFixtureFor(b, counts[0]) // before the ids, as in the other benchmarks
	var ids []string
	for _, req := range hotRequestsFor(b) {
		id, _ := transport.SessionIDFromContext(req.Context())
		ids = append(ids, id)
	}
	var contenders []contender
	for _, n := range counts {
		m := managedFixtureFor(b, n).manager
		i := 0
		contenders = append(contenders, contender{fmt.Sprint(n), func() error {
			i++
			if _, ok := m.Get(ids[i%len(ids)]); !ok {
				return fmt.Errorf("session %s not found in the manager of %d sessions", ids[i%len(ids)], n)
			}
			return nil
		}})
	}
	means := runPaired(b, contenders)
	for j, c := range contenders[1:] {
		b.ReportMetric(means[j+1]/means[0], fmt.Sprintf("%s/%d", c.name, counts[0]))
	}
}

// BenchmarkManagedRoundTrip measures the fast path of a manager-bound
// RoundTripper as the number of sessions in the manager grows, with
// requests that name the hot sessions (see hotSessions). Set
// SESSIONKIT_BENCH_1M=1 to add 1,000,000 sessions.
//
// Besides the time per request it reports the heap bytes that each
// session takes beyond its token bytes (overhead-B/session), and the
// token bytes themselves (token-B/session). For the managers larger
// than hotSessions, these figures cover the sessions after the shared
// ones.
func BenchmarkManagedRoundTrip(b *testing.B) {
	for _, n := range managedCounts() {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			f := managedFixtureFor(b, n)
			send := newManagedSender(b, n, hotSessions, "").send
			b.ReportAllocs()
			for b.Loop() {
				if err := send(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(f.overhead, "overhead-B/session")
			b.ReportMetric(f.tokenBytes, "token-B/session")
		})
	}
}

// BenchmarkManagerMissPaired measures what the cache of recent lookups
// adds to a lookup that misses it. It looks up ids drawn from all
// 100,000 sessions of a manager, so that nearly every lookup misses,
// through [session.Manager.Get] and through a plain sync.Map that holds
// the same sessions, in interleaved batches (see runPaired). It reports
// the ratio of their times (manager/sync.Map).
func BenchmarkManagerMissPaired(b *testing.B) {
	const n = 100_000
	m := managedFixtureFor(b, n).manager
	var plain sync.Map
	ids := make([]string, n)
	for i := range n {
		ids[i] = session.ID(issuer, "t1", extSubFor(i))
		s, ok := m.Get(ids[i])
		if !ok {
			b.Fatalf("session %d not found in the manager", i)
		}
		plain.Store(ids[i], s)
	}
	rng := rand.New(rand.NewPCG(n, 2))
	order := rng.Perm(n)
	lookup := func(get func(string) bool) func() error {
		i := 0
		return func() error {
			i++
			if id := ids[order[i%n]]; !get(id) {
				return fmt.Errorf("session %s not found", id)
			}
			return nil
		}
	}
	means := runPaired(b, []contender{
		{"sync.Map", lookup(func(id string) bool { _, ok := plain.Load(id); return ok })},
		{"manager", lookup(func(id string) bool { _, ok := m.Get(id); return ok })},
	})
	b.ReportMetric(means[1]/means[0], "manager/sync.Map")
}
