package oauth2server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oautherrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/go-oauth2/oauth2/v4/store"

	"github.com/sessionkit/sessionkit/session"
)

const (
	clientID     = "client-1"
	clientSecret = "client-1-secret"
	userName     = "user-1"
	userPassword = "user-1-password"
)

// authServer is a go-oauth2 authorization server with a token endpoint
// at /oauth/token and a protected API at /api that accepts the access
// tokens it issued and has not revoked or expired.
type authServer struct {
	manager *manage.Manager
	oauth   *server.Server
	http    *httptest.Server
	auth    clientAuth

	mu        sync.Mutex     // guards the fields below
	presented map[string]int // refresh token to the number of refresh grants that sent it
	grants    map[string]int // grant_type to the number of requests
	statuses  map[int]int    // token endpoint status to count
	issued    []string       // access and refresh tokens, for leak checks
}

// clientAuth is how the server reads the client's credentials.
type clientAuth int

const (
	basicAuth clientAuth = iota
	formAuth
)

// newAuthServer starts a server whose access tokens live lifetime,
// rounded to whole seconds as go-oauth2 states expires_in, and whose
// refresh grant rotates the refresh token and removes the old one.
func newAuthServer(t *testing.T, auth clientAuth, lifetime time.Duration) *authServer {
	t.Helper()
	manager := manage.NewDefaultManager()
	manager.MustTokenStorage(store.NewMemoryTokenStore())
	clients := store.NewClientStore()
	if err := clients.Set(clientID, &models.Client{ID: clientID, Secret: clientSecret, Domain: "http://127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	manager.MapClientStorage(clients)
	manager.SetPasswordTokenCfg(&manage.Config{AccessTokenExp: lifetime, IsGenerateRefresh: true})
	manager.SetClientTokenCfg(&manage.Config{AccessTokenExp: lifetime})
	manager.SetRefreshTokenCfg(&manage.RefreshingConfig{
		AccessTokenExp: lifetime, IsGenerateRefresh: true, IsRemoveAccess: true, IsRemoveRefreshing: true,
	})

	a := &authServer{
		manager:   manager,
		oauth:     server.NewDefaultServer(manager),
		auth:      auth,
		presented: map[string]int{},
		grants:    map[string]int{},
		statuses:  map[int]int{},
	}
	a.oauth.SetClientInfoHandler(checkedClientInfo(clients, auth))
	a.oauth.SetPasswordAuthorizationHandler(func(_ context.Context, _, user, password string) (string, error) {
		if user == userName && password == userPassword {
			return userName, nil
		}
		return "", oautherrors.ErrAccessDenied
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/token", a.token)
	mux.HandleFunc("/api", a.api)
	a.http = httptest.NewServer(mux)
	t.Cleanup(a.http.Close)
	return a
}

// checkedClientInfo reads the client credentials from the basic header
// or the form, as auth selects, and checks the secret. go-oauth2 v4.5.4 does not check the client secret
// on a refresh grant itself.
func checkedClientInfo(clients *store.ClientStore, auth clientAuth) server.ClientInfoHandler {
	read := server.ClientBasicHandler
	if auth == formAuth {
		read = server.ClientFormHandler
	}
	return func(r *http.Request) (string, string, error) {
		id, secret, err := read(r)
		if err != nil {
			return "", "", err
		}
		client, err := clients.GetByID(r.Context(), id)
		if err != nil || client.GetSecret() != secret {
			return "", "", oautherrors.ErrInvalidClient
		}
		return id, secret, nil
	}
}

func (a *authServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.grants[r.PostForm.Get("grant_type")]++
	if rt := r.PostForm.Get("refresh_token"); rt != "" {
		a.presented[rt]++
	}
	a.mu.Unlock()

	rec := httptest.NewRecorder()
	_ = a.oauth.HandleTokenRequest(rec, r)
	a.record(rec)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// record counts a token endpoint response and keeps its tokens.
func (a *authServer) record(rec *httptest.ResponseRecorder) {
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.statuses[rec.Code]++
	for _, tok := range []string{body.AccessToken, body.RefreshToken} {
		if tok != "" {
			a.issued = append(a.issued, tok)
		}
	}
}

func (a *authServer) api(w http.ResponseWriter, r *http.Request) {
	info, err := a.oauth.ValidationBearerToken(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	fmt.Fprintf(w, "hello %s", info.GetUserID())
}

func (a *authServer) tokenURL() string { return a.http.URL + "/oauth/token" }
func (a *authServer) apiURL() string   { return a.http.URL + "/api" }

// passwordGrant obtains the first tokens of the test user with the
// resource owner password grant, which oauth2grant does not send.
func (a *authServer) passwordGrant(t *testing.T) session.Tokens {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {userName}, "password": {userPassword}}
	if a.auth == formAuth {
		form.Set("client_id", clientID)
		form.Set("client_secret", clientSecret)
	}
	req, err := http.NewRequest(http.MethodPost, a.tokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a.auth == basicAuth {
		req.SetBasicAuth(clientID, clientSecret)
	}
	resp, err := a.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &body) != nil || body.RefreshToken == "" {
		t.Fatalf("password grant: status %d; want 200 with a refresh token", resp.StatusCode)
	}
	return session.Tokens{
		AccessToken:  body.AccessToken,
		RefreshToken: body.RefreshToken,
		Expiry:       time.Now().Add(time.Duration(body.ExpiresIn) * time.Second),
	}
}

// revokeRefresh removes a refresh token from the server's store, as an
// administrator revoking a grant would.
func (a *authServer) revokeRefresh(t *testing.T, refresh string) {
	t.Helper()
	if err := a.manager.RemoveRefreshToken(context.Background(), refresh); err != nil {
		t.Fatal(err)
	}
}

// reused returns how many refresh tokens were sent in more than one
// refresh grant.
func (a *authServer) reused() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, count := range a.presented {
		if count > 1 {
			n++
		}
	}
	return n
}

func (a *authServer) grantCount(grant oauth2.GrantType) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.grants[grant.String()]
}

func (a *authServer) secrets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string{clientSecret}, a.issued...)
}
