package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/sessionkit/sessionkit/transport"
)

// report sums up a run.
type report struct {
	requests, failed int
	firstErrors      []string
	stats            transport.Stats
	serverLogins     int64 // -1 when unknown
	p50, p90, p99    time.Duration
	max              time.Duration
}

func newReport(results []result, stats transport.Stats, serverLogins int64) report {
	r := report{requests: len(results), stats: stats, serverLogins: serverLogins}
	latencies := make([]time.Duration, 0, len(results))
	for _, res := range results {
		latencies = append(latencies, res.latency)
		if res.err != nil {
			r.failed++
			if len(r.firstErrors) < 5 {
				r.firstErrors = append(r.firstErrors, res.err.Error())
			}
		}
	}
	slices.Sort(latencies)
	r.p50 = percentile(latencies, 50)
	r.p90 = percentile(latencies, 90)
	r.p99 = percentile(latencies, 99)
	if len(latencies) > 0 {
		r.max = latencies[len(latencies)-1]
	}
	return r
}

// percentile returns the p-th percentile of sorted by the nearest-rank
// method, or zero for no values.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank-1, 0)]
}

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "\nrequests          %d\n", r.requests)
	fmt.Fprintf(w, "failed            %d\n", r.failed)
	if r.serverLogins >= 0 {
		fmt.Fprintf(w, "logins            %d (first login, then %d after a rejected refresh)\n",
			r.serverLogins, r.stats.Logins)
	} else {
		fmt.Fprintf(w, "logins again      %d\n", r.stats.Logins)
	}
	fmt.Fprintf(w, "refreshes         %d succeeded, %d failed\n", r.stats.Refreshes, r.stats.RefreshFailures)
	fmt.Fprintf(w, "retried 401s      %d\n", r.stats.Retries)
	fmt.Fprintf(w, "latency p50       %v\n", r.p50.Round(time.Microsecond))
	fmt.Fprintf(w, "latency p90       %v\n", r.p90.Round(time.Microsecond))
	fmt.Fprintf(w, "latency p99       %v\n", r.p99.Round(time.Microsecond))
	fmt.Fprintf(w, "latency max       %v\n", r.max.Round(time.Microsecond))
	for _, e := range r.firstErrors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
}
