package knowledge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/session"
)

func TestStatusErrorFromJSONMessage(t *testing.T) {
	srv := startServer(t, respond(http.StatusUnauthorized, `{"message": "refresh token revoked"}`))
	c := newTestClient(t, srv.URL)

	tokens, err := c.Refresh(context.Background(), testRefreshToken)
	if tokens != (session.Tokens{}) {
		t.Errorf("Refresh tokens = %v on error; want zero", tokens)
	}
	var statusErr *StatusError
	if !errors.As(err, &statusErr) {
		t.Fatalf("Refresh error = %v (%T); want *StatusError", err, err)
	}
	if statusErr.Op != "refresh" {
		t.Errorf("Op = %q; want refresh", statusErr.Op)
	}
	if statusErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("StatusCode = %d; want 401", statusErr.StatusCode)
	}
	if statusErr.Message != "refresh token revoked" {
		t.Errorf("Message = %q; want %q", statusErr.Message, "refresh token revoked")
	}
	want := "knowledge: refresh failed: 401 Unauthorized: refresh token revoked"
	if err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
	if !errors.Is(err, ErrUnauthorized) {
		t.Error("errors.Is(err, ErrUnauthorized) = false; want true")
	}
	if errors.Is(err, ErrServer) {
		t.Error("errors.Is(err, ErrServer) = true; want false")
	}
}

func TestStatusErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"message field", `{"message": "m"}`, "m"},
		{"capitalised field", `{"Message": "M"}`, "M"},
		{"error field", `{"error": "invalid_grant"}`, "invalid_grant"},
		{"detail field", `{"detail": "Not authenticated"}`, "Not authenticated"},
		{"message before error", `{"error": "e", "message": "m"}`, "m"},
		{"empty message", `{"message": "", "error": "e"}`, "e"},
		{"detail array", `{"detail": [{"msg": "field required"}]}`, `[{"msg": "field required"}]`},
		{"no known field", `{"other": "x"}`, `{"other": "x"}`},
		{"null message", `{"message": null}`, `{"message": null}`},
		{"text", "plain text\nwith \t lines\r\n", "plain text with lines"},
		{"control characters", "bad\x00\x1b[31mred", "bad [31mred"},
		{"invalid UTF-8", "caf\xe9", "caf\uFFFD"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, respond(http.StatusBadRequest, tt.body))
			c := newTestClient(t, srv.URL)

			_, err := c.Login(context.Background(), testCreds)
			var statusErr *StatusError
			if !errors.As(err, &statusErr) {
				t.Fatalf("Login error = %v (%T); want *StatusError", err, err)
			}
			if statusErr.Message != tt.want {
				t.Errorf("Message = %q; want %q", statusErr.Message, tt.want)
			}
		})
	}
}

func TestStatusErrorMatches(t *testing.T) {
	tests := []struct {
		status           int
		wantUnauthorized bool
		wantServer       bool
		wantError        string
	}{
		{400, false, false, "knowledge: login failed: 400 Bad Request"},
		{401, true, false, "knowledge: login failed: 401 Unauthorized"},
		{403, true, false, "knowledge: login failed: 403 Forbidden"},
		{404, false, false, "knowledge: login failed: 404 Not Found"},
		{429, false, false, "knowledge: login failed: 429 Too Many Requests"},
		{500, false, true, "knowledge: login failed: 500 Internal Server Error"},
		{503, false, true, "knowledge: login failed: 503 Service Unavailable"},
		{599, false, true, "knowledge: login failed: 599"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := startServer(t, respond(tt.status, ""))
			c := newTestClient(t, srv.URL)

			_, err := c.Login(context.Background(), testCreds)
			if err == nil {
				t.Fatal("Login error = nil; want a status error")
			}
			if got := errors.Is(err, ErrUnauthorized); got != tt.wantUnauthorized {
				t.Errorf("errors.Is(err, ErrUnauthorized) = %v; want %v", got, tt.wantUnauthorized)
			}
			if got := errors.Is(err, ErrServer); got != tt.wantServer {
				t.Errorf("errors.Is(err, ErrServer) = %v; want %v", got, tt.wantServer)
			}
			if errors.Is(err, ErrInvalidResponse) {
				t.Error("errors.Is(err, ErrInvalidResponse) = true; want false")
			}
			if err.Error() != tt.wantError {
				t.Errorf("Error() = %q; want %q", err.Error(), tt.wantError)
			}
		})
	}
}

func TestStatusErrorBoundsHTMLBody(t *testing.T) {
	html := "<html><head><title>500 Internal Server Error</title></head>\n<body>" +
		strings.Repeat("<p>stack frame</p>\n", 2000) + "</body></html>"
	srv := startServer(t, respond(http.StatusInternalServerError, html))
	c := newTestClient(t, srv.URL)

	_, err := c.Refresh(context.Background(), testRefreshToken)
	var statusErr *StatusError
	if !errors.As(err, &statusErr) {
		t.Fatalf("Refresh error = %v (%T); want *StatusError", err, err)
	}
	if !errors.Is(err, ErrServer) {
		t.Error("errors.Is(err, ErrServer) = false; want true")
	}
	msg := statusErr.Message
	if len(msg) > maxMessageBytes {
		t.Errorf("len(Message) = %d; want at most %d", len(msg), maxMessageBytes)
	}
	if !strings.HasPrefix(msg, "<html><head><title>500 Internal Server Error</title></head> <body>") {
		t.Errorf("Message = %q; want the start of the body with the line break collapsed", msg)
	}
	if !strings.HasSuffix(msg, "...") {
		t.Errorf("Message = %q; want it to end with ...", msg)
	}
}

