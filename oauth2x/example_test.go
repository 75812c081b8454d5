package oauth2x_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/oauth2x"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// Code written for x/oauth2 uses a sessionkit session through
// oauth2.NewClient.
func ExampleTokenSource() {
	fake := sessiontest.NewServer() // a stand-in for the knowledge service
	defer fake.Close()
	issued := fake.Issue("user-1")
	s, err := session.NewRefreshable(session.Tokens{AccessToken: issued.AccessToken, RefreshToken: issued.RefreshToken})
	if err != nil {
		fmt.Println(err)
		return
	}
	auth, err := knowledge.NewClient(fake.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	refresher := transport.NewRefresher(auth)
	defer refresher.Close()

	client := oauth2.NewClient(context.Background(), oauth2x.TokenSource(s, refresher))
	resp, err := client.Get(fake.URL() + sessiontest.APIPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}

// A client credentials token source of x/oauth2 feeds a sessionkit
// RoundTripper.
func ExampleNewTransport() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token": "service-token", "token_type": "Bearer", "expires_in": 3600}`)
	})
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer service-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "up")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := clientcredentials.Config{ClientID: "my-app", ClientSecret: "my-app-secret", TokenURL: srv.URL + "/token"}
	rt, err := oauth2x.NewTransport(context.Background(), cfg.TokenSource(context.Background()), srv.URL, "my-app")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close()

	resp, err := (&http.Client{Transport: rt}).Get(srv.URL + "/api/status")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 up
}
