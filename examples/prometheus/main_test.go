package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunPrintsMetrics(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), 4*time.Second, &out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{
		`sessionkit_renewals_total{op="refresh",result="success"}`,
		`sessionkit_renewals_total{op="refresh",result="failure"} 1`,
		`sessionkit_renewals_total{op="login",result="success"} 1`,
		`sessionkit_renewal_duration_seconds_count{op="refresh"}`,
		`sessionkit_retries_total`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
