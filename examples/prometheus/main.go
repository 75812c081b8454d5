// Prometheus exports what a sessionkit RoundTripper does as Prometheus
// metrics: renewals by step and result, their durations, and retries
// after 401.
//
// It starts a fake knowledge service in-process whose access tokens
// live two seconds and serves /metrics on a loopback port. Then it sends
// requests for a few seconds, revoking the access tokens and rejecting
// one refresh along the way, scrapes its own /metrics and prints the
// sessionkit series. It exits 1 if any request failed.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

func main() {
	duration := flag.Duration("duration", 4*time.Second, "how long the workers send requests")
	flag.Parse()
	if err := run(context.Background(), *duration, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "prometheus example:", err)
		os.Exit(1)
	}
}

// run sets up the fake service, the RoundTripper and the metrics
// server, sends requests for d and writes the scraped series to out.
func run(ctx context.Context, d time.Duration, out io.Writer) error {
	fake := sessiontest.NewServer(func(o *sessiontest.Options) { o.TokenLifetime = 2 * time.Second })
	defer fake.Close()

	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	rt, err := newRoundTripper(ctx, fake.URL(), m.hooks())
	if err != nil {
		return err
	}
	defer rt.Close()

	metricsURL, stop, err := serveMetrics(reg)
	if err != nil {
		return err
	}
	defer stop()

	if err := drive(fake, &http.Client{Transport: rt}, d); err != nil {
		return err
	}
	return printMetrics(out, metricsURL)
}

// newRoundTripper logs a permanent session in to the service at
// serviceURL and returns a RoundTripper that keeps it alive.
func newRoundTripper(ctx context.Context, serviceURL string, hooks transport.Hooks) (*transport.RoundTripper, error) {
	auth, err := knowledge.NewClient(serviceURL)
	if err != nil {
		return nil, err
	}
	creds := session.Credentials{TenantAPIKey: sessiontest.DefaultTenantAPIKey, ExternalUserID: "metrics-user"}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		return nil, err
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		return nil, err
	}
	return transport.New(s, auth, func(o *transport.Options) { o.Hooks = hooks }), nil
}

// serveMetrics serves the registry's metrics on a loopback port and
// returns the URL of /metrics and a function that stops the server.
func serveMetrics(reg *prometheus.Registry) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + "/metrics", stop, nil
}

// drive runs two workers that call the protected endpoint for d. Three
// quarters of the way through, after the first token has been refreshed,
// the server revokes every access token, which makes the next request
// retry after a 401. It also rejects the next refresh, which makes the
// permanent session log in again.
func drive(fake *sessiontest.Server, client *http.Client, d time.Duration) error {
	var failures atomic.Int64
	var firstErr error
	var once sync.Once
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for time.Now().Before(end) {
				if err := get(client, fake.URL()+sessiontest.APIPath); err != nil {
					failures.Add(1)
					once.Do(func() { firstErr = err })
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	time.Sleep(d * 3 / 4)
	fake.RejectNextRefreshes(1)
	fake.RevokeAllAccessTokens()
	wg.Wait()
	if n := failures.Load(); n > 0 {
		return fmt.Errorf("%d requests failed; first: %w", n, firstErr)
	}
	return nil
}

func get(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %s", url, resp.Status)
	}
	return nil
}

// printMetrics scrapes metricsURL and writes the lines of the sessionkit
// series to out. It returns an error when no successful refresh was
// counted, since the run is long enough for several.
func printMetrics(out io.Writer, metricsURL string) error {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return fmt.Errorf("scraping metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("scraping metrics: status %s", resp.Status)
	}
	sawRefresh := false
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.Contains(line, "sessionkit_") {
			continue
		}
		fmt.Fprintln(out, line)
		if strings.HasPrefix(line, `sessionkit_renewals_total{op="refresh",result="success"}`) {
			sawRefresh = true
		}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("reading metrics: %w", err)
	}
	if !sawRefresh {
		return errors.New("metrics count no successful refresh")
	}
	return nil
}
