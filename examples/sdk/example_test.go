package sdk_test

import (
	"context"
	"fmt"

	"github.com/jarcoal/httpmock"

	"github.com/sessionkit/sessionkit/examples/sdk"
	"github.com/sessionkit/sessionkit/sessiontest"
)

// The SDK's own tests run the fake service through an httpmock
// transport: no network, no port, and the same login, refresh and
// protected endpoints as the real service.
func Example() {
	mt := httpmock.NewMockTransport()
	fake := sessiontest.NewMock(mt, "https://kg.example.com")
	defer fake.Close()

	client, err := sdk.Dial(context.Background(), sdk.Config{
		ServiceURL:   "https://kg.example.com",
		TenantAPIKey: sessiontest.DefaultTenantAPIKey,
		UserID:       "user-1",
		Transport:    mt,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	item, err := client.Item(context.Background(), "pen")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(item.UserID, item.Tenant, item.Method)
	fmt.Println("logins:", fake.Stats().Logins)
	// Output:
	// user-1 tenant-1 GET
	// logins: 1
}

// A test revokes the session's access token on the fake service to
// check that the SDK recovers: the RoundTripper refreshes the token and
// sends the request again.
func Example_revokedToken() {
	mt := httpmock.NewMockTransport()
	fake := sessiontest.NewMock(mt, "https://kg.example.com")
	defer fake.Close()
	client, err := sdk.Dial(context.Background(), sdk.Config{
		ServiceURL:   "https://kg.example.com",
		TenantAPIKey: sessiontest.DefaultTenantAPIKey,
		UserID:       "user-1",
		Transport:    mt,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	fake.RevokeAllAccessTokens()
	if _, err := client.Item(context.Background(), "pen"); err != nil {
		fmt.Println(err)
		return
	}
	stats := fake.Stats()
	fmt.Println("unauthorized:", stats.APIUnauthorized, "refreshes:", stats.Refreshes, "renewals:", client.Renewals())
	// Output: unauthorized: 1 refreshes: 1 renewals: 1
}
