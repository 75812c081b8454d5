package httpauth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var errTestRedirect = errors.New("test: redirect rejected")

// startServer starts a loopback server that the test closes.
func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// redirectTo returns a handler that redirects every request to target.
func redirectTo(status int, target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	}
}

func mustParseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("url.Parse(%q) error: %v", raw, err)
	}
	return u
}

// get sends a GET to rawURL with client and returns the response status,
// or 0 and the error.
func get(t *testing.T, client *http.Client, rawURL string) (int, error) {
	t.Helper()
	resp, err := client.Get(rawURL)
	if err != nil {
		return 0, err
	}
	DrainAndClose(resp.Body)
	return resp.StatusCode, nil
}

func TestNewClientRejectsOtherOrigin(t *testing.T) {
	var reached atomic.Int32
	other := startServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		reached.Add(1)
	}))
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			first := startServer(t, redirectTo(status, other.URL+"/stolen?k=v"))
			client := NewClient(nil, errTestRedirect)

			_, err := get(t, client, first.URL)
			if !errors.Is(err, errTestRedirect) {
				t.Fatalf("error = %v; want errTestRedirect", err)
			}
			err = ScrubRequestError(err, nil)
			want := "redirect from " + origin(mustParseURL(t, first.URL)) +
				" to " + origin(mustParseURL(t, other.URL)) +
				" rejected because it changes the scheme, host or port"
			if err.Error() != want {
				t.Errorf("Error() = %q; want %q", err, want)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("other origin received %d requests; want 0", n)
	}
}

func TestNewClientFollowsSameOrigin(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/old", redirectTo(http.StatusTemporaryRedirect, "/new"))
	mux.Handle("/loop", redirectTo(http.StatusTemporaryRedirect, "/loop"))
	mux.HandleFunc("/new", func(http.ResponseWriter, *http.Request) {})
	srv := startServer(t, mux)
	client := NewClient(nil, errTestRedirect)

	status, err := get(t, client, srv.URL+"/old")
	if err != nil || status != http.StatusOK {
		t.Errorf("GET /old = %d, %v; want 200, nil", status, err)
	}

	_, err = get(t, client, srv.URL+"/loop")
	if err == nil || !strings.HasSuffix(err.Error(), "stopped after 10 redirects") {
		t.Errorf("GET /loop error = %v; want stopped after 10 redirects", err)
	}
	if errors.Is(err, errTestRedirect) {
		t.Error("errors.Is(loop error, errTestRedirect) = true; want false")
	}
}

func TestNewClientUsesCallerCheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/old", redirectTo(http.StatusTemporaryRedirect, "/new"))
	srv := startServer(t, mux)
	calls := 0
	caller := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error {
			calls++
			return http.ErrUseLastResponse
		},
	}

	status, err := get(t, NewClient(caller, errTestRedirect), srv.URL+"/old")
	if err != nil || status != http.StatusTemporaryRedirect {
		t.Errorf("GET /old = %d, %v; want 307, nil", status, err)
	}
	if calls != 1 {
		t.Errorf("caller's CheckRedirect ran %d times; want 1", calls)
	}
}

func TestNewClientCopiesBase(t *testing.T) {
	caller := &http.Client{Timeout: 5 * time.Second}
	tests := []struct {
		name        string
		base        *http.Client
		wantTimeout time.Duration
	}{
		{"nil", nil, 30 * time.Second},
		{"caller's client", caller, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := NewClient(tt.base, errTestRedirect)
			if client == tt.base {
				t.Error("NewClient returned the base client; want a copy")
			}
			if client.Timeout != tt.wantTimeout {
				t.Errorf("Timeout = %v; want %v", client.Timeout, tt.wantTimeout)
			}
			if client.CheckRedirect == nil {
				t.Error("CheckRedirect = nil; want the redirect check")
			}
		})
	}
	if caller.CheckRedirect != nil {
		t.Error("NewClient set CheckRedirect on the caller's client")
	}
}

func TestOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"http://127.0.0.1/x", "http://127.0.0.1:80/y", true},
		{"https://Example.com/x", "https://example.com:443/y", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8081/", false},
		{"http://127.0.0.1/", "http://localhost/", false},
		{"https://example.com/", "http://example.com/", false},
		{"http://example.com:443/", "https://example.com/", false},
		{"http://[::1]:80/", "http://[::1]/", true},
	}
	for _, tt := range tests {
		a, b := mustParseURL(t, tt.a), mustParseURL(t, tt.b)
		if same := origin(a) == origin(b); same != tt.same {
			t.Errorf("origin(%q) == origin(%q) is %v; want %v (%q, %q)",
				tt.a, tt.b, same, tt.same, origin(a), origin(b))
		}
	}
}
