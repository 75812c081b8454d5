package sessiontest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const mockBaseURL = "https://kg.example.com"

// newTestMock returns a Server on a new MockTransport that the test closes
// when it ends.
func newTestMock(t *testing.T, opts ...func(*Options)) (*Server, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	s := NewMock(mt, mockBaseURL+"/", opts...)
	t.Cleanup(s.Close)
	return s, mt
}

func TestMockRoundTrip(t *testing.T) {
	s, mt := newTestMock(t)
	client := &http.Client{Transport: mt}
	if got := s.URL(); got != mockBaseURL {
		t.Errorf("URL() = %q; want %q", got, mockBaseURL)
	}

	first := do(t, client, loginRequest(t, t.Context(), mockBaseURL, "user-1")).tokens(t)
	if got := parseClaims(t, first.AccessToken)["iss"]; got != mockBaseURL {
		t.Errorf("claim iss = %v; want %q", got, mockBaseURL)
	}
	second := do(t, client, refreshRequest(t, t.Context(), mockBaseURL, first.RefreshToken)).tokens(t)
	reuse := do(t, client, refreshRequest(t, t.Context(), mockBaseURL, first.RefreshToken))
	if reuse.status != http.StatusUnauthorized {
		t.Errorf("reuse: status = %d; want 401", reuse.status)
	}

	const body = "payload"
	req := newRequest(t, t.Context(), http.MethodPost, mockBaseURL+APIPath+"/docs?page=2", body)
	req.Header.Set("Authorization", "Bearer "+second.AccessToken)
	resp := do(t, client, req)
	if resp.status != http.StatusOK {
		t.Fatalf("API: status = %d; want 200 (message %q)", resp.status, resp.message())
	}
	var described APIResponse
	if err := json.Unmarshal(resp.body, &described); err != nil {
		t.Fatalf("decode API body: %v", err)
	}
	sum := sha256.Sum256([]byte(body))
	if got, want := described.BodySHA256, hex.EncodeToString(sum[:]); got != want {
		t.Errorf("bodySHA256 = %q; want %q", got, want)
	}

	want := Stats{Logins: 1, Refreshes: 1, RefreshFailures: 1, RefreshReuse: 1, APICalls: 1}
	if got := s.Stats(); got != want {
		t.Errorf("Stats() = %+v; want %+v", got, want)
	}
}

func TestMockUnauthorizedChallenge(t *testing.T) {
	s, _ := newTestMock(t)
	resp := do(t, s.Client(), newRequest(t, t.Context(), http.MethodDelete, mockBaseURL+APIPath, ""))
	if resp.status != http.StatusUnauthorized {
		t.Fatalf("status = %d; want 401", resp.status)
	}
	if got, want := resp.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`; got != want {
		t.Errorf("WWW-Authenticate = %q; want %q", got, want)
	}
}

func TestMockDropNext(t *testing.T) {
	s, _ := newTestMock(t)
	token := login(t, s, "user-1").RefreshToken
	s.DropNext(Refresh, 1)

	_, err := s.Client().Do(refreshRequest(t, t.Context(), mockBaseURL, token))
	if !errors.Is(err, ErrConnectionDropped) {
		t.Fatalf("error = %v; want ErrConnectionDropped", err)
	}
	if got := s.Stats().Refreshes; got != 1 {
		t.Errorf("Stats.Refreshes = %d; want 1", got)
	}
}

func TestMockDelayNextRespectsContext(t *testing.T) {
	s, _ := newTestMock(t)
	s.DelayNext(Login, 1, time.Minute)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Client().Do(loginRequest(t, ctx, mockBaseURL, "user-1"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v; want context.DeadlineExceeded", err)
	}
	waitFor(t, "Stats.Canceled = 1", func() bool { return s.Stats().Canceled == 1 })
}

func TestMockClosed(t *testing.T) {
	mt := httpmock.NewMockTransport()
	s := NewMock(mt, mockBaseURL)
	if got := mt.NumResponders(); got != 3*len(mockMethods) {
		t.Errorf("NumResponders() = %d; want %d", got, 3*len(mockMethods))
	}
	s.Close()
	_, err := s.Client().Do(loginRequest(t, t.Context(), mockBaseURL, "user-1"))
	if !errors.Is(err, ErrServerClosed) {
		t.Errorf("login after Close: error = %v; want ErrServerClosed", err)
	}
}

func TestRegisterRespondersSecondBaseURL(t *testing.T) {
	s, mt := newTestMock(t)
	const apiBaseURL = "https://api.example.com"
	s.RegisterResponders(mt, apiBaseURL)

	token := login(t, s, "user-1").AccessToken
	if got := parseClaims(t, token)["iss"]; got != mockBaseURL {
		t.Errorf("claim iss = %v; want %q", got, mockBaseURL)
	}
	resp := do(t, s.Client(), apiRequest(t, t.Context(), apiBaseURL, token))
	if resp.status != http.StatusOK {
		t.Errorf("API on second base URL: status = %d; want 200", resp.status)
	}
}

func TestRegisterRespondersOnNetworkServer(t *testing.T) {
	s := newTestServer(t)
	mt := httpmock.NewMockTransport()
	s.RegisterResponders(mt, mockBaseURL)

	client := &http.Client{Transport: mt}
	token := do(t, client, loginRequest(t, t.Context(), mockBaseURL, "user-1")).tokens(t).AccessToken
	if got := parseClaims(t, token)["iss"]; got != s.URL() {
		t.Errorf("claim iss = %v; want %q", got, s.URL())
	}
	if resp := callAPI(t, s, token); resp.status != http.StatusOK {
		t.Errorf("API over the network: status = %d; want 200", resp.status)
	}
}

func TestMockLeavesRequestUnchanged(t *testing.T) {
	s, _ := newTestMock(t)
	req := loginRequest(t, t.Context(), mockBaseURL, "user-1")
	body := req.Body
	do(t, s.Client(), req).tokens(t)
	if req.Body != body {
		t.Error("the responder replaced the caller's request body")
	}
}
