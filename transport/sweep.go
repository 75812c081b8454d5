package transport

import (
	"sync/atomic"
	"time"
)

// stateRetention is how long a Refresher keeps the newest store version
// it saw for a session that has not been renewed since.
const stateRetention = 24 * time.Hour

// sweepInterval is the least time between two sweeps of stale state.
const sweepInterval = time.Minute

// versionSeen is the newest store version seen for one session, and
// when a renewal last looked at it.
type versionSeen struct {
	version atomic.Int64
	seen    atomic.Int64 // unix nanoseconds
}

// maybeSweep starts a sweep of stale per-session state in the
// background unless one started less than sweepInterval ago. Renewals
// call it, so a Refresher that renews nothing keeps what it has.
func (r *Refresher) maybeSweep() {
	t := now()
	last := r.lastSweep.Load()
	if t.UnixNano()-last < int64(sweepInterval) || !r.lastSweep.CompareAndSwap(last, t.UnixNano()) {
		return
	}
	if !r.enter() {
		return
	}
	go func() {
		defer r.running.Done()
		r.sweep(t)
	}()
}

// sweep deletes, as of t, the state that no longer changes any renewal:
// backoffs that ended more than MaxBackoff ago, renewals after a 401
// made MaxBackoff ago or earlier, and store versions that no renewal
// looked at for stateRetention. Without it, a Refresher serving a
// manager that churns through sessions would keep an entry for every
// session it ever renewed.
func (r *Refresher) sweep(t time.Time) {
	r.failures.Range(func(id, v any) bool {
		f := v.(*failure)
		f.mu.Lock()
		ended := t.Sub(f.until) > r.opts.MaxBackoff
		f.mu.Unlock()
		if ended {
			r.failures.CompareAndDelete(id, v)
		}
		return true
	})
	r.forced.Range(func(id, v any) bool {
		if t.Sub(v.(*forcedRenewal).at) >= r.opts.MaxBackoff {
			r.forced.CompareAndDelete(id, v)
		}
		return true
	})
	r.versions.Range(func(id, v any) bool {
		if t.Sub(time.Unix(0, v.(*versionSeen).seen.Load())) > stateRetention {
			r.versions.CompareAndDelete(id, v)
		}
		return true
	})
}
