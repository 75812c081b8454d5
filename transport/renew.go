package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptrace"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// refreshOrLogin sends the refresh, and for a permanent session whose
// refresh failed, a login. A refresh token whose last use had an unknown
// outcome is not sent again, because the server may have rotated it.
func (r *Refresher) refreshOrLogin(ctx context.Context, s *session.Session, stale *session.Snapshot) (*session.Snapshot, error) {
	start := now()
	snap, err := r.refresh(ctx, s, stale)
	if err == nil {
		r.stats.refreshes.Add(1)
		r.report(r.opts.Hooks.Refresh, "refresh", "session refreshed", slog.LevelDebug, s, start, nil)
		return snap, nil
	}
	r.stats.refreshFailures.Add(1)
	r.report(r.opts.Hooks.RefreshFailure, "refresh", "session refresh failed", slog.LevelWarn, s, start, err)
	creds, ok := s.Credentials()
	if !ok || r.ctx.Err() != nil {
		return nil, err
	}
	start = now()
	snap, err = r.login(ctx, s, creds)
	if err != nil {
		r.stats.loginFailures.Add(1)
		r.report(r.opts.Hooks.RefreshFailure, "login", "session login failed", slog.LevelWarn, s, start, err)
		return nil, err
	}
	r.stats.logins.Add(1)
	r.report(r.opts.Hooks.Login, "login", "session logged in again", slog.LevelInfo, s, start, nil)
	return snap, nil
}

func (r *Refresher) refresh(ctx context.Context, s *session.Session, stale *session.Snapshot) (*session.Snapshot, error) {
	token := stale.RefreshToken()
	if _, spent := r.unknownOutcome.Load(tokenKey{s.ID(), token}); spent {
		return nil, ErrRefreshOutcomeUnknown
	}
	if err := ctx.Err(); err != nil {
		return nil, err // nothing was sent, so the token is not spent
	}
	var trace requestTrace
	tokens, err := r.auth.Refresh(trace.attach(ctx), token)
	if err != nil {
		if trace.outcomeUnknown(err) {
			r.unknownOutcome.Store(tokenKey{s.ID(), token}, struct{}{})
			err = fmt.Errorf("%w: %w", ErrRefreshOutcomeUnknown, err)
		}
		return nil, err
	}
	return s.Update(tokens)
}

func (r *Refresher) login(ctx context.Context, s *session.Session, c session.Credentials) (*session.Snapshot, error) {
	tokens, err := r.auth.Login(ctx, c)
	if err != nil {
		return nil, err
	}
	snap, err := s.Update(tokens)
	if err == nil {
		// A server that does not rotate refresh tokens may return the one
		// whose refresh had an unknown outcome: it is valid after all.
		r.unknownOutcome.Delete(tokenKey{s.ID(), snap.RefreshToken()})
	}
	return snap, err
}

// requestTrace records, through [httptrace], whether an HTTP-based
// [Authenticator] started a request and wrote it in full.
type requestTrace struct {
	started atomic.Bool
	written atomic.Bool
}

func (t *requestTrace) attach(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { t.started.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				t.written.Store(true)
			}
		},
	})
}

// outcomeUnknown reports whether err leaves open whether the server
// received and carried out the request. When the trace saw the request
// start, that needs the request written in full and no response read.
// An Authenticator that does not use net/http leaves the trace empty,
// and then the error alone decides.
func (t *requestTrace) outcomeUnknown(err error) bool {
	if t.started.Load() && !t.written.Load() {
		return false
	}
	return brokenAfterSend(err)
}

// brokenAfterSend reports whether err is a broken connection, a timeout
// or a cancellation rather than a response or a failed dial.
func brokenAfterSend(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// report logs a renewal step and calls its hook, if set.
func (r *Refresher) report(hook func(Event), op, msg string, level slog.Level, s *session.Session, start time.Time, err error) {
	ev := Event{SessionID: s.ID(), Kind: s.Kind(), Op: op, Duration: now().Sub(start), Err: err}
	attrs := []slog.Attr{
		slog.String("session_id", ev.SessionID),
		slog.String("kind", ev.Kind.String()),
		slog.Duration("duration", ev.Duration),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.opts.Logger.LogAttrs(context.Background(), level, msg, attrs...)
	if hook != nil {
		hook(ev)
	}
}
