package session

import (
	"errors"
	"testing"
	"time"
)

func TestNewOpaqueKindsAndID(t *testing.T) {
	creds := Credentials{TenantAPIKey: "k", ExternalUserID: "u"}
	tests := []struct {
		name   string
		tokens Tokens
		creds  *Credentials
		want   Kind
	}{
		{"timed", Tokens{AccessToken: "opaque-1"}, nil, Timed},
		{"refreshable", Tokens{AccessToken: "opaque-1", RefreshToken: "r"}, nil, Refreshable},
		{"permanent", Tokens{AccessToken: "opaque-1", RefreshToken: "r"}, &creds, Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewOpaque("https://auth.example.com", "user-7", tt.tokens, tt.creds)
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind() != tt.want || !s.Opaque() {
				t.Errorf("Kind = %v, Opaque = %v; want %v, true", s.Kind(), s.Opaque(), tt.want)
			}
			if s.ID() != ID("https://auth.example.com", "", "user-7") {
				t.Errorf("ID = %s; want ID(serviceURL, \"\", userID)", s.ID())
			}
			if s.ServiceHost() != "auth.example.com" {
				t.Errorf("ServiceHost = %q", s.ServiceHost())
			}
		})
	}
}

func TestNewOpaqueUnknownExpiry(t *testing.T) {
	s, err := NewOpaque("https://auth.example.com", "u", Tokens{AccessToken: "a", RefreshToken: "r"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Expired() {
		t.Errorf("Expired = true for a token of unknown expiry")
	}
	if s.TimeLeft() < 100*365*24*time.Hour {
		t.Errorf("TimeLeft = %v; want the maximum duration", s.TimeLeft())
	}
	exp := time.Now().Add(time.Minute).Truncate(time.Second)
	if _, err := s.Update(Tokens{AccessToken: "b", Expiry: exp}); err != nil {
		t.Fatal(err)
	}
	if !s.Expiry().Equal(exp) || s.RefreshToken() != "r" || s.AccessToken() != "b" {
		t.Errorf("after Update: expiry %v, refresh %q; want %v and r kept", s.Expiry(), s.RefreshToken(), exp)
	}
	if _, err := s.Update(Tokens{}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Update(empty) error = %v; want ErrInvalidToken", err)
	}
}

func TestNewOpaqueRejectsBadInput(t *testing.T) {
	good := Tokens{AccessToken: "a"}
	if _, err := NewOpaque("relative/path", "u", good, nil); err == nil {
		t.Errorf("relative service URL accepted")
	}
	if _, err := NewOpaque("https://x.example", "", good, nil); err == nil {
		t.Errorf("empty user id accepted")
	}
	if _, err := NewOpaque("https://x.example", "u", Tokens{}, nil); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("empty token: error = %v; want ErrInvalidToken", err)
	}
	creds := Credentials{TenantAPIKey: "k", ExternalUserID: "u"}
	if _, err := NewOpaque("https://x.example", "u", good, &creds); !errors.Is(err, ErrMissingRefreshToken) {
		t.Errorf("permanent without refresh token: error = %v; want ErrMissingRefreshToken", err)
	}
}
