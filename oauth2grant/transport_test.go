package oauth2grant_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sessionkit/sessionkit/oauth2grant"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

// rotatingServer is a token endpoint and an API that issues opaque
// tokens without expires_in, rotates the refresh token on every refresh
// and accepts only the newest access token.
type rotatingServer struct {
	mu      sync.Mutex // guards the fields below
	serial  int
	access  string
	refresh string
	reused  int
}

func (s *rotatingServer) issue() (string, string) {
	s.serial++
	s.access, s.refresh = fmt.Sprintf("at-%d", s.serial), fmt.Sprintf("rt-%d", s.serial)
	return s.access, s.refresh
}

func (s *rotatingServer) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.PostFormValue("refresh_token") != s.refresh {
		s.reused++
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant"}`)
		return
	}
	access, refresh := s.issue()
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","refresh_token":%q}`, access, refresh)
}

func (s *rotatingServer) api(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.access {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	io.WriteString(w, "ok")
}

// revokeAccess makes the server issue a new pair without telling the
// client, so the client's access token is rejected next time.
func (s *rotatingServer) revokeAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = "revoked"
}

func TestUnknownExpiryRenewsOn401(t *testing.T) {
	fake := &rotatingServer{}
	access, refresh := fake.issue()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", fake.token)
	mux.HandleFunc("/api", fake.api)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client, err := oauth2grant.New(srv.URL+"/token", func(o *oauth2grant.Options) {
		o.ClientID, o.ClientSecret = "c", "s"
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := session.NewOpaque(srv.URL, "user-1", session.Tokens{AccessToken: access, RefreshToken: refresh}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := transport.New(sess, client)
	defer rt.Close()
	httpClient := &http.Client{Transport: rt}

	for round := range 3 {
		fake.revokeAccess()
		resp, err := httpClient.Get(srv.URL + "/api")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: status %d; want 200 after one renewal", round, resp.StatusCode)
		}
	}
	stats := rt.Stats()
	if stats.Refreshes != 3 || stats.Retries != 3 {
		t.Errorf("refreshes = %d, retries = %d; want 3 and 3, one per rejected token", stats.Refreshes, stats.Retries)
	}
	fake.mu.Lock()
	reused := fake.reused
	fake.mu.Unlock()
	if reused != 0 {
		t.Errorf("server saw %d spent refresh tokens; want 0", reused)
	}
	if !sess.Expiry().IsZero() {
		t.Errorf("Expiry = %v; want zero for a server that gives no expires_in", sess.Expiry())
	}
}
