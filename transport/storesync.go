package transport

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// lockStored takes the store's renewal lock of s when the store is a
// [store.Locker]. If the lock cannot be had, the renewal goes ahead
// without it and the failure is logged: requests keep flowing when the
// store is down. The returned function releases the lock.
//
// The lock's ttl is RefreshTimeout. The wait for it has a bound of its
// own, half as long again, so that a waiter outlasts the lock of a
// holder that died, and the renewal that follows still gets a whole
// RefreshTimeout.
func (r *Refresher) lockStored(s *session.Session) (unlock func()) {
	locker, ok := r.opts.Store.(store.Locker)
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.RefreshTimeout*3/2)
	defer cancel()
	unlock, err := locker.Lock(ctx, s.ID(), r.opts.RefreshTimeout)
	if err != nil {
		r.logStoreError("store lock failed; renewing without it", s, err)
		return func() {}
	}
	return unlock
}

// adoptStored loads the stored record of s and, when it holds newer
// tokens than stale, puts them into the session: another process or an
// earlier run renewed it already. It returns the new snapshot and
// whether its access token can be used as it is. When it cannot, the
// renewal goes on from the stored refresh token, which may have been
// rotated since stale's.
func (r *Refresher) adoptStored(ctx context.Context, s *session.Session, stale *session.Snapshot) (*session.Snapshot, bool) {
	if r.opts.Store == nil {
		return nil, false
	}
	rec, err := r.opts.Store.Load(ctx, s.ID())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			r.logStoreError("store load failed", s, err)
		}
		return nil, false
	}
	known := r.noteVersion(s.ID(), 0)
	r.noteVersion(s.ID(), rec.Version)
	expiry, newer := storedIsNewer(rec, stale, known)
	if !newer {
		return nil, false
	}
	snap, err := s.Update(rec.Tokens())
	if err != nil {
		r.logStoreError("stored tokens rejected", s, err)
		return nil, false
	}
	return snap, expiry.IsZero() || now().Before(expiry)
}

// saveStored writes the current tokens of s to the store, one version
// above the last one seen, before the renewal ends, so the next renewal
// anywhere starts from the rotated refresh token.
func (r *Refresher) saveStored(ctx context.Context, s *session.Session) {
	if r.opts.Store == nil {
		return
	}
	version := r.noteVersion(s.ID(), 0) + 1
	if err := r.opts.Store.Save(ctx, store.RecordOf(s, version)); err != nil {
		r.logStoreError("store save failed", s, err)
		return
	}
	r.noteVersion(s.ID(), version)
}

// noteVersion records v as seen for the session if it is newer and
// returns the newest version seen.
func (r *Refresher) noteVersion(id string, v int64) int64 {
	for {
		cur, loaded := r.versions.LoadOrStore(id, v)
		if !loaded {
			return v
		}
		if cur.(int64) >= v || r.versions.CompareAndSwap(id, cur, v) {
			return max(cur.(int64), v)
		}
	}
}

func (r *Refresher) logStoreError(msg string, s *session.Session, err error) {
	r.opts.Logger.LogAttrs(context.Background(), slog.LevelWarn, msg,
		slog.String("session_id", s.ID()), slog.String("error", err.Error()))
}

// storedIsNewer reports whether rec holds other tokens than stale that
// were obtained later: an access token that expires later, or where
// either expiry is unknown, a record saved at a version above known,
// the newest seen before. It also returns the stored token's expiry,
// zero when unknown.
func storedIsNewer(rec store.Record, stale *session.Snapshot, known int64) (time.Time, bool) {
	if rec.AccessToken == stale.AccessToken() {
		return time.Time{}, false
	}
	expiry := rec.Expiry
	if claims, err := session.ParseClaims(rec.AccessToken); err == nil {
		expiry = claims.Expiry
	}
	if expiry.IsZero() || stale.Expiry().IsZero() {
		return expiry, rec.Version > known
	}
	return expiry, expiry.After(stale.Expiry())
}
