// Package sdk is a tiny client SDK for an API behind the knowledge
// service's login, as a team would build it on sessionkit. It shows two
// things: how an SDK hides the session from its users, and, in its
// example test, how such an SDK tests itself without a network with
// httpmock and sessiontest.NewMock.
//
// The SDK calls the paths that the fake service of package sessiontest
// serves below its protected endpoint, /api/v1/protected.
package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

// itemsPath is the API path of the items.
const itemsPath = "/api/v1/protected/items/"

// Config configures [Dial]. String, GoString and Format never show the
// API key.
type Config struct {
	// ServiceURL is the base URL of both the auth and the API endpoints.
	ServiceURL string
	// TenantAPIKey and UserID log the user in.
	TenantAPIKey string
	UserID       string
	// Transport sends every request: logins, refreshes and API calls.
	// If nil, [http.DefaultTransport] is used. Tests set an
	// httpmock.MockTransport here.
	Transport http.RoundTripper
}

// String describes the configuration with the API key redacted.
func (c Config) String() string {
	return fmt.Sprintf("sdk.Config{ServiceURL: %q, UserID: %q, TenantAPIKey: [REDACTED]}", c.ServiceURL, c.UserID)
}

// GoString returns the same text as String.
func (c Config) GoString() string { return c.String() }

// Format writes String for every verb.
func (c Config) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Client calls the API as one logged-in user. Safe for concurrent use.
type Client struct {
	baseURL string
	rt      *transport.RoundTripper
	http    *http.Client
}

// Item is the API's description of an item request: the user, tenant
// and method that the server saw.
type Item struct {
	UserID string `json:"externalUserId"`
	Tenant string `json:"tenant"`
	Method string `json:"method"`
}

// Dial logs the user in and returns a client whose session is renewed
// as it expires. The caller must call [Client.Close] when done.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	auth, err := knowledge.NewClient(cfg.ServiceURL, func(o *knowledge.Options) {
		o.HTTPClient = &http.Client{Transport: base}
		o.UserAgent = "example-sdk/1.0"
	})
	if err != nil {
		return nil, fmt.Errorf("sdk: %w", err)
	}
	creds := session.Credentials{TenantAPIKey: cfg.TenantAPIKey, ExternalUserID: cfg.UserID}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		return nil, fmt.Errorf("sdk: %w", err)
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		return nil, fmt.Errorf("sdk: %w", err)
	}
	rt := transport.New(s, auth, func(o *transport.Options) { o.Base = base })
	return &Client{
		baseURL: strings.TrimSuffix(cfg.ServiceURL, "/"),
		rt:      rt,
		http:    &http.Client{Transport: rt},
	}, nil
}

// Item fetches the item with the given name.
func (c *Client) Item(ctx context.Context, name string) (Item, error) {
	if name == "" {
		return Item{}, errors.New("sdk: item name is empty")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+itemsPath+url.PathEscape(name), nil)
	if err != nil {
		return Item{}, fmt.Errorf("sdk: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Item{}, fmt.Errorf("sdk: fetching item %q: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Item{}, fmt.Errorf("sdk: fetching item %q: status %s", name, resp.Status)
	}
	var item Item
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&item); err != nil {
		return Item{}, fmt.Errorf("sdk: decoding item %q: %w", name, err)
	}
	return item, nil
}

// Renewals returns how many times the session was refreshed or logged
// in again since Dial.
func (c *Client) Renewals() int64 {
	st := c.rt.Stats()
	return st.Refreshes + st.Logins
}

// Close stops the session's renewals.
func (c *Client) Close() error { return c.rt.Close() }
