package oauth2grant

import (
	"fmt"
	"net/url"

	"github.com/sessionkit/sessionkit/internal/httpauth"
)

// parseTokenURL parses and checks the token URL. Errors show only its
// scheme, host and path, because user information or a query may hold
// a secret.
func parseTokenURL(raw string, allowInsecure bool) (*url.URL, error) {
	u, display, reason := httpauth.ParseEndpoint(raw)
	if u == nil && display == "" {
		return nil, fmt.Errorf("oauth2grant: invalid token URL: %s", reason)
	}
	if u == nil {
		return nil, fmt.Errorf("oauth2grant: invalid token URL %q: %s", display, reason)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		reason = "scheme must be https"
	case u.Hostname() == "":
		reason = "host is missing"
	case u.User != nil:
		reason = "user information is not allowed"
	case u.Fragment != "":
		reason = "fragment is not allowed"
	case u.Scheme == "http" && !allowInsecure && !httpauth.IsLoopback(u.Hostname()):
		reason = "plain http is allowed only for loopback hosts; use https or set Options.AllowInsecureHTTP"
	}
	if reason != "" {
		return nil, fmt.Errorf("oauth2grant: invalid token URL %q: %s", display, reason)
	}
	return u, nil
}
