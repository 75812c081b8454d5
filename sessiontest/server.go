package sessiontest

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a fake knowledge service: the login and refresh endpoints of
// its auth API and one protected API endpoint. It serves them over a
// loopback [httptest.Server] (see [NewServer] and [NewTLSServer]) or
// through an [httpmock.MockTransport] (see [NewMock]).
//
// Server is safe for concurrent use by multiple goroutines. The zero value
// is not usable.
type Server struct {
	opts Options
	url  string           // base URL and iss claim, without a trailing slash
	key  []byte           // HS256 key that signs access tokens
	now  func() time.Time // server clock, which tests in this package replace

	httpServer *httptest.Server // nil for a server made by NewMock
	client     *http.Client

	latency [endpointCount]atomic.Int64 // per endpoint, in nanoseconds
	stats   counters
	closed  atomic.Bool

	mu              sync.Mutex // guards the fields below
	access          map[string]*accessGrant
	refresh         map[string]*refreshGrant
	faults          [endpointCount]faultPlan
	rejectRefreshes int
	secrets         []string // issued access and refresh tokens
	seenTokens      []string
}

// NewServer starts a Server on a plain HTTP loopback [httptest.Server].
// The caller must call [Server.Close] when done.
func NewServer(opts ...func(*Options)) *Server {
	return newServer(opts).start(false)
}

// NewTLSServer starts a Server on a loopback [httptest.Server] with TLS.
// [Server.Client] returns a client that trusts its certificate. The caller
// must call [Server.Close] when done.
func NewTLSServer(opts ...func(*Options)) *Server {
	return newServer(opts).start(true)
}

// newServer returns a Server that is not yet reachable.
func newServer(opts []func(*Options)) *Server {
	var o Options
	for _, set := range opts {
		set(&o)
	}
	s := &Server{
		opts:    o.withDefaults(),
		key:     make([]byte, 32),
		now:     time.Now,
		access:  make(map[string]*accessGrant),
		refresh: make(map[string]*refreshGrant),
	}
	rand.Read(s.key)
	s.latency[Login].Store(int64(s.opts.LoginLatency))
	s.latency[Refresh].Store(int64(s.opts.RefreshLatency))
	s.latency[API].Store(int64(s.opts.APILatency))
	return s
}

// start serves s on a new httptest.Server. It sets the URL before the
// server starts, so no request can see it unset.
func (s *Server) start(useTLS bool) *Server {
	ts := httptest.NewUnstartedServer(s)
	s.httpServer = ts
	if useTLS {
		s.url = "https://" + ts.Listener.Addr().String()
		ts.StartTLS()
	} else {
		s.url = "http://" + ts.Listener.Addr().String()
		ts.Start()
	}
	s.client = ts.Client()
	return s
}

// URL returns the base URL of the service, without a trailing slash. It is
// also the iss claim of every access token that s issues.
func (s *Server) URL() string { return s.url }

// Client returns an [http.Client] that reaches s: the httptest client for a
// network server, or a client that uses the MockTransport for [NewMock].
func (s *Server) Client() *http.Client { return s.client }

// Options returns the options in effect, with the defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Close shuts down the network server, if any, after the requests in
// progress finish. From then on the responders of s return
// [ErrServerClosed].
//
// NOTE: Close leaves the responders registered on MockTransports. In
// httpmock v1.4.2, registering nil to remove a regular-expression route
// removes the last such route instead, unless the two are the same.
func (s *Server) Close() {
	s.closed.Store(true)
	if s.httpServer != nil {
		s.httpServer.Close()
	}
}

// ServeHTTP implements [http.Handler]. It serves the login, refresh and
// protected endpoints, and responds 404 to any other path.
//
// Each request is read in full and takes the faults queued for its
// endpoint. A login or API request then waits its latency and is handled
// after the wait. A refresh request is handled first and waits
// afterwards, so its rotation is committed even if the client goes away
// during the wait. A request whose client goes away during the wait gets
// no response and counts in [Stats.Canceled], and if it is a login or API
// request, it is not handled at all.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e, ok := endpointFor(r.URL.Path)
	if !ok {
		writeReply(w, errorReply(http.StatusNotFound, "not found"))
		return
	}
	if err := s.receive(e, r); err != nil {
		writeReply(w, errorReply(http.StatusBadRequest, "failed to read request body"))
		return
	}
	f := s.takeFault(e)
	rep, ok := s.process(e, r, f)
	if !ok {
		s.stats.canceled.Add(1)
		return
	}
	s.countReply(e, rep)
	if f.drop {
		dropConnection(w)
		return
	}
	writeReply(w, rep)
}

// receive calls OnRequest, records the tokens that reach the API and reads
// the request body.
func (s *Server) receive(e Endpoint, r *http.Request) error {
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(e, r)
	}
	if e == API {
		s.recordSeenTokens(r)
	}
	return bufferBody(r, bodyLimit(e))
}

// process waits and handles r in the order that ServeHTTP documents. It
// returns false if the client went away during the wait.
func (s *Server) process(e Endpoint, r *http.Request, f fault) (reply, bool) {
	wait := time.Duration(s.latency[e].Load()) + f.delay
	if e == Refresh {
		rep := s.handle(e, r, f)
		return rep, sleepContext(r.Context(), wait)
	}
	if !sleepContext(r.Context(), wait) {
		return reply{}, false
	}
	return s.handle(e, r, f), true
}

// handle returns the injected failure of f, or else the endpoint's reply.
func (s *Server) handle(e Endpoint, r *http.Request, f fault) reply {
	if f.status != 0 {
		return injectedReply(e, f.status)
	}
	switch e {
	case Login:
		return s.login(r)
	case Refresh:
		return s.rotate(r)
	default:
		return s.api(r)
	}
}

// bufferBody reads the body of r, up to one byte more than limit, into
// memory and replaces r.Body with a reader of those bytes. The handlers
// then detect a body over the limit. Reading the body to its end also
// lets net/http notice when the client goes away, which ends the
// request's context and so the latency wait.
func bufferBody(r *http.Request, limit int64) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return nil
}

func bodyLimit(e Endpoint) int64 {
	if e == API {
		return maxAPIBody
	}
	return maxAuthBody
}

// sleepContext waits for d and reports whether ctx stayed alive. It returns
// true at once when d is zero or negative.
func sleepContext(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the client's connection without a response. Where
// the connection cannot be hijacked (HTTP/2, or the httpmock adapter), it
// aborts the handler with [http.ErrAbortHandler] instead: net/http then
// resets the stream, and the adapter returns [ErrConnectionDropped].
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
