// Load measures what the benchmarks cannot: how long requests wait
// while a token is renewed, and how many auth calls a crowd of
// concurrent requests causes. It starts a fake knowledge service
// (package sessiontest) on a loopback address, sends requests to it
// through sessionkit's transport and through golang.org/x/oauth2's
// Transport with ReuseTokenSource, and prints a table for each
// measurement.
//
// Usage:
//
//	go run ./cmd/load [-only stall|dedup] [flags]
//
// It exits 1 if a sessionkit request failed or if a crowd of requests
// caused other than exactly one auth call through sessionkit. A missed
// latency target is printed but does not change the exit status,
// because latency depends on what else the machine runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// config contains the flag values.
type config struct {
	only           string        // "stall", "dedup" or empty for both
	workers        int           // concurrent senders in the stall run
	duration       time.Duration // length of one stall run
	warmup         time.Duration // start of a stall run left out of the figures
	lifetime       time.Duration // access token lifetime
	refreshLatency time.Duration // time the server takes for each refresh
	apiLatency     time.Duration // time the server takes for each API request
	crowd          int           // concurrent requests in the dedup runs
	repeat         int           // runs of each dedup case and transport
	maxConns       int           // connections per transport to the server
	timeout        time.Duration // limit for the whole program
}

func main() {
	cfg := parseFlags()
	ok, err := run(context.Background(), cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func parseFlags() config {
	var cfg config
	flag.StringVar(&cfg.only, "only", "", `run one measurement: "stall" or "dedup"; empty runs both`)
	flag.IntVar(&cfg.workers, "workers", 8, "concurrent workers in the stall run")
	flag.DurationVar(&cfg.duration, "duration", 12*time.Second, "length of each stall run")
	flag.DurationVar(&cfg.warmup, "warmup", 500*time.Millisecond,
		"start of each stall run whose requests are not counted")
	flag.DurationVar(&cfg.lifetime, "lifetime", 3*time.Second,
		"lifetime of the access tokens the server issues; renewal starts about a third of it before expiry")
	flag.DurationVar(&cfg.refreshLatency, "refresh-latency", 200*time.Millisecond,
		"time the server takes to answer each refresh")
	flag.DurationVar(&cfg.apiLatency, "api-latency", 0, "time the server takes to answer each API request")
	flag.IntVar(&cfg.crowd, "crowd", 10_000, "concurrent requests in each dedup run")
	flag.IntVar(&cfg.repeat, "repeat", 5, "runs of each dedup case and transport, taking turns")
	flag.IntVar(&cfg.maxConns, "max-conns", 128, "maximum connections from each transport to the server")
	flag.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "limit for the whole program")
	flag.Parse()
	return cfg
}

// run performs the measurements that cfg selects, writes their tables
// to w and reports whether sessionkit met its correctness checks.
func run(ctx context.Context, cfg config, w io.Writer) (bool, error) {
	if cfg.only != "" && cfg.only != "stall" && cfg.only != "dedup" {
		return false, fmt.Errorf("invalid -only %q: use stall, dedup or leave it empty", cfg.only)
	}
	if cfg.repeat < 1 {
		return false, fmt.Errorf("invalid -repeat %d: must be at least 1", cfg.repeat)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	ok := true
	if cfg.only == "" || cfg.only == "stall" {
		stallOK, err := runStall(ctx, cfg, w)
		if err != nil {
			return false, err
		}
		ok = ok && stallOK
	}
	if cfg.only == "" || cfg.only == "dedup" {
		dedupOK, err := runDedup(ctx, cfg, w)
		if err != nil {
			return false, err
		}
		ok = ok && dedupOK
	}
	return ok, nil
}

// newBase returns the transport that carries requests to the loopback
// server, with at most maxConns connections and no proxy.
func newBase(maxConns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxConnsPerHost = maxConns
	t.MaxIdleConns = maxConns
	t.MaxIdleConnsPerHost = maxConns
	return t
}

// ms formats d in milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
