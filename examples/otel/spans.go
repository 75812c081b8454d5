package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// printSpans writes the spans as trees, one per trace, in start order.
// Each line has the span's name and, for HTTP spans, the response
// status. Durations are left out, so the output is the same on every
// run.
func printSpans(out io.Writer, spans []sdktrace.ReadOnlySpan) {
	slices.SortFunc(spans, func(a, b sdktrace.ReadOnlySpan) int {
		return a.StartTime().Compare(b.StartTime())
	})
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		if s.Parent().IsValid() {
			children[s.Parent().SpanID()] = append(children[s.Parent().SpanID()], s)
		}
	}
	for _, s := range spans {
		if !s.Parent().IsValid() {
			printTree(out, s, children, 0)
		}
	}
}

func printTree(out io.Writer, s sdktrace.ReadOnlySpan, children map[trace.SpanID][]sdktrace.ReadOnlySpan, depth int) {
	fmt.Fprintf(out, "%s%s%s\n", strings.Repeat("  ", depth), s.Name(), details(s))
	for _, child := range children[s.SpanContext().SpanID()] {
		printTree(out, child, children, depth+1)
	}
}

// details returns the response status of an HTTP span and the errors
// recorded on a span, each as " key=value".
func details(s sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, kv := range s.Attributes() {
		if kv.Key == "http.response.status_code" {
			fmt.Fprintf(&b, " status=%d", kv.Value.AsInt64())
		}
	}
	for _, ev := range s.Events() {
		if ev.Name == "exception" {
			b.WriteString(" error")
		}
	}
	return b.String()
}
