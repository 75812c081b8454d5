package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/sessionkit/sessionkit/sessiontest"
)

// dedupCase is a state of the session's access token when a crowd of
// requests starts.
type dedupCase struct {
	name string
	// authCalls is the number of logins and refreshes that sessionkit
	// must cause: 0 for the baseline, 1 for a token that needs renewing.
	authCalls int64
	// issue returns the token pair the client starts with.
	issue func(srv *sessiontest.Server) sessiontest.Tokens
}

var dedupCases = []dedupCase{
	{"fresh access token (baseline)", 0, func(srv *sessiontest.Server) sessiontest.Tokens {
		return srv.Issue("crowd-user")
	}},
	{"expired access token", 1, func(srv *sessiontest.Server) sessiontest.Tokens {
		return srv.IssueWithLifetime("crowd-user", 0)
	}},
	{"revoked access token (401)", 1, func(srv *sessiontest.Server) sessiontest.Tokens {
		tokens := srv.Issue("crowd-user")
		srv.RevokeAccessToken(tokens.AccessToken)
		return tokens
	}},
}

// dedupResult is the outcome of one crowd sent through one transport.
type dedupResult struct {
	caseName, name string
	requests       int
	ok             int64 // 200 responses
	unauthorized   int64 // 401 responses returned to the caller
	errs           int64 // other statuses and transport errors
	authCalls      int64 // logins and refreshes the server received
	retries        int64
	elapsed        time.Duration // from release of the crowd to the last response
}

// dedupSummary is the outcome of the repeated runs of one case through
// one transport.
type dedupSummary struct {
	dc   dedupCase
	name string
	runs []dedupResult
}

// runDedup sends a crowd of concurrent requests through each transport
// for each case, cfg.repeat times with the transports taking turns, and
// prints the table. It reports whether every sessionkit crowd caused the
// auth calls that its case expects and got only 200 responses.
func runDedup(ctx context.Context, cfg config, w io.Writer) (bool, error) {
	var summaries []*dedupSummary
	for _, dc := range dedupCases {
		for _, name := range transportNames {
			summaries = append(summaries, &dedupSummary{dc: dc, name: name})
		}
	}
	for range cfg.repeat {
		for _, sum := range summaries {
			r, err := dedupRun(ctx, cfg, sum.dc, sum.name)
			if err != nil {
				return false, fmt.Errorf("dedup run of %s, %s: %w", sum.name, sum.dc.name, err)
			}
			sum.runs = append(sum.runs, r)
		}
	}
	printDedup(w, cfg, summaries)
	ok := true
	for _, sum := range summaries {
		if sum.name == sessionkit && !sum.expectedCallsEach(true) {
			ok = false
		}
	}
	return ok, nil
}

// expectedCallsEach reports whether every run caused the auth calls
// that the case expects and, if all200 is set, got a 200 response to
// every request.
func (s *dedupSummary) expectedCallsEach(all200 bool) bool {
	for _, r := range s.runs {
		if r.authCalls != s.dc.authCalls || (all200 && r.ok != int64(r.requests)) {
			return false
		}
	}
	return true
}

// dedupRun releases cfg.crowd requests at once through one transport
// whose token needs renewing, and waits for all of them.
func dedupRun(ctx context.Context, cfg config, dc dedupCase, name string) (dedupResult, error) {
	srv := sessiontest.NewServer(func(o *sessiontest.Options) {
		o.TokenLifetime = time.Hour
		o.RefreshLatency = cfg.refreshLatency
	})
	defer srv.Close()
	c, err := newClient(name, srv, dc.issue(srv), 2*time.Minute, cfg.maxConns)
	if err != nil {
		return dedupResult{}, err
	}
	defer c.close()

	r := dedupResult{caseName: dc.name, name: name, requests: cfg.crowd}
	url := srv.URL() + sessiontest.APIPath
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range cfg.crowd {
		wg.Go(func() {
			<-release
			r.count(sendOnce(ctx, c.http, url))
		})
	}
	start := time.Now()
	close(release)
	wg.Wait()
	r.elapsed = time.Since(start)

	st := srv.Stats()
	r.authCalls = st.Logins + st.LoginFailures + st.Refreshes + st.RefreshFailures
	r.retries = c.retries()
	return r, nil
}

// sendOnce sends one GET to url and returns its status, or 0 when no
// response arrived.
func sendOnce(ctx context.Context, hc *http.Client, url string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		panic(err) // url is built from the server's own URL
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// count adds one response status to r. Safe for concurrent use.
func (r *dedupResult) count(status int) {
	switch status {
	case http.StatusOK:
		atomic.AddInt64(&r.ok, 1)
	case http.StatusUnauthorized:
		atomic.AddInt64(&r.unauthorized, 1)
	default:
		atomic.AddInt64(&r.errs, 1)
	}
}

func printDedup(w io.Writer, cfg config, summaries []*dedupSummary) {
	fmt.Fprintf(w, "Dedup: %d concurrent requests, refresh latency %s, at most %d connections, "+
		"%d runs each; counts are totals over the runs\n",
		cfg.crowd, cfg.refreshLatency, cfg.maxConns, cfg.repeat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\ttransport\trequests\t200\t401\terrors\tauth calls per run\tretries\t"+
		"all done in, median\tmin\tmax\t")
	for _, sum := range summaries {
		var total dedupResult
		var elapsed latencies
		calls := map[int64]bool{}
		for _, r := range sum.runs {
			total.requests += r.requests
			total.ok += r.ok
			total.unauthorized += r.unauthorized
			total.errs += r.errs
			total.retries += r.retries
			elapsed = append(elapsed, r.elapsed)
			calls[r.authCalls] = true
		}
		elapsed.sort()
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t%s\t%s\t%s\t\n",
			sum.dc.name, sum.name, total.requests, total.ok, total.unauthorized, total.errs,
			formatCounts(calls), total.retries,
			ms(elapsed.quantile(0.5)), ms(elapsed[0]), ms(elapsed.max()))
	}
	_ = tw.Flush()
	for _, sum := range summaries {
		if sum.name == sessionkit {
			fmt.Fprintf(w, "sessionkit target %d auth calls, %s: %s\n",
				sum.dc.authCalls, sum.dc.name, verdict(sum.expectedCallsEach(false)))
		}
	}
	fmt.Fprintln(w)
}

// formatCounts returns the distinct values of counts in increasing
// order, separated by commas.
func formatCounts(counts map[int64]bool) string {
	values := slices.Sorted(maps.Keys(counts))
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, ",")
}
