package oauth2grant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCrossOriginRedirectRejected(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
	}))
	defer other.Close()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/steal?rt="+testRefresh, status)
			}))
			defer origin.Close()
			_, err := newTestClient(t, origin.URL).Refresh(context.Background(), testRefresh)
			if !errors.Is(err, ErrRedirect) {
				t.Errorf("error = %v; want ErrRedirect", err)
			}
			if err != nil && strings.Contains(err.Error(), testRefresh) {
				t.Errorf("error shows the refresh token: %v", err)
			}
			wantPrefix := "oauth2grant: refresh_token grant failed: redirect from http://127.0.0.1:"
			if err != nil && !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("error = %q; want it to start with %q", err, wantPrefix)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("other origin received %d requests; want 0", n)
	}
}

func TestSameOriginRedirectFollowed(t *testing.T) {
	var form string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/token", http.StatusTemporaryRedirect)
			return
		}
		body, _ := io.ReadAll(r.Body)
		form = string(body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, okBody)
	}))
	defer srv.Close()
	tokens, err := newTestClient(t, srv.URL+"/old").Refresh(context.Background(), testRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if tokens.AccessToken != "at-1" {
		t.Errorf("AccessToken = %q; want at-1", tokens.AccessToken)
	}
	if !strings.Contains(form, "refresh_token="+testRefresh) {
		t.Errorf("redirected request body = %q; want the form sent again", form)
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	opts := Options{ClientID: testClientID, ClientSecret: testClientSecret}
	c := newTestClient(t, "https://auth.example.com/token")
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		fmt.Fprintf(&out, verb+"\n", opts)
		fmt.Fprintf(&out, verb+"\n", &opts)
		fmt.Fprintf(&out, verb+"\n", c)
	}
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	logger.Info("client", "client", c, "options", opts)
	if strings.Contains(out.String(), testClientSecret) {
		t.Errorf("output shows the client secret:\n%s", out.String())
	}
	if !strings.Contains(out.String(), testClientID) {
		t.Errorf("output lacks the client id:\n%s", out.String())
	}
}

func TestTransportErrorScrubbed(t *testing.T) {
	// A server that closes the connection after a same-origin redirect
	// whose Location carries the refresh token.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			http.Redirect(w, r, "/next?echo="+testRefresh, http.StatusTemporaryRedirect)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("response writer cannot hijack")
			return
		}
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL+"/token").Refresh(context.Background(), testRefresh)
	if err == nil {
		t.Fatal("Refresh succeeded; want a connection error")
	}
	if strings.Contains(err.Error(), testRefresh) {
		t.Errorf("error shows the refresh token: %v", err)
	}
}

func TestMalformedLocationScrubbed(t *testing.T) {
	// net/http quotes a Location it cannot parse in the error it returns.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/%zz/"+testRefresh)
		w.WriteHeader(http.StatusFound)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL+"/token").Refresh(context.Background(), testRefresh)
	if err == nil {
		t.Fatal("Refresh succeeded; want a redirect error")
	}
	if strings.Contains(err.Error(), testRefresh) {
		t.Errorf("error shows the refresh token: %v", err)
	}
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("error = %v; want a *url.Error in its chain", err)
	}
	if strings.Contains(urlErr.Error(), testRefresh) {
		t.Errorf("url.Error shows the refresh token: %v", urlErr)
	}
}
