package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sessionkit/sessionkit/transport"
)

// metrics are the Prometheus collectors that the hooks update. The
// session id is not a label: a program with many sessions would get one
// series per session, and the id identifies a user.
type metrics struct {
	renewals *prometheus.CounterVec   // by op ("refresh" or "login") and result
	duration *prometheus.HistogramVec // by op
	retries  prometheus.Counter
}

// newMetrics creates the collectors and registers them with reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		renewals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sessionkit_renewals_total",
			Help: "Refreshes and logins of sessions, by step and result.",
		}, []string{"op", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sessionkit_renewal_duration_seconds",
			Help:    "Time a refresh or login took, failed ones included.",
			Buckets: prometheus.DefBuckets,
		}, []string{"op"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sessionkit_retries_total",
			Help: "Requests sent again with a renewed token after a 401.",
		}),
	}
	reg.MustRegister(m.renewals, m.duration, m.retries)
	return m
}

// hooks returns the transport hooks that update m. Prometheus
// collectors are safe for concurrent use and quick, as hooks must be.
func (m *metrics) hooks() transport.Hooks {
	return transport.Hooks{
		Refresh:        func(e transport.Event) { m.observe(e, "success") },
		Login:          func(e transport.Event) { m.observe(e, "success") },
		RefreshFailure: func(e transport.Event) { m.observe(e, "failure") },
		Retry:          func(transport.Event) { m.retries.Inc() },
	}
}

func (m *metrics) observe(e transport.Event, result string) {
	m.renewals.WithLabelValues(e.Op, result).Inc()
	m.duration.WithLabelValues(e.Op).Observe(e.Duration.Seconds())
}
