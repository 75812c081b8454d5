package transport_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// env is one fake service, one session on it and a client whose
// transport keeps that session alive.
type env struct {
	srv    *sessiontest.Server
	sess   *session.Session
	rt     *transport.RoundTripper
	client *http.Client
	logs   *syncBuffer
}

type envConfig struct {
	kind     session.Kind
	lifetime time.Duration // of the first access token; 0 means the server default
	server   []func(*sessiontest.Options)
	options  []transport.Option
}

func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	srv := sessiontest.NewServer(cfg.server...)
	t.Cleanup(srv.Close)
	auth, err := knowledge.NewClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	issued := srv.Issue("u-1")
	if cfg.lifetime != 0 {
		issued = srv.IssueWithLifetime("u-1", cfg.lifetime)
	}
	tokens := session.Tokens{AccessToken: issued.AccessToken, RefreshToken: issued.RefreshToken}
	sess := newSession(t, cfg.kind, tokens, srv.Options().TenantAPIKey)
	logs := &syncBuffer{}
	opts := append([]transport.Option{func(o *transport.Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}}, cfg.options...)
	rt := transport.New(sess, auth, opts...)
	t.Cleanup(func() { rt.Close() })
	return &env{srv: srv, sess: sess, rt: rt, client: &http.Client{Transport: rt}, logs: logs}
}

func newSession(t *testing.T, kind session.Kind, tokens session.Tokens, apiKey string) *session.Session {
	t.Helper()
	var s *session.Session
	var err error
	switch kind {
	case session.Timed:
		s, err = session.NewTimed(tokens.AccessToken)
	case session.Refreshable:
		s, err = session.NewRefreshable(tokens)
	default:
		s, err = session.NewPermanent(tokens, session.Credentials{TenantAPIKey: apiKey, ExternalUserID: "u-1"})
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) apiURL() string { return e.srv.URL() + sessiontest.APIPath }

// get sends a GET to the protected endpoint with ctx.
func (e *env) get(ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", e.apiURL(), nil)
	if err != nil {
		return nil, err
	}
	return e.client.Do(req)
}

// decodeAPI reads and closes resp and returns the API's description of
// the request; it fails the test unless the status is 200.
func decodeAPI(t *testing.T, resp *http.Response) sessiontest.APIResponse {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d (%s); want 200", resp.StatusCode, body)
	}
	var out sessiontest.APIResponse
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decoding API response: %v", err)
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// setClock moves the transport clock for the rest of the test.
func setClock(t *testing.T, offset time.Duration) {
	t.Helper()
	t.Cleanup(transport.SetClockOffset(offset))
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newRoundTripperFor returns a RoundTripper for s that renews through
// e's fake service.
func newRoundTripperFor(t *testing.T, e *env, s *session.Session) *transport.RoundTripper {
	t.Helper()
	auth, err := knowledge.NewClient(e.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rt := transport.New(s, auth)
	t.Cleanup(func() { rt.Close() })
	return rt
}

func newKnowledgeClient(t *testing.T, url string) *knowledge.Client {
	t.Helper()
	auth, err := knowledge.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	return auth
}
