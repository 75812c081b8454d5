package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/sessionkit/sessionkit/sessiontest"
)

// stallTarget is the maximum ratio of the p99 latency of requests
// during a background refresh to that of the other requests.
const stallTarget = 1.2

// sample is one request of a stall run.
type sample struct {
	start, end time.Time
	failed     bool
}

// stallResult is the outcome of one transport's stall run.
type stallResult struct {
	name      string
	requests  int
	failures  int
	refreshes int
	inside    latencies // requests that overlapped a refresh
	outside   latencies // all other requests
}

// runStall runs the stall measurement for each transport, one after
// the other, prints the table and reports whether sessionkit sent
// every request without failure.
func runStall(ctx context.Context, cfg config, w io.Writer) (bool, error) {
	var results []stallResult
	for _, name := range transportNames {
		r, err := stallRun(ctx, cfg, name)
		if err != nil {
			return false, fmt.Errorf("stall run of %s: %w", name, err)
		}
		results = append(results, r)
	}
	printStall(w, cfg, results)
	ok := true
	for _, r := range results {
		if r.name == sessionkit && (r.failures > 0 || r.refreshes == 0) {
			ok = false
		}
	}
	return ok, nil
}

// stallRun sends requests from cfg.workers workers for cfg.duration
// through one transport, while the tokens expire and are renewed.
func stallRun(ctx context.Context, cfg config, name string) (stallResult, error) {
	srv := sessiontest.NewServer(func(o *sessiontest.Options) {
		o.TokenLifetime = cfg.lifetime
		o.RefreshLatency = cfg.refreshLatency
		o.APILatency = cfg.apiLatency
	})
	defer srv.Close()
	c, err := newClient(name, srv, srv.Issue("load-user"), cfg.lifetime/3, cfg.maxConns)
	if err != nil {
		return stallResult{}, err
	}
	defer c.close()

	start := time.Now()
	samples := drive(ctx, c.http, srv.URL()+sessiontest.APIPath, cfg.workers, start.Add(cfg.duration))
	return summarize(name, samples, c.auth.intervals(), start.Add(cfg.warmup)), nil
}

// drive sends requests to url from workers goroutines until the
// deadline and returns the samples of each goroutine.
func drive(ctx context.Context, hc *http.Client, url string, workers int, deadline time.Time) [][]sample {
	out := make([][]sample, workers)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				out[i] = append(out[i], send(ctx, hc, url))
			}
		})
	}
	wg.Wait()
	return out
}

// send sends one GET to url, reads the response and times it.
func send(ctx context.Context, hc *http.Client, url string) sample {
	s := sample{start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		panic(err) // url is built from the server's own URL
	}
	resp, err := hc.Do(req)
	if err != nil {
		s.end, s.failed = time.Now(), true
		return s
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	s.end, s.failed = time.Now(), resp.StatusCode != http.StatusOK
	return s
}

// summarize splits the samples that started after counted into those
// that overlapped one of the refreshes and the others.
func summarize(name string, samples [][]sample, refreshes []interval, counted time.Time) stallResult {
	r := stallResult{name: name, refreshes: len(refreshes)}
	for _, worker := range samples {
		for _, s := range worker {
			if s.start.Before(counted) {
				continue
			}
			r.requests++
			if s.failed {
				r.failures++
			}
			latency := s.end.Sub(s.start)
			if overlapsAny(s, refreshes) {
				r.inside = append(r.inside, latency)
			} else {
				r.outside = append(r.outside, latency)
			}
		}
	}
	r.inside.sort()
	r.outside.sort()
	return r
}

func overlapsAny(s sample, refreshes []interval) bool {
	for _, iv := range refreshes {
		if s.start.Before(iv.end) && s.end.After(iv.start) {
			return true
		}
	}
	return false
}

func printStall(w io.Writer, cfg config, results []stallResult) {
	fmt.Fprintf(w, "Refresh stall: %d workers for %s each, token lifetime %s, refresh latency %s, API latency %s\n",
		cfg.workers, cfg.duration, cfg.lifetime, cfg.refreshLatency, cfg.apiLatency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "transport\trequests\tfailures\trefreshes\tduring refresh\t"+
		"p50 outside\tp99 outside\tp50 during\tp99 during\tmax during\tp99 during/outside\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f\t\n",
			r.name, r.requests, r.failures, r.refreshes, len(r.inside),
			ms(r.outside.quantile(0.5)), ms(r.outside.quantile(0.99)),
			ms(r.inside.quantile(0.5)), ms(r.inside.quantile(0.99)), ms(r.inside.max()),
			r.stallRatio())
	}
	_ = tw.Flush()
	for _, r := range results {
		if r.name == sessionkit {
			fmt.Fprintf(w, "sessionkit target p99 during/outside <= %.1f: %s\n", stallTarget, verdict(r.stallRatio() <= stallTarget))
		}
	}
	fmt.Fprintln(w)
}

// stallRatio returns the p99 latency during refreshes over the p99
// latency outside them, or 0 when either set is empty.
func (r stallResult) stallRatio() float64 {
	in, out := r.inside.quantile(0.99), r.outside.quantile(0.99)
	if len(r.inside) == 0 || out == 0 {
		return 0
	}
	return float64(in) / float64(out)
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}
