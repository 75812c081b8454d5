package httpauth

import (
	"errors"
	"net/url"
	"strings"
)

// MissingScheme is the reason ParseEndpoint gives for a URL without a
// scheme that url.Parse misreads.
const MissingScheme = "scheme is missing; start the URL with http:// or https://"

// ParseEndpoint parses raw, the URL of an auth endpoint, and returns it
// with a form safe to show in errors: its scheme, host and path only,
// because user information or a query may hold a secret. If raw is
// empty or cannot be parsed, it returns a reason instead. A "host:port"
// without a scheme, which url.Parse rejects or reads as a scheme and an
// opaque part, gets MissingScheme. The caller checks the scheme, host
// and the rest.
func ParseEndpoint(raw string) (u *url.URL, display, reason string) {
	if raw == "" {
		return nil, "", "URL is empty"
	}
	u, err := url.Parse(raw)
	if err != nil {
		if !strings.Contains(raw, "://") {
			return nil, "", MissingScheme // such as "127.0.0.1:8080"
		}
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, "", err.Error()
	}
	if u.Opaque != "" && strings.Trim(u.Opaque, "0123456789") == "" {
		return nil, u.Scheme + ":" + u.Opaque, MissingScheme // such as "localhost:8080"
	}
	return u, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(), ""
}
