package transport

import (
	"time"

	"github.com/sessionkit/sessionkit/session"
)

// Hooks are functions a [Refresher] and a [RoundTripper] call as they
// renew sessions and retry requests, for metrics and tracing. Each field
// may be nil. Hooks run synchronously on the goroutine doing the work,
// so they must be quick and safe for concurrent use. No [Event] carries
// a token or an API key.
type Hooks struct {
	// Refresh is called after a successful refresh.
	Refresh func(Event)
	// Login is called after a permanent session logged in again.
	Login func(Event)
	// RefreshFailure is called after a failed refresh or login. Op is
	// "refresh" or "login", and Err is set.
	RefreshFailure func(Event)
	// Retry is called before a request is sent again after a 401.
	Retry func(Event)
}

// Event describes one renewal step or retry.
type Event struct {
	SessionID string        // the session renewed or retried
	Kind      session.Kind  // the session's kind
	Op        string        // "refresh", "login" or "retry"
	Duration  time.Duration // time the step took; zero for a retry
	Err       error         // set for RefreshFailure
}
