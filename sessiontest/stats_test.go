package sessiontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestStatsCounters(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	bad := loginRequest(t, t.Context(), s.URL(), "user-1")
	bad.Header.Set("x-tenant-api-key", "wrong-key")
	do(t, s.Client(), bad)
	issued := s.Issue("user-2")
	refresh(t, s, first.RefreshToken)
	refresh(t, s, first.RefreshToken)
	callAPI(t, s, issued.AccessToken)
	callAPI(t, s, "not-a-token")
	s.FailNext(API, 1, http.StatusServiceUnavailable)
	callAPI(t, s, issued.AccessToken)

	want := Stats{
		Logins:           1,
		LoginFailures:    1,
		Issued:           1,
		Refreshes:        1,
		RefreshFailures:  1,
		RefreshReuse:     1,
		APICalls:         3,
		APIUnauthorized:  1,
		InjectedFailures: 1,
	}
	if got := s.Stats(); got != want {
		t.Errorf("Stats() = %+v; want %+v", got, want)
	}
}

func TestIssuedSecrets(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	second := refresh(t, s, first.RefreshToken).tokens(t)
	issued := s.Issue("user-2")

	want := []string{
		DefaultTenantAPIKey,
		first.AccessToken, first.RefreshToken,
		second.AccessToken, second.RefreshToken,
		issued.AccessToken, issued.RefreshToken,
	}
	if got := s.IssuedSecrets(); !slices.Equal(got, want) {
		t.Errorf("IssuedSecrets() has %d entries; want %d in issue order", len(got), len(want))
	}
}

func TestErrorBodiesContainNoSecret(t *testing.T) {
	s := newTestServer(t)
	first := login(t, s, "user-1")
	refresh(t, s, first.RefreshToken).tokens(t)
	s.RevokeAccessToken(first.AccessToken)

	bad := loginRequest(t, t.Context(), s.URL(), "user-1")
	bad.Header.Set("x-tenant-api-key", DefaultTenantAPIKey+"-wrong")
	responses := []response{
		do(t, s.Client(), bad),
		refresh(t, s, first.RefreshToken),
		callAPI(t, s, first.AccessToken),
		do(t, s.Client(), newRequest(t, t.Context(), http.MethodPost,
			s.URL()+RefreshPath, "refreshToken="+first.RefreshToken)),
	}
	secrets := append(s.IssuedSecrets(), DefaultTenantAPIKey+"-wrong")
	for i, resp := range responses {
		if resp.status < 400 {
			t.Errorf("response %d: status = %d; want an error status", i, resp.status)
		}
		for _, secret := range secrets {
			if strings.Contains(string(resp.body), secret) {
				t.Errorf("response %d (message %q) contains a secret", i, resp.message())
			}
		}
	}
}

func TestSeenTokens(t *testing.T) {
	s := newTestServer(t)
	token := s.Issue("user-1").AccessToken
	callAPI(t, s, token)
	req := newRequest(t, t.Context(), http.MethodGet, s.URL()+APIPath, "")
	req.Header.Add("Authorization", "Basic abc")
	req.Header.Add("Authorization", "Bearer second")
	do(t, s.Client(), req)
	do(t, s.Client(), newRequest(t, t.Context(), http.MethodGet, s.URL()+APIPath, ""))

	want := []string{token, "Basic abc", "second"}
	if got := s.SeenTokens(); !slices.Equal(got, want) {
		t.Errorf("SeenTokens() = %q; want %q", got, want)
	}
}

