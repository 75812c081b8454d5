package sessiontest

import (
	"fmt"
	"time"
)

// fault is the share of the queued faults that one request takes.
type fault struct {
	status int           // injected error status, or 0
	delay  time.Duration // added to the endpoint's latency
	drop   bool          // close the connection instead of responding
}

// faultPlan contains the faults queued for one endpoint.
type faultPlan struct {
	failures queue[int]
	delays   queue[time.Duration]
	drops    int
}

// queue is a FIFO of values, each repeated for a number of calls.
type queue[T any] []queueEntry[T]

type queueEntry[T any] struct {
	value T
	calls int
}

func (q *queue[T]) push(value T, calls int) {
	if calls > 0 {
		*q = append(*q, queueEntry[T]{value, calls})
	}
}

// pop returns the value for the next call, if any.
func (q *queue[T]) pop() (T, bool) {
	if len(*q) == 0 {
		var zero T
		return zero, false
	}
	head := &(*q)[0]
	head.calls--
	value := head.value
	if head.calls == 0 {
		*q = (*q)[1:]
	}
	return value, true
}

// FailNext makes the next n requests to e fail with status and the body
// {"message": "injected fault: ..."}, without handling them. A 401 from
// the API endpoint also carries the WWW-Authenticate challenge. Calls
// queue up: FailNext(Refresh, 1, 500) then FailNext(Refresh, 1, 503) fails
// one refresh with 500 and the following one with 503. FailNext panics
// unless status is in 400..599.
func (s *Server) FailNext(e Endpoint, n int, status int) {
	e.mustBeValid()
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("sessiontest: FailNext status %d is not an error status", status))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e].failures.push(status, n)
}

// DelayNext makes each of the next n requests to e wait d on top of the
// endpoint's latency. The wait ends early when the client goes away,
// following the rules of [Server.ServeHTTP]. Calls queue up as for
// [Server.FailNext].
func (s *Server) DelayNext(e Endpoint, n int, d time.Duration) {
	e.mustBeValid()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e].delays.push(d, n)
}

// DropNext makes the next n requests to e end with a closed connection
// and no response. The server drops the connection after it has handled
// the request, so the request's effects stand: a dropped login has
// issued tokens and a dropped refresh has rotated the refresh token.
//
// Go's [http.Transport] retries a request with no body or a replayable
// one (GET, HEAD, OPTIONS, TRACE, or with an Idempotency-Key header) on a
// new connection when a reused connection closes without a response. Such
// a retry reaches the server as a new request, so a dropped GET may show
// only in [Stats.InjectedDrops].
func (s *Server) DropNext(e Endpoint, n int) {
	e.mustBeValid()
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e].drops += n
}

// SetLatency sets how long each request to e waits before the server
// responds, following the rules of [Server.ServeHTTP]. Zero removes the
// latency.
func (s *Server) SetLatency(e Endpoint, d time.Duration) {
	e.mustBeValid()
	s.latency[e].Store(int64(d))
}

// RejectNextRefreshes makes the next n refresh requests with a well-formed
// body fail with 401 {"message": "refresh token revoked"}. The refresh
// tokens that they carry stay valid.
func (s *Server) RejectNextRefreshes(n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRefreshes += n
}

// takeFault removes one request's share of the faults queued for e and
// counts the faults that it injects.
func (s *Server) takeFault(e Endpoint) fault {
	var f fault
	s.mu.Lock()
	plan := &s.faults[e]
	f.status, _ = plan.failures.pop()
	f.delay, _ = plan.delays.pop()
	if plan.drops > 0 {
		plan.drops--
		f.drop = true
	}
	s.mu.Unlock()
	s.stats.countFault(f)
	return f
}
