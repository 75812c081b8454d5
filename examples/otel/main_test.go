package main

import (
	"bytes"
	"context"
	"testing"
)

func TestRunPrintsSpanTrees(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := `first request
  call GET status=200
    attempt GET status=200
request after revocation
  call GET status=200
    attempt GET status=401
    attempt GET status=200
sessionkit.refresh
`
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}
