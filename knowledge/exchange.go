package knowledge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
)

const tenantAPIKeyHeader = "x-tenant-api-key"

// exchange describes one login or refresh request.
type exchange struct {
	op      string // opLogin or opRefresh
	url     string
	body    any
	apiKey  string   // sent as x-tenant-api-key when not empty
	secrets []string // values to remove from error messages
}

// tokenResponse is the body of a 2xx login or refresh response.
// AccessToken is a pointer to tell a missing field from an empty one, and
// ExpirationDate is raw so that a value of the wrong type is ignored
// instead of failing the request.
type tokenResponse struct {
	AccessToken    *string         `json:"accessToken"`
	RefreshToken   string          `json:"refreshToken"`
	ExpirationDate json.RawMessage `json:"expirationDate"`
}

// post sends ex and decodes the tokens from the response.
func (c *Client) post(ctx context.Context, ex exchange) (session.Tokens, error) {
	req, err := c.newRequest(ctx, ex)
	if err != nil {
		return session.Tokens{}, err
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return session.Tokens{}, requestFailed(ex, err)
	}
	defer httpauth.DrainAndClose(resp.Body)

	body, readErr := httpauth.ReadBody(resp.Body, c.maxResponseBytes)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A truncated or partly read body still gives a message excerpt.
		return session.Tokens{}, newStatusError(ex, resp.StatusCode, body)
	}
	if errors.Is(readErr, httpauth.ErrBodyTooLarge) {
		reason := fmt.Sprintf("response body exceeds %d bytes", c.maxResponseBytes)
		return session.Tokens{}, &ResponseError{Op: ex.op, StatusCode: resp.StatusCode, Reason: reason}
	}
	if readErr != nil {
		return session.Tokens{}, fmt.Errorf("knowledge: %s failed: reading response body: %w", ex.op, readErr)
	}
	return decodeTokens(ex.op, resp.StatusCode, body)
}

func (c *Client) newRequest(ctx context.Context, ex exchange) (*http.Request, error) {
	payload, err := json.Marshal(ex.body)
	if err != nil {
		return nil, fmt.Errorf("knowledge: %s failed: encoding request body: %w", ex.op, err)
	}
	// A bytes.Reader body gives the request a GetBody, so that a same-host
	// 307 or 308 redirect can send the body again.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ex.url, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("knowledge: %s failed: %w", ex.op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if ex.apiKey != "" {
		req.Header.Set(tenantAPIKeyHeader, ex.apiKey)
	}
	return req, nil
}

// requestFailed wraps an error of [http.Client.Do] without the secrets
// of ex.
func requestFailed(ex exchange, err error) error {
	return fmt.Errorf("knowledge: %s failed: %w", ex.op, httpauth.ScrubRequestError(err, ex.secrets))
}

func newStatusError(ex exchange, code int, body []byte) *StatusError {
	return &StatusError{
		Op:         ex.op,
		StatusCode: code,
		Message:    httpauth.Excerpt(serverMessage(body), ex.secrets, maxMessageBytes),
	}
}

func decodeTokens(op string, code int, body []byte) (session.Tokens, error) {
	invalid := func(reason string) (session.Tokens, error) {
		return session.Tokens{}, &ResponseError{Op: op, StatusCode: code, Reason: reason}
	}
	var resp tokenResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return invalid(decodeFailure(body, err))
	}
	if resp.AccessToken == nil {
		return invalid("missing field accessToken")
	}
	if *resp.AccessToken == "" {
		return invalid("field accessToken is empty")
	}
	return session.Tokens{
		AccessToken:  *resp.AccessToken,
		RefreshToken: resp.RefreshToken,
		Expiry:       parseExpiry(resp.ExpirationDate),
	}, nil
}

// decodeFailure describes why the body could not be decoded, without
// quoting it.
func decodeFailure(body []byte, err error) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "body is empty"
	}
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return "body is not valid JSON"
	}
	// Value is "string", "number 5" and so on. Only the type is kept.
	kind, _, _ := strings.Cut(typeErr.Value, " ")
	if typeErr.Field == "" {
		return fmt.Sprintf("body is a JSON %s, not an object", kind)
	}
	return fmt.Sprintf("field %s is a JSON %s, not a string", typeErr.Field, kind)
}

// parseExpiry returns the time of a JSON string that [ParseExpirationDate]
// accepts, and the zero time for anything else.
func parseExpiry(raw json.RawMessage) time.Time {
	var date string
	if json.Unmarshal(raw, &date) != nil {
		return time.Time{}
	}
	t, err := ParseExpirationDate(date)
	if err != nil {
		return time.Time{}
	}
	return t
}
