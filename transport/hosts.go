package transport

import (
	"net/http"
	"strings"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
)

// hostPolicy decides which requests receive a bearer token.
type hostPolicy struct {
	exact         map[string]bool // lowercase host names
	suffixes      []string        // ".example.com" for "*.example.com"
	allowInsecure bool
}

func newHostPolicy(o Options) hostPolicy {
	p := hostPolicy{exact: map[string]bool{}, allowInsecure: o.AllowInsecureHTTP}
	for _, h := range o.AllowedHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			p.suffixes = append(p.suffixes, "."+rest)
		} else if h != "" {
			p.exact[h] = true
		}
	}
	return p
}

func (p hostPolicy) allows(host string, s *session.Session) bool {
	host = strings.ToLower(host)
	if host == s.ServiceHost() || p.exact[host] {
		return true
	}
	for _, suffix := range p.suffixes {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

// attach reports whether req may carry the token of s. The token goes
// only to allowed hosts, and once a redirect chain has left them or
// dropped from https to http it stays off for the rest of the chain.
// A request that would carry the token over plain http to a host other
// than loopback returns [ErrInsecureScheme] unless that is allowed.
func (p hostPolicy) attach(req *http.Request, s *session.Session) (bool, error) {
	host := req.URL.Hostname()
	if !p.allows(host, s) {
		return false, nil
	}
	for prev := req.Response; prev != nil && prev.Request != nil; prev = prev.Request.Response {
		via := prev.Request.URL
		if !p.allows(via.Hostname(), s) {
			return false, nil
		}
		if via.Scheme == "https" && req.URL.Scheme != "https" {
			return false, nil
		}
	}
	if req.URL.Scheme != "https" && !p.allowInsecure && !httpauth.IsLoopback(host) {
		return false, ErrInsecureScheme
	}
	return true, nil
}
