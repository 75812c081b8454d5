package bench

import (
	"math/rand/v2"
	"testing"
	"time"
)

// pairBatch is the number of requests that a paired benchmark sends
// through one contender before it switches to the next.
const pairBatch = 256

// contender is one side of a paired benchmark. send sends its next
// request.
type contender struct {
	name string
	send func() error
}

// runPaired sends batches of pairBatch requests through each contender
// in turn until the benchmark ends, and returns the mean wall time per
// request of each, in nanoseconds. One op is one round of a batch per
// contender. Each round takes the contenders in a new random order,
// drawn with a fixed seed, so that no contender always runs after the
// same one and finds the caches as that one left them.
//
// Because the batches interleave at a fraction of a millisecond, load
// from other processes falls on every contender alike, so the ratios of
// the means stay steady on a shared machine where separate benchmarks
// drift apart.
func runPaired(b *testing.B, contenders []contender) []float64 {
	totals := make([]time.Duration, len(contenders))
	order := make([]int, len(contenders))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 0
	for b.Loop() {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, j := range order {
			start := time.Now()
			for range pairBatch {
				if err := contenders[j].send(); err != nil {
					b.Fatal(err)
				}
			}
			totals[j] += time.Since(start)
		}
		rounds++
	}
	means := make([]float64, len(contenders))
	for j, c := range contenders {
		means[j] = float64(totals[j]) / float64(rounds*pairBatch)
		b.ReportMetric(means[j], c.name+"-ns/req")
	}
	b.ReportMetric(0, "ns/op") // suppressed: it would be the time of a whole round
	return means
}
