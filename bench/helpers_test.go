package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
	"golang.org/x/oauth2"
)

const (
	issuer = "https://api.example.com"
	apiURL = issuer + "/graph/v1/entities?limit=10"
)

// farExpiry is the exp claim of every benchmark token: far enough ahead
// that no token enters its refresh window during a run.
var farExpiry = time.Now().Add(365 * 24 * time.Hour)

// cannedTransport is a base transport that responds to every request
// with a copy of one 200 response and sends nothing. Each call allocates the
// copy, as a real transport allocates its response, so concurrent
// callers never share a response. Safe for concurrent use.
type cannedTransport struct {
	resp http.Response
}

func newCannedTransport() http.RoundTripper {
	return &cannedTransport{resp: http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       http.NoBody,
	}}
}

func (c *cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := new(http.Response)
	*resp = c.resp
	resp.Request = req
	return resp, nil
}

// newAccessToken returns a JWT for user extSub of tenant t1 that
// expires at farExpiry.
func newAccessToken(extSub string) string {
	return sessiontest.NewJWT(map[string]any{
		"tenant":  "t1",
		"roles":   []string{"User"},
		"exp":     farExpiry.Unix(),
		"iss":     issuer,
		"ext-sub": extSub,
	})
}

// newRefreshToken returns an opaque refresh token of 43 characters,
// the length of 32 random bytes in base64url.
func newRefreshToken(i int) string {
	return fmt.Sprintf("refresh-%035d", i)
}

// noAuth is an Authenticator for sessions whose tokens never need
// renewing during a benchmark. It fails every call, so a renewal that
// should not happen shows up as request errors.
type noAuth struct{}

func (noAuth) Login(context.Context, session.Credentials) (session.Tokens, error) {
	return session.Tokens{}, fmt.Errorf("bench: unexpected login")
}

func (noAuth) Refresh(context.Context, string) (session.Tokens, error) {
	return session.Tokens{}, fmt.Errorf("bench: unexpected refresh")
}

// newRequest returns a GET with the headers an SDK typically sets.
func newRequest(tb testing.TB, ctx context.Context) *http.Request {
	tb.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "example-sdk/1.0")
	return req
}

// transportCase is one transport in a side-by-side benchmark.
type transportCase struct {
	name string
	rt   http.RoundTripper
}

// newTransportCases returns the three transports compared on the fast
// path, in the order bare, oauth2, sessionkit, each over its own base
// from newBase and holding the same fresh token. The sessionkit
// transport is closed when tb ends.
func newTransportCases(tb testing.TB, newBase func() http.RoundTripper) []transportCase {
	tb.Helper()
	access := newAccessToken("user-1")
	cases := []transportCase{{"bare", newBase()}}

	// ReuseTokenSource never calls its source while the token is valid,
	// so a nil source is enough here.
	source := oauth2.ReuseTokenSource(&oauth2.Token{
		AccessToken: access,
		TokenType:   "Bearer",
		Expiry:      farExpiry,
	}, nil)
	cases = append(cases, transportCase{"oauth2", &oauth2.Transport{Source: source, Base: newBase()}})

	sess, err := session.NewRefreshable(session.Tokens{
		AccessToken:  access,
		RefreshToken: newRefreshToken(1),
	})
	if err != nil {
		tb.Fatal(err)
	}
	base := newBase()
	kit := transport.New(sess, noAuth{}, func(o *transport.Options) { o.Base = base })
	tb.Cleanup(func() { _ = kit.Close() })
	return append(cases, transportCase{"sessionkit", kit})
}

// roundTrip sends req through rt and returns an error unless the
// response is 200.
func roundTrip(rt http.RoundTripper, req *http.Request) error {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status = %d; want 200", resp.StatusCode)
	}
	return nil
}
