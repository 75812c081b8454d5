package oauth2grant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/internal/httpauth"
	"github.com/sessionkit/sessionkit/session"
)

// maxExpiresIn caps expires_in, so that a huge value cannot overflow a
// [time.Duration]. A token that lives longer is renewed after ten years.
const maxExpiresIn = 10 * 365 * 24 * time.Hour

// fields are the fields of a token response (RFC 6749 section 5.1) or
// an error response (section 5.2), from a JSON or a form body. Each is
// "" when absent.
type fields struct {
	accessToken      string
	hasAccessToken   bool
	tokenType        string
	refreshToken     string
	expiresIn        string // a number as text
	errorCode        string
	errorDescription string
	errorURI         string
}

// jsonFields is the JSON form of fields. Each value is raw, so that a
// value of an unexpected type is reported by name.
type jsonFields struct {
	AccessToken      json.RawMessage `json:"access_token"`
	TokenType        json.RawMessage `json:"token_type"`
	RefreshToken     json.RawMessage `json:"refresh_token"`
	ExpiresIn        json.RawMessage `json:"expires_in"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription json.RawMessage `json:"error_description"`
	ErrorURI         json.RawMessage `json:"error_uri"`
}

// parseFields decodes body as a form when its media type is a form or
// text/plain and the body does not start like a JSON object, because
// some servers label JSON as text/plain. Any other body is decoded as
// JSON. The reason it returns for a body it cannot decode never quotes
// the body.
func parseFields(media string, body []byte) (fields, string) {
	trimmed := bytes.TrimSpace(body)
	isForm := media == "application/x-www-form-urlencoded" || media == "text/plain"
	if isForm && !bytes.HasPrefix(trimmed, []byte("{")) {
		return formFields(trimmed)
	}
	if len(trimmed) == 0 {
		return fields{}, "body is empty"
	}
	var raw jsonFields
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return fields{}, "body is not a JSON object"
	}
	return raw.fields()
}

func formFields(body []byte) (fields, string) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return fields{}, "form body cannot be parsed"
	}
	return fields{
		accessToken:      values.Get("access_token"),
		hasAccessToken:   values.Has("access_token"),
		tokenType:        values.Get("token_type"),
		refreshToken:     values.Get("refresh_token"),
		expiresIn:        values.Get("expires_in"),
		errorCode:        values.Get("error"),
		errorDescription: values.Get("error_description"),
		errorURI:         values.Get("error_uri"),
	}, ""
}

// fields converts the raw values. A token field that is not a string
// makes the response unusable. expires_in may be a number or a string,
// and the error fields are read when they are strings.
func (raw jsonFields) fields() (fields, string) {
	var f fields
	var ok bool
	if f.accessToken, ok = jsonString(raw.AccessToken); !ok {
		return f, "field access_token is " + jsonKind(raw.AccessToken) + ", not a string"
	}
	f.hasAccessToken = len(raw.AccessToken) > 0 && string(raw.AccessToken) != "null"
	if f.refreshToken, ok = jsonString(raw.RefreshToken); !ok {
		return f, "field refresh_token is " + jsonKind(raw.RefreshToken) + ", not a string"
	}
	if f.tokenType, ok = jsonString(raw.TokenType); !ok {
		return f, "field token_type is " + jsonKind(raw.TokenType) + ", not a string"
	}
	f.expiresIn, ok = jsonString(raw.ExpiresIn)
	if !ok && jsonKind(raw.ExpiresIn) == "a JSON number" {
		f.expiresIn = string(raw.ExpiresIn)
	}
	f.errorCode, _ = jsonString(raw.Error)
	f.errorDescription, _ = jsonString(raw.ErrorDescription)
	f.errorURI, _ = jsonString(raw.ErrorURI)
	return f, ""
}

// jsonString returns the value of a JSON string, and "" for an absent
// value or null. It returns false for a value of another type.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonKind names the type of a JSON value without quoting it.
func jsonKind(raw json.RawMessage) string {
	switch {
	case len(raw) == 0:
		return "missing"
	case raw[0] == '{':
		return "a JSON object"
	case raw[0] == '[':
		return "a JSON array"
	case raw[0] == '"':
		return "a JSON string"
	case raw[0] == 't' || raw[0] == 'f':
		return "a JSON boolean"
	case raw[0] == 'n':
		return "null"
	}
	return "a JSON number"
}

// decodeTokens returns the tokens of a 2xx response. A body with an
// error field and no access token is an [*Error], as some servers
// respond 200 to a failed grant.
func decodeTokens(g grant, status int, media string, body []byte, start time.Time) (session.Tokens, error) {
	invalid := func(reason string) (session.Tokens, error) {
		return session.Tokens{}, &ResponseError{Grant: g.name, StatusCode: status, Reason: reason}
	}
	f, reason := parseFields(media, body)
	switch {
	case reason != "":
		return invalid(reason)
	case !f.hasAccessToken && f.errorCode != "":
		return session.Tokens{}, errorOf(g, status, f)
	case !f.hasAccessToken:
		return invalid("missing field access_token")
	case f.accessToken == "":
		return invalid("field access_token is empty")
	case f.tokenType != "" && !strings.EqualFold(f.tokenType, "bearer"):
		return invalid(fmt.Sprintf("token_type %q is not supported; want Bearer",
			httpauth.Excerpt(f.tokenType, g.secrets, maxCodeBytes)))
	}
	return session.Tokens{
		AccessToken:  f.accessToken,
		RefreshToken: f.refreshToken,
		Expiry:       expiryOf(f.expiresIn, start),
	}, nil
}

// expiryOf returns start plus the seconds of expires_in, capped at
// maxExpiresIn. It returns the zero time, which means unknown, for an
// absent value, zero, a negative value or text that is not a number.
// The token is then used until the server rejects it. Failing the grant
// instead would lose the rotated refresh token that came with it.
func expiryOf(expiresIn string, start time.Time) time.Time {
	text := strings.TrimSpace(expiresIn)
	if text == "" {
		return time.Time{}
	}
	secs, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(secs, 0) || !(secs > 0) {
		return time.Time{}
	}
	if secs >= maxExpiresIn.Seconds() {
		return start.Add(maxExpiresIn)
	}
	return start.Add(time.Duration(secs * float64(time.Second)))
}

// newError returns the [*Error] of a response with a status outside
// 2xx.
func newError(g grant, status int, media string, body []byte) *Error {
	f, reason := parseFields(media, body)
	if reason == "" && f.errorCode != "" {
		return errorOf(g, status, f)
	}
	return &Error{
		Grant:       g.name,
		StatusCode:  status,
		Description: httpauth.Excerpt(string(body), g.secrets, maxDescriptionBytes),
	}
}

func errorOf(g grant, status int, f fields) *Error {
	return &Error{
		Grant:       g.name,
		StatusCode:  status,
		Code:        httpauth.Excerpt(f.errorCode, g.secrets, maxCodeBytes),
		Description: httpauth.Excerpt(f.errorDescription, g.secrets, maxDescriptionBytes),
		URI:         httpauth.Excerpt(f.errorURI, g.secrets, maxDescriptionBytes),
	}
}
