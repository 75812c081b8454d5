package transport

import (
	"sync/atomic"
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// forcedRenewal is the last renewal of a session that a 401 caused.
type forcedRenewal struct {
	snap     *session.Snapshot
	at       time.Time
	accepted atomic.Bool // a retry with snap got a response other than 401
}

// forcedKey returns the key of snap's record in forced. Records are
// kept per access token, which every renewal changes, so two live
// sessions of one id do not overwrite each other's records, even when
// the server keeps their refresh token.
func forcedKey(s *session.Session, snap *session.Snapshot) tokenKey {
	return tokenKey{s.ID(), snap.AccessToken()}
}

// noteForced records that snap came from a renewal caused by a 401.
func (r *Refresher) noteForced(s *session.Session, snap *session.Snapshot) {
	key := forcedKey(s, snap)
	if v, ok := r.forced.Load(key); ok && v.(*forcedRenewal).snap == snap {
		return
	}
	r.forced.Store(key, &forcedRenewal{snap: snap, at: now()})
}

// accept records that the server took snap on a retry after a 401.
func (r *Refresher) accept(s *session.Session, snap *session.Snapshot) {
	if v, ok := r.forced.Load(forcedKey(s, snap)); ok && v.(*forcedRenewal).snap == snap {
		v.(*forcedRenewal).accepted.Store(true)
	}
}

// suppressed reports whether a 401 for stale must not cause another
// renewal: stale came from a renewal after a 401 less than MaxBackoff
// ago and no retry with it has succeeded.
func (r *Refresher) suppressed(s *session.Session, stale *session.Snapshot) bool {
	v, ok := r.forced.Load(forcedKey(s, stale))
	if !ok {
		return false
	}
	f := v.(*forcedRenewal)
	return f.snap == stale && !f.accepted.Load() && now().Sub(f.at) < r.opts.MaxBackoff
}
