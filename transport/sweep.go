package transport

import "time"

// sweepInterval is the least time between two sweeps of stale state.
const sweepInterval = time.Minute

// maybeSweep starts a sweep of stale per-session state in the
// background unless one started less than sweepInterval ago. Renewals
// call it, so a Refresher that renews nothing keeps what it has.
func (r *Refresher) maybeSweep() {
	t := now()
	last := r.lastSweep.Load()
	if since := t.UnixNano() - last; since >= 0 && since < int64(sweepInterval) {
		return // a clock set back lets the next sweep run at once
	}
	if !r.lastSweep.CompareAndSwap(last, t.UnixNano()) {
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

// sweep deletes, as of t, the state that no longer changes any
// renewal: backoffs that ended more than MaxBackoff ago and renewals
// after a 401 made MaxBackoff ago or earlier. Without it, a Refresher
// serving a manager that churns through sessions would keep an entry
// for every session that ever failed or got a 401. Both kinds of entry
// are replaced when written again, so CompareAndDelete never deletes a
// newer one. Only the accepted flag of a 401-renewal changes in place,
// and the sweep does not read it.
func (r *Refresher) sweep(t time.Time) {
	r.failures.Range(func(key, v any) bool {
		if t.Sub(v.(*failure).until) > r.opts.MaxBackoff {
			r.failures.CompareAndDelete(key, v)
		}
		return true
	})
	r.forced.Range(func(key, v any) bool {
		if t.Sub(v.(*forcedRenewal).at) >= r.opts.MaxBackoff {
			r.forced.CompareAndDelete(key, v)
		}
		return true
	})
}