func TestOnRequest(t *testing.T) {
	var mu sync.Mutex
	var got []string
	s := newTestServer(t, func(o *Options) {
		o.OnRequest = func(e Endpoint, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e.String()+" "+r.Header.Get("User-Agent"))
		}
	})
	req := loginRequest(t, t.Context(), s.URL(), "user-1")
	req.Header.Set("User-Agent", "app/1.0")
	tokens := do(t, s.Client(), req).tokens(t)
	refresh(t, s, tokens.RefreshToken)
	callAPI(t, s, tokens.AccessToken)

	mu.Lock()
	defer mu.Unlock()
	want := []string{"login app/1.0", "refresh Go-http-client/1.1", "api Go-http-client/1.1"}
	if !slices.Equal(got, want) {
		t.Errorf("OnRequest saw %q; want %q", got, want)
	}
}

func TestTokensFormattingHidesTokens(t *testing.T) {
	s := newTestServer(t)
	tokens := s.Issue("user-1")
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("issued", "tokens", tokens)
	encoded, err := json.Marshal(tokens)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	outputs := map[string]string{"slog": logged.String(), "json": string(encoded)}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outputs[format] = fmt.Sprintf(format, tokens)
	}
	for format, output := range outputs {
		if strings.Contains(output, tokens.AccessToken) {
			t.Errorf("%s output contains the access token", format)
		}
		if strings.Contains(output, tokens.RefreshToken) {
			t.Errorf("%s output contains the refresh token", format)
		}
		if !strings.Contains(output, tokens.Expiry.Format("2006-01-02T15:04:05")) {
			t.Errorf("%s output = %q; want the expiry", format, output)
		}
	}
}

func TestTokensSessionTokens(t *testing.T) {
	s := newTestServer(t)
	issued := s.Issue("user-1")
	got := issued.SessionTokens()
	if got.AccessToken != issued.AccessToken || got.RefreshToken != issued.RefreshToken {
		t.Errorf("SessionTokens did not copy the tokens")
	}
	if !got.Expiry.Equal(issued.Expiry) {
		t.Errorf("SessionTokens expiry = %v; want %v", got.Expiry, issued.Expiry)
	}
}

func TestNewJWT(t *testing.T) {
	token := NewJWT(map[string]any{"tenant": "t", "exp": 1700000000, "roles": []string{"A", "B"}})
	claims := parseClaims(t, token)
	if claims["tenant"] != "t" {
		t.Errorf("claim tenant = %v; want t", claims["tenant"])
	}
	if claims["exp"] != float64(1700000000) {
		t.Errorf("claim exp = %v; want 1700000000", claims["exp"])
	}
	if again := NewJWT(map[string]any{"tenant": "t", "exp": 1700000000, "roles": []string{"A", "B"}}); again != token {
		t.Error("NewJWT returned different tokens for the same claims")
	}
}

func TestNewJWTPanicsOnUnencodableClaims(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewJWT with a channel claim did not panic")
		}
	}()
	NewJWT(map[string]any{"bad": make(chan int)})
}

func TestConcurrentUse(t *testing.T) {
	s := newTestServer(t)
	const workers = 8
	var wg sync.WaitGroup
	for i := range workers {
		user := fmt.Sprintf("user-%d", i)
		loginReq := loginRequest(t, t.Context(), s.URL(), user)
		wg.Go(func() {
			resp, err := tryDo(s.Client(), loginReq)
			if err != nil || resp.status != http.StatusOK {
				t.Errorf("%s: login failed: status %d, error %v", user, resp.status, err)
			}
			issued := s.Issue(user)
			s.FailNext(API, 1, http.StatusServiceUnavailable)
			s.RevokeAccessToken(issued.AccessToken)
			req, _ := http.NewRequest(http.MethodGet, s.URL()+APIPath, nil)
			req.Header.Set("Authorization", "Bearer "+issued.AccessToken)
			if _, err := tryDo(s.Client(), req); err != nil {
				t.Errorf("%s: API call: %v", user, err)
			}
			s.Stats()
			s.SeenTokens()
			s.IssuedSecrets()
		})
	}
	wg.Wait()
	if got := s.Stats().APICalls; got != workers {
		t.Errorf("Stats.APICalls = %d; want %d", got, workers)
	}
}
