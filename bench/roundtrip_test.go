package bench

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkRoundTrip measures one request on the fast path: a fresh
// token and a base transport that returns a response at once. Compare the
// transports with
//
//	benchstat -col '/transport@(oauth2 sessionkit bare)' FILE
func BenchmarkRoundTrip(b *testing.B) {
	for _, tc := range newTransportCases(b, newCannedTransport) {
		b.Run("transport="+tc.name, func(b *testing.B) {
			req := newRequest(b, context.Background())
			b.ReportAllocs()
			for b.Loop() {
				if err := roundTrip(tc.rt, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRoundTripParallel measures the fast path with every
// goroutine that RunParallel starts sending through one shared
// transport. Run it with -cpu 1,2,4: a time per request that grows with
// the CPU count means the goroutines contend for a lock or a cache
// line.
//
// Besides the wall time per request it reports the CPU time that the
// process spent per request (cpu-ns/req), user and system. On a machine
// with fewer cores than -cpu, the wall time grows because the goroutines
// take turns. Compare the growth of either with that of the bare
// transport, which shares no state between goroutines.
func BenchmarkRoundTripParallel(b *testing.B) {
	for _, tc := range newTransportCases(b, newCannedTransport) {
		b.Run("transport="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			start := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				req := newRequest(b, context.Background())
				for pb.Next() {
					if err := roundTrip(tc.rt, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if used := processCPU() - start; used > 0 {
				b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/req")
			}
		})
	}
}

// BenchmarkRoundTripPaired measures the three transports of
// BenchmarkRoundTrip in interleaved batches (see runPaired) and
// reports the ratios of their mean times per request:
// sessionkit/oauth2 and sessionkit/bare.
func BenchmarkRoundTripPaired(b *testing.B) {
	var contenders []contender
	for _, tc := range newTransportCases(b, newCannedTransport) {
		req := newRequest(b, context.Background())
		contenders = append(contenders, contender{tc.name, sender(tc.rt, req)})
	}
	means := runPaired(b, contenders)
	bare, oauth, kit := means[0], means[1], means[2]
	b.ReportMetric(kit/oauth, "sessionkit/oauth2")
	b.ReportMetric(kit/bare, "sessionkit/bare")
	b.ReportMetric(oauth/bare, "oauth2/bare")
}

// sender returns a function that sends req through rt.
func sender(rt http.RoundTripper, req *http.Request) func() error {
	return func() error { return roundTrip(rt, req) }
}
