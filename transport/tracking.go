package transport

import (
	"runtime"
	"weak"

	"github.com/sessionkit/sessionkit/session"
)

// tracking ties a Refresher's state about one session id to the session
// object that created it. When that object is garbage collected, and no
// newer object with the same id has taken over, the state is dropped.
type tracking struct {
	s weak.Pointer[session.Session]
}

// track makes sure that the state r keeps for s's id is dropped once s
// is unreachable: removed from its manager and used by no request. It
// is called before the state is written, on the slow paths only.
func (r *Refresher) track(s *session.Session) {
	id := s.ID()
	w := weak.Make(s)
	if v, ok := r.tracked.Load(id); ok && v.(*tracking).s == w {
		return
	}
	t := &tracking{s: w}
	r.tracked.Store(id, t)
	runtime.AddCleanup(s, func(t *tracking) { r.untrack(id, t) }, t)
}

// untrack drops the state kept for id if t still owns it.
func (r *Refresher) untrack(id string, t *tracking) {
	if !r.tracked.CompareAndDelete(id, t) {
		return // a newer session with this id took over
	}
	r.failures.Delete(id)
	r.unknownOutcome.Delete(id)
	r.versions.Delete(id)
	r.forced.Delete(id)
}
