package oauth2grant

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
)

// now is the clock of this package; tests replace it.
var now = time.Now

// grant is one token request.
type grant struct {
	name    string     // the grant_type value
	fields  url.Values // fields besides grant_type, scope and client authentication
	secrets []string   // values of fields to remove from error messages
}

// exchange sends g to the token endpoint and decodes the tokens of the
// response.
func (c *Client) exchange(ctx context.Context, g grant) (session.Tokens, error) {
	g.secrets = append(g.secrets, c.opts.ClientSecret)
	if c.opts.ClientSecret != "" {
		g.secrets = append(g.secrets, basicCredentials(c.opts.ClientID, c.opts.ClientSecret))
	}
	req, err := c.newRequest(ctx, g)
	if err != nil {
		return session.Tokens{}, err
	}
	start := now()
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return session.Tokens{}, requestFailed(g, err)
	}
	defer httpauth.DrainAndClose(resp.Body)

	body, readErr := httpauth.ReadBody(resp.Body, c.maxResponseBytes)
	media := mediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A truncated body still gives a description.
		return session.Tokens{}, newError(g, resp.StatusCode, media, body)
	}
	if errors.Is(readErr, httpauth.ErrBodyTooLarge) {
		reason := fmt.Sprintf("body exceeds %d bytes", c.maxResponseBytes)
		return session.Tokens{}, &ResponseError{Grant: g.name, StatusCode: resp.StatusCode, Reason: reason}
	}
	if readErr != nil {
		return session.Tokens{}, fmt.Errorf("oauth2grant: %s grant failed: reading response body: %w", g.name, readErr)
	}
	return decodeTokens(g, resp.StatusCode, media, body, start)
}

// newRequest builds the form POST of g with the client authentication.
// A public client, which has no secret, sends its id as a form field.
func (c *Client) newRequest(ctx context.Context, g grant) (*http.Request, error) {
	form := url.Values{"grant_type": {g.name}}
	for k, v := range g.fields {
		form[k] = v
	}
	if c.scope != "" {
		form.Set("scope", c.scope)
	}
	basic := c.opts.ClientSecret != "" && c.opts.AuthStyle == AuthBasic
	if !basic && c.opts.ClientID != "" {
		form.Set("client_id", c.opts.ClientID)
	}
	if !basic && c.opts.ClientSecret != "" {
		form.Set("client_secret", c.opts.ClientSecret)
	}
	// A strings.Reader body gives the request a GetBody, so that a
	// same-origin 307 or 308 redirect can send the body again.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("oauth2grant: %s grant failed: %w", g.name, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	if basic {
		req.Header.Set("Authorization", "Basic "+basicCredentials(c.opts.ClientID, c.opts.ClientSecret))
	}
	return req, nil
}

// requestFailed wraps an error of [http.Client.Do] without the secrets
// of g.
func requestFailed(g grant, err error) error {
	return fmt.Errorf("oauth2grant: %s grant failed: %w", g.name, httpauth.ScrubRequestError(err, g.secrets))
}

// mediaType returns the lowercase media type of a Content-Type header,
// or "" when it has none or cannot be parsed.
func mediaType(contentType string) string {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(media)
}
