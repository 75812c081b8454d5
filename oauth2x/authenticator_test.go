package oauth2x_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sessionkit/sessionkit/oauth2x"
	"github.com/sessionkit/sessionkit/session"
)

// tokenService is a token endpoint for the client credentials grant
// and an API that accepts only the newest access token it issued.
type tokenService struct {
	expiresIn int // seconds

	mu      sync.Mutex // guards serial and current
	serial  int
	current string
}

func (s *tokenService) token(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("grant_type") != "client_credentials" {
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.serial++
	s.current = fmt.Sprintf("token-%d", s.serial)
	tok := s.current
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, s.expiresIn)
}

func (s *tokenService) api(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := r.Header.Get("Authorization") == "Bearer "+s.current
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	io.WriteString(w, "ok")
}

// revoke makes the API reject every token issued so far.
func (s *tokenService) revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = "revoked"
}

func (s *tokenService) issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serial
}

func startTokenService(t *testing.T, expiresIn int) (*tokenService, *httptest.Server) {
	t.Helper()
	svc := &tokenService{expiresIn: expiresIn}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", svc.token)
	mux.HandleFunc("/api", svc.api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return svc, srv
}

func clientCredentials(srv *httptest.Server) oauth2.TokenSource {
	cfg := clientcredentials.Config{ClientID: "app", ClientSecret: "app-secret", TokenURL: srv.URL + "/token"}
	return cfg.TokenSource(context.Background())
}

func TestNewTransportRenewsThroughSource(t *testing.T) {
	// A lifetime under x/oauth2's 10 s expiry delta makes its cache
	// fetch a new token on every call.
	svc, srv := startTokenService(t, 5)
	rt, err := oauth2x.NewTransport(context.Background(), clientCredentials(srv), srv.URL, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	client := &http.Client{Transport: rt}

	for round := range 3 {
		svc.revoke()
		resp, err := client.Get(srv.URL + "/api")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: status = %d; want 200 after a renewal through the source", round, resp.StatusCode)
		}
	}
	if n := rt.Stats().Retries; n != 3 {
		t.Errorf("retries = %d; want 3, one per revoked token", n)
	}
	if n := svc.issued(); n != 4 {
		t.Errorf("tokens issued = %d; want 4: the first and one per renewal", n)
	}
}

func TestNewSessionFromSource(t *testing.T) {
	expiry := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "opaque", TokenType: "bearer", Expiry: expiry})
	s, err := oauth2x.NewSession(context.Background(), src, "https://api.example.com", "app")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Opaque() || s.Kind() != session.Refreshable {
		t.Errorf("session %v, opaque %t; want a refreshable opaque session", s, s.Opaque())
	}
	if s.ID() != session.ID("https://api.example.com", "", "app") {
		t.Errorf("ID = %s; want the id of the service URL and user", s.ID())
	}
	if s.ServiceHost() != "api.example.com" {
		t.Errorf("ServiceHost = %q; want api.example.com", s.ServiceHost())
	}
	if !s.Expiry().Equal(expiry) {
		t.Errorf("Expiry = %v; want %v", s.Expiry(), expiry)
	}
}

func TestAuthenticatorRejectsNonBearer(t *testing.T) {
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x", TokenType: "MAC"})
	_, err := oauth2x.NewAuthenticator(src).Refresh(context.Background(), "")
	if !errors.Is(err, oauth2x.ErrNotBearer) {
		t.Errorf("Refresh error = %v; want ErrNotBearer", err)
	}
}

func TestAuthenticatorSourceError(t *testing.T) {
	_, srv := startTokenService(t, 60)
	cfg := clientcredentials.Config{ClientID: "app", TokenURL: srv.URL + "/missing"}
	_, err := oauth2x.NewSession(context.Background(), cfg.TokenSource(context.Background()), srv.URL, "app")
	var retrieve *oauth2.RetrieveError
	if !errors.As(err, &retrieve) {
		t.Errorf("NewSession error = %v; want the source's *oauth2.RetrieveError", err)
	}
}

// blockingSource is a token source whose Token waits until release is
// closed.
type blockingSource struct{ release chan struct{} }

func (b blockingSource) Token() (*oauth2.Token, error) {
	<-b.release
	return &oauth2.Token{AccessToken: "late"}, nil
}

func TestAuthenticatorHonorsContext(t *testing.T) {
	src := blockingSource{release: make(chan struct{})}
	defer close(src.release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := oauth2x.NewAuthenticator(src).Refresh(ctx, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Refresh error = %v; want DeadlineExceeded", err)
	}
}

func TestAuthenticatorLoginUsesSource(t *testing.T) {
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "from-source"})
	tokens, err := oauth2x.NewAuthenticator(src).Login(context.Background(), session.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	if tokens.AccessToken != "from-source" || tokens.RefreshToken != "" {
		t.Errorf("Login returned access %q, refresh set %t; want the source's token and no refresh token",
			tokens.AccessToken, tokens.RefreshToken != "")
	}
}
