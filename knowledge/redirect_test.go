package knowledge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// redirectTo returns a handler that redirects every request to target
// with the given status.
func redirectTo(status int, target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	}
}

func TestCrossOriginRedirectRejected(t *testing.T) {
	var otherRec recorder
	other := startServer(t, otherRec.handler(respond(http.StatusOK, okBody)))
	_, otherPort, err := net.SplitHostPort(other.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	// Each target is built from the request to the first server.
	targets := map[string]func(r *http.Request) string{
		"other hostname": func(*http.Request) string {
			return "http://localhost:" + otherPort + "/stolen"
		},
		"other port": func(*http.Request) string {
			return other.URL + "/stolen"
		},
		"other scheme": func(r *http.Request) string {
			return "https://" + r.Host + "/stolen"
		},
	}
	for name, target := range targets {
		for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(fmt.Sprintf("%s %d", name, status), func(t *testing.T) {
				first := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					redirectTo(status, target(r))(w, r)
				}))
				c := newTestClient(t, first.URL)

				_, loginErr := c.Login(context.Background(), testCreds)
				_, refreshErr := c.Refresh(context.Background(), testRefreshToken)

				for op, err := range map[string]error{"login": loginErr, "refresh": refreshErr} {
					if !errors.Is(err, ErrRedirect) {
						t.Errorf("%s error = %v; want ErrRedirect", op, err)
						continue
					}
					if !strings.HasPrefix(err.Error(), "knowledge: "+op+" failed: redirect from http://127.0.0.1:") {
						t.Errorf("%s Error() = %q; want it to name the origins", op, err)
					}
					if strings.Contains(err.Error(), "stolen") {
						t.Errorf("%s Error() = %q contains the Location path", op, err)
					}
				}
				for _, req := range otherRec.all() {
					t.Errorf("other server received %s %s with x-tenant-api-key %q and body %q; want no request",
						req.Method, req.Path, req.Header.Get(tenantAPIKeyHeader), req.Body)
				}
			})
		}
	}
}

func TestSameHostRedirectFollowed(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var rec recorder
			mux := http.NewServeMux()
			mux.Handle("/graph/v1/user/", redirectTo(status, "/moved/"))
			mux.Handle("/moved/", rec.handler(respond(http.StatusOK, okBody)))
			srv := startServer(t, mux)
			c := newTestClient(t, srv.URL)

			if _, err := c.Login(context.Background(), testCreds); err != nil {
				t.Fatalf("Login error: %v", err)
			}
			if _, err := c.Refresh(context.Background(), testRefreshToken); err != nil {
				t.Fatalf("Refresh error: %v", err)
			}

			requests := rec.all()
			if len(requests) != 2 {
				t.Fatalf("redirect target received %d requests; want 2", len(requests))
			}
			login, refresh := requests[0], requests[1]
			if login.Method != http.MethodPost || refresh.Method != http.MethodPost {
				t.Errorf("methods = %s, %s; want POST, POST", login.Method, refresh.Method)
			}
			if got := login.Header.Get(tenantAPIKeyHeader); got != testAPIKey {
				t.Errorf("login x-tenant-api-key = %q; want %q", got, testAPIKey)
			}
			wantLogin := map[string]any{"ExternalUserId": testUserID}
			if body := decodeJSON(t, login.Body); !reflect.DeepEqual(body, wantLogin) {
				t.Errorf("login body = %v; want %v", body, wantLogin)
			}
			wantRefresh := map[string]any{"refreshToken": testRefreshToken}
			if body := decodeJSON(t, refresh.Body); !reflect.DeepEqual(body, wantRefresh) {
				t.Errorf("refresh body = %v; want %v", body, wantRefresh)
			}
		})
	}
}

func TestRedirectUsesCallerCheck(t *testing.T) {
	srv := startServer(t, redirectTo(http.StatusTemporaryRedirect, "/moved"))
	calls := 0
	caller := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error {
			calls++
			return http.ErrUseLastResponse
		},
	}
	c := newTestClient(t, srv.URL, func(o *Options) { o.HTTPClient = caller })

	_, err := c.Login(context.Background(), testCreds)
	if calls != 1 {
		t.Errorf("caller's CheckRedirect ran %d times; want 1", calls)
	}
	var statusErr *StatusError
	if !errors.As(err, &statusErr) || statusErr.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("Login error = %v; want a 307 *StatusError", err)
	}
}

func TestRedirectLoopStops(t *testing.T) {
	srv := startServer(t, redirectTo(http.StatusTemporaryRedirect, "/graph/v1/user/login"))
	c := newTestClient(t, srv.URL)

	_, err := c.Login(context.Background(), testCreds)
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("Login error = %v; want stopped after 10 redirects", err)
	}
	if errors.Is(err, ErrRedirect) {
		t.Error("errors.Is(err, ErrRedirect) = true for a same-host loop; want false")
	}
}
