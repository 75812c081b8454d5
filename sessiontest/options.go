package sessiontest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Paths of the endpoints that a [Server] serves, relative to its base URL.
// The protected endpoint also serves every path below APIPath.
const (
	LoginPath   = "/graph/v1/user/login"
	RefreshPath = "/graph/v1/user/refresh"
	APIPath     = "/api/v1/protected"
)

// Defaults for the zero fields of [Options].
const (
	DefaultTenantAPIKey  = "test-tenant-api-key"
	DefaultTenant        = "tenant-1"
	DefaultRoles         = "User"
	DefaultTokenLifetime = time.Hour
)

// Options configures a [Server]. A zero field takes the default that its
// comment names.
type Options struct {
	// TenantAPIKey is the only x-tenant-api-key header value that login
	// accepts. If empty, DefaultTenantAPIKey is used.
	TenantAPIKey string

	// Tenant is the tenant claim of every access token. If empty,
	// DefaultTenant is used.
	Tenant string

	// Roles is the roles claim of every access token. If empty,
	// DefaultRoles is used.
	Roles string

	// TokenLifetime is the lifetime of the access tokens that login,
	// refresh and Issue return. The exp claim is rounded up to a whole
	// second, so lifetimes of a few seconds work. If zero or negative,
	// DefaultTokenLifetime is used.
	TokenLifetime time.Duration

	// LoginLatency, RefreshLatency and APILatency are the initial
	// latencies of the three endpoints. See [Server.SetLatency].
	LoginLatency   time.Duration
	RefreshLatency time.Duration
	APILatency     time.Duration

	// OnRequest, if not nil, is called with each request to one of the
	// three endpoints when it arrives, before faults and latency apply.
	// Concurrent requests call it concurrently, so it must be safe for
	// concurrent use. It must not read or close r.Body.
	OnRequest func(e Endpoint, r *http.Request)
}

// withDefaults returns a copy of o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.TenantAPIKey == "" {
		o.TenantAPIKey = DefaultTenantAPIKey
	}
	if o.Tenant == "" {
		o.Tenant = DefaultTenant
	}
	if o.Roles == "" {
		o.Roles = DefaultRoles
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	return o
}

// Endpoint identifies one of the three endpoints of a [Server], for fault
// injection and latency.
type Endpoint int

// The endpoints of a [Server].
const (
	Login   Endpoint = iota // POST LoginPath
	Refresh                 // POST RefreshPath
	API                     // any method on APIPath and the paths below it

	endpointCount = iota
)

// String returns the endpoint's name: "login", "refresh" or "api".
func (e Endpoint) String() string {
	switch e {
	case Login:
		return "login"
	case Refresh:
		return "refresh"
	case API:
		return "api"
	}
	return fmt.Sprintf("Endpoint(%d)", int(e))
}

// mustBeValid panics unless e is one of Login, Refresh and API.
func (e Endpoint) mustBeValid() {
	if e < 0 || e >= endpointCount {
		panic(fmt.Sprintf("sessiontest: unknown endpoint %d", int(e)))
	}
}

// endpointFor returns the endpoint that serves path.
func endpointFor(path string) (Endpoint, bool) {
	switch {
	case path == LoginPath:
		return Login, true
	case path == RefreshPath:
		return Refresh, true
	case path == APIPath || strings.HasPrefix(path, APIPath+"/"):
		return API, true
	}
	return 0, false
}
