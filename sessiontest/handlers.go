package sessiontest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Maximum request body sizes, in bytes. Larger bodies are rejected.
const (
	maxAuthBody = 1 << 20  // login and refresh
	maxAPIBody  = 16 << 20 // protected endpoint
)

// bearerChallenge is the WWW-Authenticate value of every 401 from the
// protected endpoint.
const bearerChallenge = `Bearer error="invalid_token"`

// reply is a JSON response that the server has decided on but not sent.
type reply struct {
	status int
	header http.Header // extra headers, or nil
	body   any
}

// errorBody is the body of every error response. Its message never
// contains a token or key.
type errorBody struct {
	Message string `json:"message"`
}

// tokenBody is the body of a successful login or refresh.
type tokenBody struct {
	AccessToken    string `json:"accessToken"`
	RefreshToken   string `json:"refreshToken"`
	ExpirationDate string `json:"expirationDate"`
}

// APIResponse is the JSON body of a successful request to the protected
// endpoint. It describes the request as the server received it.
type APIResponse struct {
	ExternalUserID string `json:"externalUserId"` // the ext-sub claim of the token
	Tenant         string `json:"tenant"`         // the tenant claim of the token
	Method         string `json:"method"`         // the HTTP method
	BodyLength     int64  `json:"bodyLength"`     // bytes of request body read
	BodySHA256     string `json:"bodySHA256"`     // lowercase hex
}

func errorReply(status int, message string) reply {
	return reply{status: status, body: errorBody{Message: message}}
}

// unauthorized returns a 401 reply of the protected endpoint.
func unauthorized(message string) reply {
	rep := errorReply(http.StatusUnauthorized, message)
	rep.header = http.Header{"Www-Authenticate": {bearerChallenge}}
	return rep
}

// injectedReply returns the reply for a failure that FailNext injected.
func injectedReply(e Endpoint, status int) reply {
	message := "injected fault: " + strings.ToLower(http.StatusText(status))
	if e == API && status == http.StatusUnauthorized {
		return unauthorized(message)
	}
	return errorReply(status, message)
}

func tokenReply(t Tokens) reply {
	return reply{status: http.StatusOK, body: tokenBody{
		AccessToken:    t.AccessToken,
		RefreshToken:   t.RefreshToken,
		ExpirationDate: t.Expiry.Format(time.RFC3339),
	}}
}

func writeReply(w http.ResponseWriter, rep reply) {
	for name, values := range rep.header {
		w.Header()[name] = values
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	json.NewEncoder(w).Encode(rep.body)
}

// login checks the tenant API key of a login request and issues a token
// pair for the ExternalUserId of its body.
func (s *Server) login(r *http.Request) reply {
	if rep, ok := checkAuthRequest(r); !ok {
		return rep
	}
	key := r.Header.Get("x-tenant-api-key")
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.TenantAPIKey)) != 1 {
		return errorReply(http.StatusUnauthorized, "invalid or missing x-tenant-api-key header")
	}
	var body struct {
		ExternalUserID string `json:"ExternalUserId"`
	}
	if rep, ok := decodeBody(r, &body); !ok {
		return rep
	}
	if body.ExternalUserID == "" {
		return errorReply(http.StatusBadRequest, "missing ExternalUserId in request body")
	}
	s.stats.logins.Add(1)
	return tokenReply(s.issue(body.ExternalUserID, s.opts.TokenLifetime))
}

// rotate marks the refresh token of a refresh request as used and issues
// a new token pair for the same user.
func (s *Server) rotate(r *http.Request) reply {
	if rep, ok := checkAuthRequest(r); !ok {
		return rep
	}
	var body struct {
		RefreshToken string `json:"refreshToken"`
	}
	if rep, ok := decodeBody(r, &body); !ok {
		return rep
	}
	if body.RefreshToken == "" {
		return errorReply(http.StatusBadRequest, "missing refreshToken in request body")
	}
	externalUserID, rep, ok := s.useRefreshToken(body.RefreshToken)
	if !ok {
		return rep
	}
	s.stats.refreshes.Add(1)
	return tokenReply(s.issue(externalUserID, s.opts.TokenLifetime))
}

