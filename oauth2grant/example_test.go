package oauth2grant_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit/oauth2grant"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

func ExampleClient_Refresh() {
	// A stand-in for the token endpoint of an OAuth 2.0 server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token": "2YotnFZFEjr1zCsicMWpAA", "token_type": "Bearer",
			"expires_in": 3600, "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA"}`)
	}))
	defer srv.Close()

	client, err := oauth2grant.New(srv.URL+"/oauth/token", func(o *oauth2grant.Options) {
		o.ClientID = "my-app"
		o.ClientSecret = "my-app-secret"
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Now()
	tokens, err := client.Refresh(context.Background(), "old-refresh-token")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rotated:", tokens.RefreshToken != "")
	fmt.Println("lifetime:", tokens.Expiry.Sub(start).Round(time.Minute))
	// Output:
	// rotated: true
	// lifetime: 1h0m0s
}

// A revoked refresh token is an *Error that matches ErrInvalidGrant.
func ExampleError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error": "invalid_grant", "error_description": "refresh token revoked"}`)
	}))
	defer srv.Close()

	client, err := oauth2grant.New(srv.URL + "/oauth/token")
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.Refresh(context.Background(), "revoked-refresh-token")
	fmt.Println(err)
	fmt.Println(errors.Is(err, oauth2grant.ErrInvalidGrant))
	// Output:
	// oauth2grant: refresh_token grant failed: 400 Bad Request: invalid_grant: refresh token revoked
	// true
}

// A session with an opaque access token, kept alive by a RoundTripper
// that renews it through the token endpoint.
func Example_roundTripper() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token": "fresh", "token_type": "Bearer", "expires_in": 600}`)
	})
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fresh" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "items")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client, err := oauth2grant.New(srv.URL+"/oauth/token", func(o *oauth2grant.Options) {
		o.ClientID = "my-app"
		o.ClientSecret = "my-app-secret"
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Tokens from an earlier grant; the access token has expired.
	tokens := session.Tokens{AccessToken: "stale", RefreshToken: "r1", Expiry: time.Now().Add(-time.Minute)}
	sess, err := session.NewOpaque(srv.URL, "user-1", tokens, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := transport.New(sess, client)
	defer rt.Close()

	resp, err := (&http.Client{Transport: rt}).Get(srv.URL + "/api/items")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body), rt.Stats().Refreshes)
	// Output: 200 items 1
}
