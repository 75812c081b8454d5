package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// shortConfig is a run small enough for CI: one renewal per stall run
// and crowds of a few hundred requests. The server rounds exp up to a
// whole second, so the renewal starts up to 1.7 s into the run, and the
// run lasts long enough for it to end.
func shortConfig() config {
	return config{
		workers:        4,
		duration:       3 * time.Second,
		warmup:         100 * time.Millisecond,
		lifetime:       1500 * time.Millisecond,
		refreshLatency: 100 * time.Millisecond,
		crowd:          500,
		repeat:         2,
		maxConns:       32,
		timeout:        time.Minute,
	}
}

func TestRunShort(t *testing.T) {
	var out strings.Builder
	ok, err := run(context.Background(), shortConfig(), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Errorf("run reported a failed sessionkit check; output:\n%s", &out)
	}
	for _, want := range []string{"Refresh stall:", "Dedup:", "revoked access token (401)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q; output:\n%s", want, &out)
		}
	}
	t.Logf("output:\n%s", &out)
}

func TestRunRejectsUnknownMeasurement(t *testing.T) {
	cfg := shortConfig()
	cfg.only = "latency"
	if _, err := run(context.Background(), cfg, new(strings.Builder)); err == nil {
		t.Error("run with -only latency returned no error; want one")
	}
}

func TestRunRejectsZeroRepeat(t *testing.T) {
	cfg := shortConfig()
	cfg.repeat = 0
	if _, err := run(context.Background(), cfg, new(strings.Builder)); err == nil {
		t.Error("run with -repeat 0 returned no error; want one")
	}
}

func TestQuantile(t *testing.T) {
	l := latencies{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	l.sort()
	cases := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5},
		{0.99, 10},
		{0.1, 1},
		{0, 1},
	}
	for _, c := range cases {
		if got := l.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v; want %v", c.q, got, c.want)
		}
	}
	if got := (latencies{}).quantile(0.99); got != 0 {
		t.Errorf("quantile of empty set = %v; want 0", got)
	}
}
