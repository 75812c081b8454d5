package sessiontest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/jarcoal/httpmock"
)

// ErrConnectionDropped is the error that the responders of a [Server]
// return for a request that [Server.DropNext] drops. An [http.Client]
// wraps it in a *url.Error, so test it with [errors.Is].
var ErrConnectionDropped = errors.New("sessiontest: connection dropped")

// ErrServerClosed is the error that the responders of a [Server] return
// after [Server.Close], as a closed network server refuses connections.
var ErrServerClosed = errors.New("sessiontest: server closed")

// mockMethods are the methods that RegisterResponders registers each
// route for. httpmock matches on the method, so other methods find no
// responder.
var mockMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// NewMock returns a Server that serves through mt instead of the network.
// Its responders serve the endpoints below baseURL, and baseURL is the
// iss claim of its access tokens. After [Server.Close] the responders
// return [ErrServerClosed].
//
//	mt := httpmock.NewMockTransport()
//	fake := sessiontest.NewMock(mt, "https://kg.example.com")
//	client := &http.Client{Transport: mt}
func NewMock(mt *httpmock.MockTransport, baseURL string, opts ...func(*Options)) *Server {
	s := newServer(opts)
	s.url = strings.TrimRight(baseURL, "/")
	s.client = &http.Client{Transport: mt}
	s.RegisterResponders(mt, s.url)
	return s
}

// RegisterResponders registers [Server.Responder] on mt for the login,
// refresh and protected endpoints below baseURL, with the methods GET,
// HEAD, POST, PUT, PATCH, DELETE and OPTIONS. The tokens keep s.URL() as
// their iss claim, so a test can serve the auth and API endpoints under
// different base URLs from one Server.
func (s *Server) RegisterResponders(mt *httpmock.MockTransport, baseURL string) {
	responder := s.Responder()
	for _, method := range mockMethods {
		for _, route := range mockRoutes(strings.TrimRight(baseURL, "/")) {
			mt.RegisterResponder(method, route, responder)
		}
	}
}

// mockRoutes returns the httpmock URLs of the three endpoints. The
// protected one is a regular expression, prefixed "=~" as httpmock
// expects, that matches APIPath and every path below it.
func mockRoutes(baseURL string) []string {
	api := "=~^" + regexp.QuoteMeta(baseURL+APIPath) + `(?:/[^?#]*)?$`
	return []string{baseURL + LoginPath, baseURL + RefreshPath, api}
}

// Responder returns an [httpmock.Responder] that runs [Server.ServeHTTP]
// against an [httptest.ResponseRecorder]. It returns the recorded
// response, the context's error if the request's context ended,
// [ErrConnectionDropped] for a dropped request, or [ErrServerClosed] after
// [Server.Close]. It closes the request body, as an [http.RoundTripper]
// must, and leaves the request otherwise unchanged.
func (s *Server) Responder() httpmock.Responder {
	return func(req *http.Request) (resp *http.Response, err error) {
		if req.Body != nil {
			defer req.Body.Close()
		}
		if s.closed.Load() {
			return nil, ErrServerClosed
		}
		defer func() {
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler {
					panic(v)
				}
				resp, err = nil, ErrConnectionDropped
			}
		}()
		recorder := httptest.NewRecorder()
		s.ServeHTTP(recorder, asServerRequest(req))
		if err := req.Context().Err(); err != nil {
			// The handler sends nothing once the client has gone away.
			return nil, err
		}
		resp = recorder.Result()
		resp.Request = req
		return resp, nil
	}
}

// asServerRequest returns a copy of req that ServeHTTP may change, as it
// replaces the body. A nil body becomes [http.NoBody], as on a server.
func asServerRequest(req *http.Request) *http.Request {
	out := req.Clone(req.Context())
	if out.Body == nil {
		out.Body = http.NoBody
	}
	return out
}
