package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/sessionkit/sessionkit/session"
)

// RoundTripper is an [http.RoundTripper] that sends each request with
// the bearer token of a session and renews the token as it expires. It
// is bound to one session, or to a [session.Manager] with the session
// named in each request's context by [WithSessionID].
//
// The token goes only to the session's service host and the hosts in
// [Options.AllowedHosts]. On a 401 the request is sent once more with a
// renewed token when its body can be replayed (GetBody is set, or there
// is no body). The caller's request is never modified. Safe for
// concurrent use.
type RoundTripper struct {
	refresher *Refresher
	session   *session.Session // nil when bound to a manager
	manager   *session.Manager
	hosts     hostPolicy
	opts      Options
}

// New returns a RoundTripper bound to s that renews its tokens through
// auth.
func New(s *session.Session, auth Authenticator, opts ...Option) *RoundTripper {
	return newRoundTripper(NewRefresher(auth, opts...), s, nil)
}

// NewManaged returns a RoundTripper that sends each request with the
// session of m that the request's context names; see [WithSessionID].
func NewManaged(m *session.Manager, auth Authenticator, opts ...Option) *RoundTripper {
	return newRoundTripper(NewRefresher(auth, opts...), nil, m)
}

func newRoundTripper(r *Refresher, s *session.Session, m *session.Manager) *RoundTripper {
	return &RoundTripper{
		refresher: r,
		session:   s,
		manager:   m,
		hosts:     newHostPolicy(r.opts),
		opts:      r.opts,
	}
}

type sessionIDKey struct{}

// WithSessionID returns a copy of ctx that names the session a
// manager-bound [RoundTripper] uses for the request.
func WithSessionID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, sessionIDKey{}, id)
}

// SessionIDFromContext returns the session id stored by [WithSessionID].
func SessionIDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(sessionIDKey{}).(string)
	return id, ok
}

// Refresher returns the refresher that renews this RoundTripper's
// sessions.
func (rt *RoundTripper) Refresher() *Refresher { return rt.refresher }

// Stats returns the counts of renewals and retries so far.
func (rt *RoundTripper) Stats() Stats { return rt.refresher.Stats() }

// Close stops the renewals in progress; see [Refresher.Close].
func (rt *RoundTripper) Close() error { return rt.refresher.Close() }

// Shutdown lets the renewals in progress finish, within ctx; see
// [Refresher.Shutdown].
func (rt *RoundTripper) Shutdown(ctx context.Context) error { return rt.refresher.Shutdown(ctx) }

// RoundTrip implements [http.RoundTripper].
func (rt *RoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	s, err := rt.pick(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	attach, err := rt.hosts.attach(req, s)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if !attach {
		rt.opts.Logger.LogAttrs(req.Context(), slog.LevelDebug,
			"sending request without the token: host not allowed or redirect chain left it",
			slog.String("session_id", s.ID()), slog.String("host", req.URL.Host))
		return rt.opts.Base.RoundTrip(req)
	}
	snap, err := rt.refresher.Token(req.Context(), s)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := rt.send(req, req.Body, snap)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	return rt.retry(req, s, snap, resp)
}

func (rt *RoundTripper) pick(ctx context.Context) (*session.Session, error) {
	if rt.session != nil {
		return rt.session, nil
	}
	id, ok := SessionIDFromContext(ctx)
	if !ok {
		return nil, ErrNoSession
	}
	s, ok := rt.manager.Get(id)
	if !ok {
		return nil, fmt.Errorf("%w: %s; store it with Manager.Add or Manager.Put", ErrSessionNotFound, shortID(id))
	}
	return s, nil
}

// outgoing is the copy of a request that send makes, with the backing
// array of its Authorization value, so that both take one allocation.
type outgoing struct {
	req           http.Request
	authorization [1]string
}

// send sends a shallow copy of req with body and the token of snap. The
// copy gets its own header map, so the caller's request is untouched.
func (rt *RoundTripper) send(req *http.Request, body io.ReadCloser, snap *session.Snapshot) (*http.Response, error) {
	o := new(outgoing)
	o.req = *req
	out := &o.req
	out.Body = body
	out.Header = make(http.Header, len(req.Header)+1)
	for k, v := range req.Header {
		out.Header[k] = v[:len(v):len(v)] // a later append copies
	}
	o.authorization[0] = snap.Authorization()
	out.Header["Authorization"] = o.authorization[:]
	resp, err := rt.opts.Base.RoundTrip(out)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// retry renews the token that the server rejected with resp and sends
// req once more, with the same token when [Refresher.Renew] declines to
// renew it. A request whose body cannot be replayed is not sent again:
// the caller gets resp as it came.
func (rt *RoundTripper) retry(req *http.Request, s *session.Session, sent *session.Snapshot, resp *http.Response) (*http.Response, error) {
	if !replayable(req) || !s.Refreshable() {
		return resp, nil
	}

	next, err := rt.refresher.Renew(req.Context(), s, sent)
	if errors.Is(err, ErrRejectedAfterRenewal) {
		rt.opts.Logger.LogAttrs(req.Context(), slog.LevelDebug,
			"401 for a token renewed after a 401; retrying without renewing",
			slog.String("session_id", s.ID()))
		next, err = sent, nil
	}
	if err != nil {
		rt.drain(resp)
		return nil, err
	}

	body, err := newBody(req)
	if err != nil {
		rt.opts.Logger.LogAttrs(req.Context(), slog.LevelWarn,
			"request not retried after 401: GetBody failed",
			slog.String("session_id", s.ID()), slog.String("error", err.Error()))
		return resp, nil
	}

	rt.drain(resp)
	rt.refresher.stats.retries.Add(1)
	rt.opts.Logger.LogAttrs(req.Context(), slog.LevelDebug, "retrying request after 401",
		slog.String("session_id", s.ID()), slog.String("method", req.Method))
	if hook := rt.opts.Hooks.Retry; hook != nil {
		hook(Event{SessionID: s.ID(), Kind: s.Kind(), Op: "retry"})
	}

	resp, err = rt.send(req, body, next)
	if err == nil && resp.StatusCode != http.StatusUnauthorized {
		rt.refresher.accept(s, next)
	}
	return resp, err
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func newBody(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	return req.GetBody()
}

// drain reads up to MaxDrainBytes of a response that is not handed back,
// so its connection can be reused, and closes it.
func (rt *RoundTripper) drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, rt.opts.MaxDrainBytes)
	_ = resp.Body.Close()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