// useRefreshToken marks token as used and returns the external user id
// that it was issued for. The check and the mark happen under one lock, so
// of two concurrent refreshes with the same token exactly one succeeds.
func (s *Server) useRefreshToken(token string) (string, reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectRefreshes > 0 {
		s.rejectRefreshes--
		return "", errorReply(http.StatusUnauthorized, "refresh token revoked"), false
	}
	g := s.refresh[token]
	switch {
	case g == nil:
		return "", errorReply(http.StatusUnauthorized, "invalid refresh token"), false
	case g.revoked:
		return "", errorReply(http.StatusUnauthorized, "refresh token revoked"), false
	case g.used:
		s.stats.refreshReuse.Add(1)
		return "", errorReply(http.StatusUnauthorized, "refresh token already used"), false
	}
	g.used = true
	return g.externalUserID, reply{}, true
}

// checkAuthRequest checks the form that login and refresh requests share,
// which is the method POST, a JSON content type and no Authorization
// header.
func checkAuthRequest(r *http.Request) (reply, bool) {
	if r.Method != http.MethodPost {
		message := "method " + r.Method + " not allowed, use POST"
		rep := errorReply(http.StatusMethodNotAllowed, message)
		rep.header = http.Header{"Allow": {http.MethodPost}}
		return rep, false
	}
	if len(r.Header.Values("Authorization")) > 0 {
		message := "unexpected Authorization header on an auth endpoint"
		return errorReply(http.StatusBadRequest, message), false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		message := "Content-Type must be application/json"
		return errorReply(http.StatusUnsupportedMediaType, message), false
	}
	return reply{}, true
}

// decodeBody decodes the JSON body of r into v. The error message leaves
// out the decoder's error, which can quote the body and so a token.
func decodeBody(r *http.Request, v any) (reply, bool) {
	body := http.MaxBytesReader(nil, r.Body, maxAuthBody)
	err := json.NewDecoder(body).Decode(v)
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errorReply(http.StatusRequestEntityTooLarge, tooLargeMessage(tooLarge)), false
	}
	if err != nil {
		return errorReply(http.StatusBadRequest, "request body is not a valid JSON object"), false
	}
	return reply{}, true
}

func tooLargeMessage(err *http.MaxBytesError) string {
	return fmt.Sprintf("request body larger than the maximum of %d bytes", err.Limit)
}

// api checks the bearer token of a request to the protected endpoint and
// describes the request.
func (s *Server) api(r *http.Request) reply {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return unauthorized("missing Authorization header")
	}
	if len(values) > 1 {
		return unauthorized("multiple Authorization headers")
	}
	token, ok := bearerToken(values[0])
	if !ok {
		return unauthorized("Authorization header is not a bearer token")
	}
	externalUserID, rep, ok := s.checkAccessToken(token)
	if !ok {
		return rep
	}
	return s.describe(r, externalUserID)
}

// bearerToken returns the token of a "Bearer <token>" header value. The
// scheme is case-insensitive.
func bearerToken(value string) (string, bool) {
	scheme, token, ok := strings.Cut(value, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// checkAccessToken checks the signature of token and the server's record
// of it, and returns the external user id it was issued for.
func (s *Server) checkAccessToken(token string) (string, reply, bool) {
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithoutClaimsValidation())
	if err != nil {
		return "", unauthorized("invalid access token"), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.access[token]
	switch {
	case g == nil:
		return "", unauthorized("invalid access token"), false
	case g.revoked:
		return "", unauthorized("access token revoked"), false
	case g.expired || !s.now().Before(g.expiry):
		return "", unauthorized("access token expired"), false
	}
	return g.externalUserID, reply{}, true
}

// describe reads the body of an authorized request and returns the 200
// reply that describes the request.
func (s *Server) describe(r *http.Request, externalUserID string) reply {
	hash := sha256.New()
	n, err := io.Copy(hash, http.MaxBytesReader(nil, r.Body, maxAPIBody))
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errorReply(http.StatusRequestEntityTooLarge, tooLargeMessage(tooLarge))
	}
	if err != nil {
		return errorReply(http.StatusBadRequest, "failed to read request body")
	}
	return reply{status: http.StatusOK, body: APIResponse{
		ExternalUserID: externalUserID,
		Tenant:         s.opts.Tenant,
		Method:         r.Method,
		BodyLength:     n,
		BodySHA256:     hex.EncodeToString(hash.Sum(nil)),
	}}
}
