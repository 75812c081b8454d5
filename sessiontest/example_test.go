package sessiontest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jarcoal/httpmock"

	"github.com/sessionkit/sessionkit/sessiontest"
)

// A test logs in through an httpmock transport, without a network server.
func ExampleNewMock() {
	mt := httpmock.NewMockTransport()
	fake := sessiontest.NewMock(mt, "https://kg.example.com")
	defer fake.Close()
	client := &http.Client{Transport: mt}

	req, _ := http.NewRequest(http.MethodPost, "https://kg.example.com"+sessiontest.LoginPath,
		strings.NewReader(`{"ExternalUserId": "user-1"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-tenant-api-key", sessiontest.DefaultTenantAPIKey)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, fake.Stats().Logins)
	// Output: 200 1
}

// A test makes the next refresh fail with 503 to check the client's
// fallback.
func ExampleServer_FailNext() {
	fake := sessiontest.NewServer()
	defer fake.Close()
	tokens := fake.Issue("user-1")
	fake.FailNext(sessiontest.Refresh, 1, http.StatusServiceUnavailable)

	body := strings.NewReader(`{"refreshToken": "` + tokens.RefreshToken + `"}`)
	resp, err := fake.Client().Post(fake.URL()+sessiontest.RefreshPath, "application/json", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, fake.Stats().InjectedFailures)
	// Output: 503 1
}
