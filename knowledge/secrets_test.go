package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/session"
)

// echoedSecret returns the secret that a request carries: the tenant API
// key of a login or the refresh token of a refresh.
func echoedSecret(r *http.Request) string {
	if key := r.Header.Get(tenantAPIKeyHeader); key != "" {
		return key
	}
	var body struct {
		RefreshToken string `json:"refreshToken"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	return body.RefreshToken
}

// leakyHandlers are servers that put the secret of each request into
// their reply in some way.
var leakyHandlers = map[string]http.HandlerFunc{
	"401 JSON message": func(w http.ResponseWriter, r *http.Request) {
		msg, _ := json.Marshal(map[string]string{"message": "rejected " + echoedSecret(r)})
		respond(http.StatusUnauthorized, string(msg))(w, r)
	},
	"500 text": func(w http.ResponseWriter, r *http.Request) {
		respond(http.StatusInternalServerError, "boom: "+echoedSecret(r))(w, r)
	},
	"400 JSON-escaped text": func(w http.ResponseWriter, r *http.Request) {
		quoted, _ := json.Marshal(echoedSecret(r))
		respond(http.StatusBadRequest, "raw "+string(quoted))(w, r)
	},
	"400 detail cut at the limit": func(w http.ResponseWriter, r *http.Request) {
		msg, _ := json.Marshal(map[string]string{"detail": strings.Repeat("x", 250) + echoedSecret(r)})
		respond(http.StatusBadRequest, string(msg))(w, r)
	},
	"200 not JSON": func(w http.ResponseWriter, r *http.Request) {
		respond(http.StatusOK, "token="+echoedSecret(r))(w, r)
	},
	"200 JSON string": func(w http.ResponseWriter, r *http.Request) {
		quoted, _ := json.Marshal(echoedSecret(r))
		respond(http.StatusOK, string(quoted))(w, r)
	},
	"200 accessToken of wrong type": func(w http.ResponseWriter, r *http.Request) {
		msg, _ := json.Marshal(map[string]any{"accessToken": []string{echoedSecret(r)}})
		respond(http.StatusOK, string(msg))(w, r)
	},
	"200 too large": func(w http.ResponseWriter, r *http.Request) {
		respond(http.StatusOK, strings.Repeat(echoedSecret(r), 1<<16))(w, r)
	},
	"same-host redirect with secret in query, then hang-up": func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/trap" {
			hangUp(w)
			return
		}
		http.Redirect(w, r, "/trap?leak="+url.QueryEscape(echoedSecret(r)), http.StatusTemporaryRedirect)
	},
	"same-host redirect with secret in path, then hang-up": func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/trap/") {
			hangUp(w)
			return
		}
		w.Header().Set("Location", "/trap/"+url.PathEscape(echoedSecret(r)))
		w.WriteHeader(http.StatusTemporaryRedirect)
	},
	"cross-host redirect with secret": func(w http.ResponseWriter, r *http.Request) {
		target := "http://localhost:1/" + url.PathEscape(echoedSecret(r)) + "?k=" + url.QueryEscape(echoedSecret(r))
		w.Header().Set("Location", target)
		w.WriteHeader(http.StatusTemporaryRedirect)
	},
}

// hangUp closes the connection without a response.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// errorTexts returns what the usual ways of printing err show.
func errorTexts(err error) []string {
	texts := []string{err.Error()}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%#v"} {
		texts = append(texts, fmt.Sprintf(verb, err))
	}
	return texts
}

func TestErrorsNeverContainSecrets(t *testing.T) {
	secrets := []string{testAPIKey, testRefreshToken}
	for _, secret := range append([]string(nil), secrets...) {
		quoted, _ := json.Marshal(secret)
		secrets = append(secrets, url.QueryEscape(secret), url.PathEscape(secret),
			string(quoted[1:len(quoted)-1]), secret[:8])
	}

	var texts []string
	for name, h := range leakyHandlers {
		srv := startServer(t, h)
		c := newTestClient(t, srv.URL, func(o *Options) { o.MaxResponseBytes = 4096 })

		_, loginErr := c.Login(context.Background(), testCreds)
		_, refreshErr := c.Refresh(context.Background(), testRefreshToken)
		for op, err := range map[string]error{"login": loginErr, "refresh": refreshErr} {
			if err == nil {
				t.Errorf("%s: %s error = nil; want an error", name, op)
				continue
			}
			texts = append(texts, errorTexts(err)...)
		}
	}

	for _, text := range texts {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("error text %q contains secret %q", text, secret)
			}
		}
	}
	if len(texts) == 0 {
		t.Fatal("no error texts collected")
	}
}

// TestLeakyHandlersEchoSecrets checks that the handlers above do put the
// secrets on the wire, so that the test above would see a leak.
func TestLeakyHandlersEchoSecrets(t *testing.T) {
	srv := startServer(t, leakyHandlers["500 text"])
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(tenantAPIKeyHeader, testAPIKey)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), testAPIKey) {
		t.Errorf("body = %q; want it to contain the API key", body)
	}
}

// TestMalformedLocationScrubbed: a redirect whose Location cannot be
// parsed and quotes the secret the request carried yields an error
// without it.
func TestMalformedLocationScrubbed(t *testing.T) {
	const apiKey, refresh = "location-api-key-123456", "location-refresh-654321"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/%zz/"+echoedSecret(r))
		w.WriteHeader(http.StatusFound)
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, loginErr := c.Login(context.Background(), session.Credentials{TenantAPIKey: apiKey, ExternalUserID: "u"})
	_, refreshErr := c.Refresh(context.Background(), refresh)
	for _, err := range []error{loginErr, refreshErr} {
		if err == nil {
			t.Fatal("request succeeded")
		}
		if strings.Contains(err.Error(), apiKey) || strings.Contains(err.Error(), refresh) {
			t.Errorf("error contains a secret: %v", err)
		}
	}
}
