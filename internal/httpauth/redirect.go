package httpauth

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultTimeout is the timeout of the client that NewClient uses when
// the caller gives none.
const defaultTimeout = 30 * time.Second

// maxRedirects is the number of redirects followed when the caller's
// client has no CheckRedirect, as in net/http's default policy.
const maxRedirects = 10

// redirectError is returned by the redirect check for a redirect to
// another origin. It shows the origins only, never the path or query of
// the Location, which the server chose.
type redirectError struct {
	from, to string
	sentinel error // matched by Is
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("redirect from %s to %s rejected because it changes the scheme, host or port",
		e.from, e.to)
}

func (e *redirectError) Is(target error) bool { return target == e.sentinel }

// NewClient returns a shallow copy of base whose CheckRedirect rejects a
// redirect to another origin than that of the first request, with an
// error that matches errRedirect through [errors.Is]. If base is nil, it
// copies a client with a 30 second timeout and [http.DefaultTransport].
// The given client is never modified.
func NewClient(base *http.Client, errRedirect error) *http.Client {
	if base == nil {
		base = &http.Client{Timeout: defaultTimeout}
	}
	return withRedirectCheck(base, errRedirect)
}

// withRedirectCheck returns a shallow copy of base whose CheckRedirect
// rejects a redirect to another origin than that of the first request.
// On a redirect to another domain, net/http (Go 1.26) drops only
// Authorization, cookies and the other credential headers it recognizes,
// so it would send a header such as x-tenant-api-key along, and the
// body too for a 307 or 308. Other redirects go through base's CheckRedirect,
// or net/http's default limit of 10 when it has none.
func withRedirectCheck(base *http.Client, errRedirect error) *http.Client {
	client := *base
	next := base.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		from, to := origin(via[0].URL), origin(req.URL)
		if from != to {
			return &redirectError{from: from, to: to, sentinel: errRedirect}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &client
}

// origin returns u's scheme and host in lower case, with the scheme's
// default port when u has none, as in "https://example.com:443".
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = defaultPort(scheme)
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}
