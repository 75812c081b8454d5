package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
)

func ExampleClient_Login() {
	// A stand-in for the knowledge service.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"accessToken": "a.b.c", "refreshToken": "r1",
			"expirationDate": "2030-01-09T11:00:00.0000000+01:00"}`)
	}))
	defer srv.Close()

	client, err := knowledge.NewClient(srv.URL, func(o *knowledge.Options) {
		o.UserAgent = "example/1.0"
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	creds := session.Credentials{TenantAPIKey: "tenant-key", ExternalUserID: "user-1"}
	tokens, err := client.Login(context.Background(), creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tokens.Expiry)
	// Output:
	// 2030-01-09 10:00:00 +0000 UTC
}

func ExampleClient_Refresh() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"message": "refresh token revoked"}`)
	}))
	defer srv.Close()

	client, err := knowledge.NewClient(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.Refresh(context.Background(), "old-refresh-token")
	fmt.Println(err)
	fmt.Println(errors.Is(err, knowledge.ErrUnauthorized))
	// Output:
	// knowledge: refresh failed: 401 Unauthorized: refresh token revoked
	// true
}
