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
	s       weak.Pointer[session.Session]
	cleanup runtime.Cleanup // set before the tracking is stored
}

// track arranges for the state that r keeps under s's id to be dropped
// once s is unreachable: removed from its manager and used by no
// request. Callers call it before they write that state, on slow paths
// only. The cleanup refers to r weakly, so that a Refresher dropped
// without Close can still be collected.
func (r *Refresher) track(s *session.Session) {
	id := s.ID()
	handle := weak.Make(s)
	if v, ok := r.tracked.Load(id); ok && v.(*tracking).s == handle {
		return
	}
	t := &tracking{s: handle}
	self := r.self
	t.cleanup = runtime.AddCleanup(s, func(t *tracking) {
		if r := self.Value(); r != nil {
			r.untrack(id, t)
		}
	}, t)
	r.tracked.Store(id, t)
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

// untrackAll cancels the cleanups that track registered, so that a
// closed Refresher leaves nothing attached to the sessions it renewed.
func (r *Refresher) untrackAll() {
	r.tracked.Range(func(id, v any) bool {
		t := v.(*tracking)
		t.cleanup.Stop()
		r.untrack(id.(string), t)
		return true
	})
}
