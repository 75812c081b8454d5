package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// freshToken returns a token for user u-42 of tenant t1 that expires
// after d, made unique by n.
func freshToken(d time.Duration, n int) string {
	return tokenWith(func(m map[string]any) {
		m["exp"] = time.Now().Add(d).Unix()
		m["jti"] = n
	})
}

func TestNewKinds(t *testing.T) {
	access := freshToken(time.Hour, 1)
	creds := Credentials{TenantAPIKey: "key-secret", ExternalUserID: "u-42"}
	tests := []struct {
		name        string
		tokens      Tokens
		creds       *Credentials
		want        Kind
		refreshable bool
	}{
		{"timed", Tokens{AccessToken: access}, nil, Timed, false},
		{"refreshable", Tokens{AccessToken: access, RefreshToken: "r1"}, nil, Refreshable, true},
		{"permanent", Tokens{AccessToken: access, RefreshToken: "r1"}, &creds, Permanent, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.tokens, tt.creds)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if s.Kind() != tt.want {
				t.Errorf("Kind = %v; want %v", s.Kind(), tt.want)
			}
			if s.Refreshable() != tt.refreshable {
				t.Errorf("Refreshable = %v; want %v", s.Refreshable(), tt.refreshable)
			}
			if s.ID() != ID(testIssuer, "t1", "u-42") {
				t.Errorf("ID = %s; want the id of t1/u-42", s.ID())
			}
			if s.Expired() {
				t.Errorf("Expired = true for a token valid for an hour")
			}
			if left := s.TimeLeft(); left < 59*time.Minute || left > time.Hour {
				t.Errorf("TimeLeft = %v; want about 1h", left)
			}
			_, hasCreds := s.Credentials()
			if hasCreds != (tt.want == Permanent) {
				t.Errorf("Credentials ok = %v for kind %v", hasCreds, tt.want)
			}
			if s.ServiceHost() != "private-knowledge.wacom.com" {
				t.Errorf("ServiceHost = %q", s.ServiceHost())
			}
		})
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	access := freshToken(time.Hour, 1)
	if _, err := NewRefreshable(Tokens{AccessToken: access}); !errors.Is(err, ErrMissingRefreshToken) {
		t.Errorf("NewRefreshable without refresh token: error = %v; want ErrMissingRefreshToken", err)
	}
	_, err := NewPermanent(Tokens{AccessToken: access, RefreshToken: "r"}, Credentials{ExternalUserID: "u"})
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("NewPermanent without API key: error = %v; want ErrInvalidCredentials", err)
	}
	if _, err := NewTimed("not-a-jwt"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("NewTimed(garbage): error = %v; want ErrInvalidToken", err)
	}
	relative := tokenWith(func(m map[string]any) { m["iss"] = "/no/host" })
	var ce *ClaimError
	if _, err := NewTimed(relative); !errors.As(err, &ce) || ce.Claim != "iss" {
		t.Errorf("NewTimed(iss without host): error = %v; want ClaimError for iss", err)
	}
}

func TestUpdateRejectsOtherIdentity(t *testing.T) {
	s, err := NewRefreshable(Tokens{AccessToken: freshToken(time.Hour, 1), RefreshToken: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	before := s.Snapshot()
	tests := []struct{ claim, value string }{
		{"tenant", "t2"},
		{"ext-sub", "someone-else"},
		{"iss", "https://stage-private-knowledge.wacom.com"},
	}
	for _, tt := range tests {
		t.Run(tt.claim, func(t *testing.T) {
			other := tokenWith(func(m map[string]any) {
				m[tt.claim] = tt.value
				m["exp"] = time.Now().Add(time.Hour).Unix()
			})
			_, err := s.Update(Tokens{AccessToken: other, RefreshToken: "r-other"})
			var me *MismatchError
			if !errors.As(err, &me) || me.Claim != tt.claim {
				t.Fatalf("Update error = %v; want MismatchError on %s", err, tt.claim)
			}
			if !errors.Is(err, ErrIdentityMismatch) {
				t.Errorf("errors.Is(err, ErrIdentityMismatch) = false")
			}
			if s.Snapshot() != before {
				t.Errorf("session changed its tokens after a rejected update")
			}
			if s.RefreshToken() != "r1" {
				t.Errorf("RefreshToken = %q; want r1 kept", s.RefreshToken())
			}
		})
	}
}

func TestUpdateKeepsRefreshTokenWhenNoneGiven(t *testing.T) {
	s, err := NewRefreshable(Tokens{AccessToken: freshToken(time.Hour, 1), RefreshToken: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	next := freshToken(2*time.Hour, 2)
	snap, err := s.Update(Tokens{AccessToken: next})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if snap.AccessToken() != next || s.AccessToken() != next {
		t.Errorf("access token not replaced")
	}
	if s.RefreshToken() != "r1" {
		t.Errorf("RefreshToken = %q; want r1", s.RefreshToken())
	}
	if _, err := s.Update(Tokens{AccessToken: next, RefreshToken: "r2"}); err != nil {
		t.Fatal(err)
	}
	if s.RefreshToken() != "r2" {
		t.Errorf("RefreshToken = %q; want rotated r2", s.RefreshToken())
	}
}

// TestSnapshotSwapIsAtomic checks that a reader never pairs a token with
// claims decoded from another token.
func TestSnapshotSwapIsAtomic(t *testing.T) {
	s, err := NewRefreshable(Tokens{AccessToken: freshToken(time.Hour, 0), RefreshToken: "r0"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, 50)
	expiry := map[string]time.Time{}
	for i := range tokens {
		tokens[i] = freshToken(time.Duration(i+1)*time.Hour, i)
		c, _ := ParseClaims(tokens[i])
		expiry[tokens[i]] = c.Expiry
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad sync.Map
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				snap := s.Snapshot()
				if want, ok := expiry[snap.AccessToken()]; ok && !want.Equal(snap.Expiry()) {
					bad.Store(snap.AccessToken(), true)
				}
			}
		})
	}
	for _, tok := range tokens {
		if _, err := s.Update(Tokens{AccessToken: tok}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	bad.Range(func(_, _ any) bool {
		t.Errorf("a reader saw a token with the claims of another token")
		return false
	})
}

func TestRedaction(t *testing.T) {
	access := freshToken(time.Hour, 1)
	const refresh, key = "refresh-secret-123", "api-key-secret-456"
	creds := Credentials{TenantAPIKey: key, ExternalUserID: "u-42"}
	s, err := NewPermanent(Tokens{AccessToken: access, RefreshToken: refresh}, creds)
	if err != nil {
		t.Fatal(err)
	}
	tokens := Tokens{AccessToken: access, RefreshToken: refresh}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	values := []any{s, s.Snapshot(), *s.Snapshot(), creds, &creds, tokens, &tokens}
	var out strings.Builder
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		logger.Info("value", "v", v)
	}
	for _, v := range []any{creds, tokens, struct{ C Credentials }{creds}, []Tokens{tokens}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	logger.Info("nested", "v", struct{ T Tokens }{tokens})
	out.WriteString(logs.String())
	for _, secret := range []string{access, refresh, key} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output contains a secret:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), s.ID()) {
		t.Errorf("output does not show the session id")
	}
	if !strings.Contains(out.String(), "permanent") {
		t.Errorf("output does not show the kind")
	}
}
