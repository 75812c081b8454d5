package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestQuickstartDefaultRun runs the quickstart as `go run` does with no
// flags and checks the outcome its report promises.
func TestQuickstartDefaultRun(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ten seconds")
	}
	var out bytes.Buffer
	cfg := config{user: "quickstart-user", workers: 8, duration: 10 * time.Second}
	rep, err := run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if rep.failed != 0 {
		t.Errorf("failed requests = %d; want 0", rep.failed)
	}
	if rep.stats.Refreshes < 3 {
		t.Errorf("refreshes = %d; want several across the expiries", rep.stats.Refreshes)
	}
	if rep.stats.Retries < 1 {
		t.Errorf("retried 401s = %d; want at least 1 after the revocation", rep.stats.Retries)
	}
	if rep.serverLogins != 2 || rep.stats.Logins != 1 {
		t.Errorf("server logins = %d, logins after a failed refresh = %d; want 2 and 1",
			rep.serverLogins, rep.stats.Logins)
	}
	for _, line := range []string{"requests", "failed", "logins", "refreshes", "retried 401s", "latency p99"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, out.String())
		}
	}
}
