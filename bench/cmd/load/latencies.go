package main

import (
	"math"
	"slices"
	"time"
)

// latencies is a set of request latencies, sorted once complete.
type latencies []time.Duration

func (l latencies) sort() { slices.Sort(l) }

// quantile returns the q-quantile of sorted latencies by the
// nearest-rank method, or 0 for an empty set.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(l))))
	return l[max(rank, 1)-1]
}

// max returns the largest of sorted latencies, or 0 for an empty set.
func (l latencies) max() time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1]
}
