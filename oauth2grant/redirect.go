package oauth2grant

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is the number of same-origin redirects followed when the
// caller's client has no CheckRedirect, as in net/http's default.
const maxRedirects = 10

// redirectError is returned by the redirect check for a redirect to
// another origin. It shows the origins only: the path and query of the
// Location were chosen by the server.
type redirectError struct {
	from, to string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("oauth2grant: redirect from %s to %s rejected because it changes the scheme, host or port",
		e.from, e.to)
}

func (e *redirectError) Is(target error) bool { return target == ErrRedirect }

// withRedirectCheck returns a shallow copy of base that rejects a
// redirect to another origin than that of tokenURL. Same-origin
// redirects go through base's CheckRedirect, or a limit of maxRedirects
// when it has none.
func withRedirectCheck(base *http.Client, tokenURL *url.URL) *http.Client {
	client := *base
	next := base.CheckRedirect
	want := origin(tokenURL)
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if got := origin(req.URL); got != want {
			return &redirectError{from: want, to: got}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("oauth2grant: stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &client
}

// origin returns u's scheme and host in lower case with an explicit
// port, as in "https://example.com:443".
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