func TestStatusErrorOversizedBody(t *testing.T) {
	body := strings.Repeat("x", 2<<20)
	srv := startServer(t, respond(http.StatusBadGateway, body))
	c := newTestClient(t, srv.URL)

	_, err := c.Login(context.Background(), testCreds)
	var statusErr *StatusError
	if !errors.As(err, &statusErr) {
		t.Fatalf("Login error = %v (%T); want *StatusError", err, err)
	}
	if len(statusErr.Message) > maxMessageBytes {
		t.Errorf("len(Message) = %d; want at most %d", len(statusErr.Message), maxMessageBytes)
	}
}

func TestStatusErrorScrubsEchoedSecrets(t *testing.T) {
	// echo replies 401 with a message that repeats the secret the request
	// carried, placed so that a cut at 256 bytes would split it.
	echo := func(w http.ResponseWriter, r *http.Request) {
		secret := r.Header.Get(tenantAPIKeyHeader)
		if secret == "" {
			secret = testRefreshToken
		}
		msg := "invalid secret " + secret + " " + strings.Repeat("x", 230) + secret
		respond(http.StatusUnauthorized, `{"message": "`+msg+`"}`)(w, r)
	}
	srv := startServer(t, http.HandlerFunc(echo))
	c := newTestClient(t, srv.URL)

	_, loginErr := c.Login(context.Background(), testCreds)
	_, refreshErr := c.Refresh(context.Background(), testRefreshToken)

	for secret, err := range map[string]error{testAPIKey: loginErr, testRefreshToken: refreshErr} {
		var statusErr *StatusError
		if !errors.As(err, &statusErr) {
			t.Fatalf("error = %v (%T); want *StatusError", err, err)
		}
		if !strings.HasPrefix(statusErr.Message, "invalid secret [REDACTED] xxx") {
			t.Errorf("Message = %q; want the secret replaced by [REDACTED]", statusErr.Message)
		}
		if strings.Contains(err.Error(), secret[:6]) {
			t.Errorf("Error() = %q contains part of the secret", err)
		}
	}
}

func TestInvalidResponse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"HTML", "<html>" + testAccessToken + "</html>", "body is not valid JSON"},
		{"bare token", testAccessToken, "body is not valid JSON"},
		{"truncated JSON", `{"accessToken": "` + testAccessToken, "body is not valid JSON"},
		{"empty", "", "body is empty"},
		{"white space", " \n", "body is empty"},
		{"missing accessToken", `{"refreshToken": "` + testRefreshToken + `"}`, "missing field accessToken"},
		{"null accessToken", `{"accessToken": null}`, "missing field accessToken"},
		{"JSON null", `null`, "missing field accessToken"},
		{"empty accessToken", `{"accessToken": ""}`, "field accessToken is empty"},
		{"number accessToken", `{"accessToken": 42}`, "field accessToken is a JSON number, not a string"},
		{"number refreshToken", `{"accessToken": "a", "refreshToken": 7}`, "field refreshToken is a JSON number, not a string"},
		{"array", `[]`, "body is a JSON array, not an object"},
		{"string", `"` + testAccessToken + `"`, "body is a JSON string, not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, respond(http.StatusOK, tt.body))
			c := newTestClient(t, srv.URL)

			tokens, err := c.Refresh(context.Background(), testRefreshToken)
			if tokens != (session.Tokens{}) {
				t.Errorf("tokens = %v on error; want zero", tokens)
			}
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("Refresh error = %v; want ErrInvalidResponse", err)
			}
			var respErr *ResponseError
			if !errors.As(err, &respErr) {
				t.Fatalf("Refresh error is %T; want *ResponseError", err)
			}
			if respErr.Reason != tt.want {
				t.Errorf("Reason = %q; want %q", respErr.Reason, tt.want)
			}
			if respErr.Op != "refresh" || respErr.StatusCode != http.StatusOK {
				t.Errorf("Op, StatusCode = %q, %d; want refresh, 200", respErr.Op, respErr.StatusCode)
			}
			wantMsg := "knowledge: refresh failed: invalid response (200 OK): " + tt.want
			if err.Error() != wantMsg {
				t.Errorf("Error() = %q; want %q", err.Error(), wantMsg)
			}
		})
	}
}

func TestResponseSizeLimit(t *testing.T) {
	// pad returns a valid token body of exactly n bytes.
	pad := func(n int) string {
		body := `{"accessToken": "a"}`
		return body + strings.Repeat(" ", n-len(body))
	}
	tests := []struct {
		name    string
		limit   int64 // 0 for the default
		size    int
		wantErr bool
	}{
		{"at limit", 64, 64, false},
		{"one byte over", 64, 65, true},
		{"default at limit", 0, 1 << 20, false},
		{"default one byte over", 0, 1<<20 + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, respond(http.StatusOK, pad(tt.size)))
			c := newTestClient(t, srv.URL, func(o *Options) { o.MaxResponseBytes = tt.limit })

			_, err := c.Login(context.Background(), testCreds)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Login error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("Login error = %v; want ErrInvalidResponse", err)
			}
			var respErr *ResponseError
			if !errors.As(err, &respErr) {
				t.Fatalf("Login error is %T; want *ResponseError", err)
			}
			limit := maxResponseBytes(tt.limit)
			if want := fmt.Sprintf("response body exceeds %d bytes", limit); respErr.Reason != want {
				t.Errorf("Reason = %q; want %q", respErr.Reason, want)
			}
		})
	}
}
