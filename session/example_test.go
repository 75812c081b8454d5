package session_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
)

func ExampleParseClaims() {
	token := sessiontest.NewJWT(map[string]any{
		"tenant": "tenant-1", "roles": "User", "exp": "1893456000",
		"iss": "https://kg.example.com", "ext-sub": "user-1",
	})
	claims, err := session.ParseClaims(token)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(claims.Tenant, claims.ExternalUserID, claims.Roles, claims.Expiry.UTC())
	// Output: tenant-1 user-1 [User] 2030-01-01 00:00:00 +0000 UTC
}

// A token of another user cannot replace the session's token.
func ExampleSession_Update() {
	tokenFor := func(user string) string {
		return sessiontest.NewJWT(map[string]any{
			"tenant": "tenant-1", "roles": "User", "exp": time.Now().Add(time.Hour).Unix(),
			"iss": "https://kg.example.com", "ext-sub": user,
		})
	}
	s, err := session.NewRefreshable(session.Tokens{AccessToken: tokenFor("user-1"), RefreshToken: "r1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.Update(session.Tokens{AccessToken: tokenFor("user-2")})
	fmt.Println(errors.Is(err, session.ErrIdentityMismatch), s.Claims().ExternalUserID)
	// Output: true user-1
}

// An access token that is not a JWT, as many OAuth 2.0 servers issue,
// makes an opaque session whose expiry is the one the token response
// stated.
func ExampleNewOpaque() {
	tokens := session.Tokens{
		AccessToken:  "opaque-access-token",
		RefreshToken: "opaque-refresh-token",
		Expiry:       time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	s, err := session.NewOpaque("https://api.example.com", "user-1", tokens, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Kind(), s.Opaque(), s.ServiceHost(), s.Expiry())
	// Output: refreshable true api.example.com 2030-01-01 00:00:00 +0000 UTC
}
