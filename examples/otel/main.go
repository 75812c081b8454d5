// Otel traces the requests of a sessionkit RoundTripper with
// OpenTelemetry and prints the spans.
//
// The client is wrapped twice with otelhttp. The outer
// otelhttp.NewTransport(rt) sits around the sessionkit RoundTripper, so
// each call the application makes is one client span. That span covers
// the wait for a token, the retry after a 401 and the status the caller
// finally gets. The inner one is the RoundTripper's Options.Base, so
// each attempt on the wire is a child span. A retried call shows a 401
// attempt and a 200 attempt under one client span. The traceparent
// header that the server receives names the attempt that carried it.
// With the outer transport alone, a retry would show only as a longer
// span. With the inner one alone, the attempts of one call would have
// no span that groups them.
//
// Renewals run once for every request that needs them, under a context
// of their own, and transport.Hooks carry no context. So each refresh or
// login is recorded by a hook as a span that starts a trace of its own.
//
// The program starts a fake knowledge service in-process, sends one
// request, revokes the access token on the server, sends another, and
// prints the spans it recorded in memory. It exits 1 if a request
// failed.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "otel example:", err)
		os.Exit(1)
	}
}

// run sends the two requests and writes the recorded spans to out.
func run(ctx context.Context, out io.Writer) error {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	defer tp.Shutdown(ctx)
	tracer := tp.Tracer("github.com/sessionkit/sessionkit/examples/otel")

	fake := sessiontest.NewServer()
	defer fake.Close()
	rt, err := newRoundTripper(ctx, fake.URL(), tp, tracer)
	if err != nil {
		return err
	}
	defer rt.Close()
	client := &http.Client{Transport: otelhttp.NewTransport(rt,
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "call " + r.Method }),
	)}

	if err := fetch(ctx, tracer, client, fake.URL(), "first request"); err != nil {
		return err
	}
	fake.RevokeAllAccessTokens()
	if err := fetch(ctx, tracer, client, fake.URL(), "request after revocation"); err != nil {
		return err
	}
	printSpans(out, recorder.Ended())
	return nil
}

// newRoundTripper logs a permanent session in and returns a
// RoundTripper whose attempts and renewals are traced with tp.
func newRoundTripper(ctx context.Context, serviceURL string, tp trace.TracerProvider, tracer trace.Tracer) (*transport.RoundTripper, error) {
	auth, err := knowledge.NewClient(serviceURL)
	if err != nil {
		return nil, err
	}
	creds := session.Credentials{TenantAPIKey: sessiontest.DefaultTenantAPIKey, ExternalUserID: "traced-user"}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		return nil, err
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		return nil, err
	}
	attempts := otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "attempt " + r.Method }),
	)
	renewal := func(e transport.Event) { recordRenewal(tracer, e) }
	return transport.New(s, auth, func(o *transport.Options) {
		o.Base = attempts
		o.Hooks = transport.Hooks{Refresh: renewal, Login: renewal, RefreshFailure: renewal}
	}), nil
}

// recordRenewal records a finished refresh or login as a span of its
// own, which ends now and lasted e.Duration.
func recordRenewal(tracer trace.Tracer, e transport.Event) {
	end := time.Now()
	_, span := tracer.Start(context.Background(), "sessionkit."+e.Op,
		trace.WithTimestamp(end.Add(-e.Duration)),
		trace.WithAttributes(attribute.String("sessionkit.session.kind", e.Kind.String())))
	if e.Err != nil {
		span.RecordError(e.Err)
	}
	span.End(trace.WithTimestamp(end))
}

// fetch calls the protected endpoint inside a span named name.
func fetch(ctx context.Context, tracer trace.Tracer, client *http.Client, serviceURL, name string) error {
	ctx, span := tracer.Start(ctx, name)
	defer span.End()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, serviceURL+sessiontest.APIPath, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %s", name, resp.Status)
	}
	return nil
}
