package sessiontest

import (
	"net/http"
	"slices"
	"sync/atomic"
)

// Stats contains the counters of a [Server]. Success counters count
// requests whose effect was committed. Failure counters count error
// responses that the server sent or dropped, injected ones included.
type Stats struct {
	Logins          int64 // logins over HTTP that issued tokens
	LoginFailures   int64 // login responses with an error status
	Issued          int64 // token pairs made by Issue and IssueWithLifetime
	Refreshes       int64 // refreshes that rotated a refresh token
	RefreshFailures int64 // refresh responses with an error status
	RefreshReuse    int64 // refreshes rejected because the token was already used
	APICalls        int64 // requests to the protected endpoint that got a response or a drop
	APIUnauthorized int64 // protected endpoint responses with status 401

	InjectedFailures int64 // requests that took a FailNext failure
	InjectedDelays   int64 // requests that took a DelayNext delay
	InjectedDrops    int64 // requests that took a DropNext drop

	// Canceled counts requests whose client went away while they waited
	// for latency, so no response was sent.
	Canceled int64
}

// counters contains the atomic counters behind Stats.
type counters struct {
	logins, loginFailures                           atomic.Int64
	issued                                          atomic.Int64
	refreshes, refreshFailures, refreshReuse        atomic.Int64
	apiCalls, apiUnauthorized                       atomic.Int64
	injectedFailures, injectedDelays, injectedDrops atomic.Int64
	canceled                                        atomic.Int64
}

// Stats returns the counters. Each counter is read atomically, but
// requests in progress can change some counters between the reads.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		Logins:           c.logins.Load(),
		LoginFailures:    c.loginFailures.Load(),
		Issued:           c.issued.Load(),
		Refreshes:        c.refreshes.Load(),
		RefreshFailures:  c.refreshFailures.Load(),
		RefreshReuse:     c.refreshReuse.Load(),
		APICalls:         c.apiCalls.Load(),
		APIUnauthorized:  c.apiUnauthorized.Load(),
		InjectedFailures: c.injectedFailures.Load(),
		InjectedDelays:   c.injectedDelays.Load(),
		InjectedDrops:    c.injectedDrops.Load(),
		Canceled:         c.canceled.Load(),
	}
}

func (c *counters) countFault(f fault) {
	if f.status != 0 {
		c.injectedFailures.Add(1)
	}
	if f.delay > 0 {
		c.injectedDelays.Add(1)
	}
	if f.drop {
		c.injectedDrops.Add(1)
	}
}

// countReply counts a response that the server sends or drops.
func (s *Server) countReply(e Endpoint, rep reply) {
	failed := rep.status >= 400
	switch {
	case e == Login && failed:
		s.stats.loginFailures.Add(1)
	case e == Refresh && failed:
		s.stats.refreshFailures.Add(1)
	case e == API:
		s.stats.apiCalls.Add(1)
		if rep.status == http.StatusUnauthorized {
			s.stats.apiUnauthorized.Add(1)
		}
	}
}

// IssuedSecrets returns the tenant API key followed by every access and
// refresh token that s has issued, in issue order. A test can search its
// logs and errors for each of them to prove that nothing leaked.
func (s *Server) IssuedSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{s.opts.TenantAPIKey}, s.secrets...)
}

// SeenTokens returns the credentials of every Authorization header that
// arrived at the protected endpoint, in arrival order, with any "Bearer "
// prefix removed. Invalid, expired and revoked tokens are included, and so
// are those of requests that failed by injection or were canceled.
func (s *Server) SeenTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seenTokens)
}

func (s *Server) recordSeenTokens(r *http.Request) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, value := range values {
		if token, ok := bearerToken(value); ok {
			value = token
		}
		s.seenTokens = append(s.seenTokens, value)
	}
}
