// Quickstart keeps one permanent session alive while several workers
// call a protected API through a refreshing [transport.RoundTripper].
//
// With no flags it starts a fake knowledge service in-process whose
// access tokens live three seconds, then for ten seconds revokes one
// access token on the server and rejects one refresh token, and prints
// what the client did. It exits 1 if any request failed.
//
// To run it against a real service, set -service-url, -api-key, -user
// and -api-path (or the SESSIONKIT_* environment variables).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

type config struct {
	serviceURL string
	apiKey     string
	user       string
	apiPath    string
	workers    int
	duration   time.Duration
	verbose    bool
}

func main() {
	cfg := parseFlags()
	if _, err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func parseFlags() config {
	var cfg config
	flag.StringVar(&cfg.serviceURL, "service-url", os.Getenv("SESSIONKIT_SERVICE_URL"),
		"base URL of a real knowledge service; empty starts a fake one in-process")
	flag.StringVar(&cfg.apiKey, "api-key", os.Getenv("SESSIONKIT_API_KEY"),
		"tenant API key for the real service (prefer the environment variable)")
	flag.StringVar(&cfg.user, "user", envOr("SESSIONKIT_USER", "quickstart-user"),
		"external user id to log in as")
	flag.StringVar(&cfg.apiPath, "api-path", os.Getenv("SESSIONKIT_API_PATH"),
		"path of an endpoint of the real service that needs a bearer token")
	flag.IntVar(&cfg.workers, "workers", 8, "number of concurrent workers")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long the workers send requests")
	flag.BoolVar(&cfg.verbose, "v", false, "log refreshes, logins and retries to stderr")
	flag.Parse()
	return cfg
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// run logs in, runs the workers and prints the report. It returns an
// error if the setup failed or any request failed.
func run(ctx context.Context, cfg config, out io.Writer) (report, error) {
	target, err := newTarget(cfg)
	if err != nil {
		return report{}, err
	}
	defer target.close()

	auth, err := knowledge.NewClient(target.serviceURL, func(o *knowledge.Options) {
		o.UserAgent = "sessionkit-quickstart"
	})
	if err != nil {
		return report{}, err
	}
	creds := session.Credentials{TenantAPIKey: target.apiKey, ExternalUserID: cfg.user}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		return report{}, fmt.Errorf("first login: %w", err)
	}
	sess, err := session.NewPermanent(tokens, creds)
	if err != nil {
		return report{}, err
	}
	rt := transport.New(sess, auth, func(o *transport.Options) {
		o.Logger = newLogger(cfg.verbose)
	})
	defer rt.Close()

	client := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	fmt.Fprintf(out, "session %s (%s), %d workers for %s against %s\n",
		sess.ID()[:12], sess.Kind(), cfg.workers, cfg.duration, target.apiURL)

	stop := target.startEvents(sess, cfg.duration, out)
	results := runWorkers(client, target.apiURL, cfg.workers, cfg.duration)
	stop()

	rep := newReport(results, rt.Stats(), target.serverStats())
	rep.print(out)
	if rep.failed > 0 {
		return rep, fmt.Errorf("%d of %d requests failed", rep.failed, rep.requests)
	}
	return rep, nil
}

func newLogger(verbose bool) *slog.Logger {
	if !verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// result is the outcome of one request.
type result struct {
	latency time.Duration
	err     error
}

func runWorkers(client *http.Client, url string, workers int, d time.Duration) []result {
	deadline := time.Now().Add(d)
	var mu sync.Mutex // guards all
	var all []result
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []result
			for time.Now().Before(deadline) {
				mine = append(mine, call(client, url))
				time.Sleep(2 * time.Millisecond)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

func call(client *http.Client, url string) result {
	start := time.Now()
	resp, err := client.Get(url)
	if err != nil {
		return result{latency: time.Since(start), err: err}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		err = fmt.Errorf("status %s", resp.Status)
	}
	return result{latency: time.Since(start), err: err}
}

// target is the service the quickstart talks to: a fake one started
// here, or a real one named by flags.
type target struct {
	serviceURL, apiURL, apiKey string
	fake                       *sessiontest.Server // nil for a real service
}

func newTarget(cfg config) (*target, error) {
	if cfg.serviceURL == "" {
		fake := sessiontest.NewServer(func(o *sessiontest.Options) {
			o.TokenLifetime = 3 * time.Second
			o.APILatency = 2 * time.Millisecond
		})
		return &target{
			serviceURL: fake.URL(),
			apiURL:     fake.URL() + sessiontest.APIPath,
			apiKey:     fake.Options().TenantAPIKey,
			fake:       fake,
		}, nil
	}
	if cfg.apiKey == "" || cfg.apiPath == "" {
		return nil, errors.New("a real service needs -api-key (or SESSIONKIT_API_KEY) and " +
			"-api-path, the path of an endpoint that needs a bearer token")
	}
	return &target{
		serviceURL: cfg.serviceURL,
		apiURL:     strings.TrimSuffix(cfg.serviceURL, "/") + "/" + strings.TrimPrefix(cfg.apiPath, "/"),
		apiKey:     cfg.apiKey,
	}, nil
}

func (t *target) close() {
	if t.fake != nil {
		t.fake.Close()
	}
}

// startEvents schedules, on the fake service, the revocation of the
// current access token at a third of the run and the rejection of the
// next refresh token at two thirds. It returns a function that cancels
// what has not happened yet.
func (t *target) startEvents(sess *session.Session, d time.Duration, out io.Writer) (stop func()) {
	if t.fake == nil {
		return func() {}
	}
	revoke := time.AfterFunc(d/3, func() {
		t.fake.RevokeAccessToken(sess.AccessToken())
		fmt.Fprintln(out, "event: server revoked the current access token")
	})
	reject := time.AfterFunc(2*d/3, func() {
		t.fake.RejectNextRefreshes(1)
		fmt.Fprintln(out, "event: server rejects the next refresh token")
	})
	return func() {
		revoke.Stop()
		reject.Stop()
	}
}

// serverStats returns the logins the fake service counted, or -1 for a
// real service.
func (t *target) serverStats() (logins int64) {
	if t.fake == nil {
		return -1
	}
	return t.fake.Stats().Logins
}
