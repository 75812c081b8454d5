package transport_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/transport"
)

// A client logs a permanent session in once and sends every request
// through a RoundTripper that keeps the session's token fresh.
func ExampleNew() {
	fake := sessiontest.NewServer() // a fake of the knowledge service
	defer fake.Close()

	auth, err := knowledge.NewClient(fake.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	creds := session.Credentials{TenantAPIKey: sessiontest.DefaultTenantAPIKey, ExternalUserID: "user-1"}
	tokens, err := auth.Login(context.Background(), creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := transport.New(s, auth)
	defer rt.Close()
	client := &http.Client{Transport: rt}

	fake.RevokeAllAccessTokens() // the next request gets a 401 and is retried
	resp, err := client.Get(fake.URL() + sessiontest.APIPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	stats := rt.Stats()
	fmt.Println(resp.Status, "refreshes:", stats.Refreshes, "retries:", stats.Retries)
	// Output: 200 OK refreshes: 1 retries: 1
}

// A server acting for many users keeps their sessions in a Manager and
// names the session of each request in its context.
func ExampleWithSessionID() {
	fake := sessiontest.NewServer()
	defer fake.Close()
	auth, err := knowledge.NewClient(fake.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	var m session.Manager
	for _, user := range []string{"alice", "bob"} {
		issued := fake.Issue(user)
		tokens := session.Tokens{AccessToken: issued.AccessToken, RefreshToken: issued.RefreshToken}
		if _, err := m.Add(tokens, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	rt := transport.NewManaged(&m, auth)
	defer rt.Close()
	client := &http.Client{Transport: rt}

	id := session.ID(fake.URL(), sessiontest.DefaultTenant, "bob")
	ctx := transport.WithSessionID(context.Background(), id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fake.URL()+sessiontest.APIPath, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, m.Count())
	// Output: 200 OK 2
}
