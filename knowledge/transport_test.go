package knowledge

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// blockUntilDone returns a handler that signals started and then waits
// until the client goes away, or 10 seconds at most. It reads the body
// first, because the server notices a closed connection only after that.
func blockUntilDone(started chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		started <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
}

func TestContextCanceled(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := startServer(t, blockUntilDone(started))
	c := newTestClient(t, srv.URL)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err := c.Login(ctx, testCreds)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Login error = %v; want context.Canceled", err)
	}
	if !strings.HasPrefix(err.Error(), "knowledge: login failed: ") {
		t.Errorf("Error() = %q; want the knowledge: login failed: prefix", err)
	}
}

func TestContextDeadline(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := startServer(t, blockUntilDone(started))
	c := newTestClient(t, srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Refresh(ctx, testRefreshToken)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Refresh error = %v; want context.DeadlineExceeded", err)
	}
}

func TestHTTPClientTimeout(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := startServer(t, blockUntilDone(started))
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
	})

	_, err := c.Refresh(context.Background(), testRefreshToken)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Refresh error = %v; want context.DeadlineExceeded", err)
	}
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Errorf("Refresh error = %v; want a net.Error with Timeout() true", err)
	}
}

func TestDroppedConnection(t *testing.T) {
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack error: %v", err)
			return
		}
		_ = conn.Close()
	}
	srv := startServer(t, http.HandlerFunc(hangUp))
	c := newTestClient(t, srv.URL)

	_, err := c.Refresh(context.Background(), testRefreshToken)
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("Refresh error = %v (%T); want a wrapped *url.Error", err, err)
	}
	if !strings.HasPrefix(err.Error(), "knowledge: refresh failed: ") {
		t.Errorf("Error() = %q; want the knowledge: refresh failed: prefix", err)
	}
	var statusErr *StatusError
	if errors.As(err, &statusErr) || errors.Is(err, ErrInvalidResponse) {
		t.Errorf("Refresh error = %v; want a transport error, not a response error", err)
	}
}

func TestTruncatedBody(t *testing.T) {
	shortBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"accessToken": "`)
	}
	srv := startServer(t, http.HandlerFunc(shortBody))
	c := newTestClient(t, srv.URL)

	_, err := c.Login(context.Background(), testCreds)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Login error = %v; want io.ErrUnexpectedEOF", err)
	}
	want := "knowledge: login failed: reading response body: unexpected EOF"
	if err.Error() != want {
		t.Errorf("Error() = %q; want %q", err, want)
	}
}

func TestConnectionRefused(t *testing.T) {
	srv := startServer(t, respond(http.StatusOK, okBody))
	c := newTestClient(t, srv.URL)
	srv.Close()

	_, err := c.Login(context.Background(), testCreds)
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("Login error = %v (%T); want a wrapped *net.OpError", err, err)
	}
	if opErr.Op != "dial" {
		t.Errorf("OpError.Op = %q; want dial", opErr.Op)
	}
}
