package session

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const testIssuer = "https://private-knowledge.wacom.com"

// rawToken builds a token from a header and a payload segment as given,
// with a fixed signature segment, so tests control every byte.
func rawToken(header, payload string) string {
	return header + "." + payload + ".c2ln"
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

var testHeader = segment(map[string]string{"alg": "HS256", "typ": "JWT"})

func baseClaims() map[string]any {
	return map[string]any{
		"tenant":  "t1",
		"roles":   "User",
		"exp":     1700000000,
		"iss":     testIssuer,
		"ext-sub": "u-42",
	}
}

func tokenWith(change func(map[string]any)) string {
	c := baseClaims()
	if change != nil {
		change(c)
	}
	return rawToken(testHeader, segment(c))
}

func TestSessionIDKnownValue(t *testing.T) {
	got := ID("https://private-knowledge.wacom.com", "t1", "u-42")
	const want = "a3f14892a1d9be3924e5eb9b6bbb3a266254c34d8eafb9ff9dcdf13fa7f537b1"
	if got != want {
		t.Fatalf("ID = %s; want %s", got, want)
	}
}

func TestParseClaimsExpiryForms(t *testing.T) {
	want := time.Unix(1700000000, 0)
	tests := []struct {
		name string
		exp  any
	}{
		{"integer", json.Number("1700000000")},
		{"float", json.Number("1700000000.528239")},
		{"exponent", json.Number("1.7e9")},
		{"string integer", "1700000000"},
		{"string float", "1700000000.5"},
		{"string with spaces", " 1700000000 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseClaims(tokenWith(func(m map[string]any) { m["exp"] = tt.exp }))
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if !c.Expiry.Equal(want) {
				t.Errorf("Expiry = %v; want %v", c.Expiry, want)
			}
			if c.Tenant != "t1" || c.ExternalUserID != "u-42" || c.Issuer != testIssuer {
				t.Errorf("other claims = %+v; want tenant t1, ext-sub u-42, iss %s", c, testIssuer)
			}
		})
	}
}

func TestParseClaimsRolesForms(t *testing.T) {
	tests := []struct {
		name  string
		roles any
		want  []string
	}{
		{"string", "User", []string{"User"}},
		{"array", []string{"User", "Admin"}, []string{"User", "Admin"}},
		{"empty array", []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseClaims(tokenWith(func(m map[string]any) { m["roles"] = tt.roles }))
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if strings.Join(c.Roles, ",") != strings.Join(tt.want, ",") || len(c.Roles) != len(tt.want) {
				t.Errorf("Roles = %q; want %q", c.Roles, tt.want)
			}
		})
	}
}

func TestParseClaimsMissingClaim(t *testing.T) {
	for _, name := range []string{"tenant", "roles", "exp", "iss", "ext-sub"} {
		t.Run(name, func(t *testing.T) {
			token := tokenWith(func(m map[string]any) { delete(m, name) })
			_, err := ParseClaims(token)
			var ce *ClaimError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v; want *ClaimError", err)
			}
			if ce.Claim != name {
				t.Errorf("ClaimError.Claim = %q; want %q", ce.Claim, name)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("errors.Is(%v, ErrInvalidToken) = false", err)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}
}

func TestParseClaimsWrongTypes(t *testing.T) {
	tests := []struct {
		claim string
		value any
	}{
		{"tenant", 7},
		{"tenant", ""},
		{"iss", true},
		{"ext-sub", []string{"u"}},
		{"roles", 3},
		{"roles", []any{"User", 4}},
		{"exp", "soon"},
		{"exp", true},
		{"exp", json.Number("-5")},
		{"exp", json.Number("1e300")},
		{"exp", "99999999999999999999999"},
		{"exp", nil},
	}
	for _, tt := range tests {
		t.Run(tt.claim, func(t *testing.T) {
			_, err := ParseClaims(tokenWith(func(m map[string]any) { m[tt.claim] = tt.value }))
			var ce *ClaimError
			if !errors.As(err, &ce) {
				t.Fatalf("%s=%v: error = %v; want *ClaimError", tt.claim, tt.value, err)
			}
			if ce.Claim != tt.claim {
				t.Errorf("ClaimError.Claim = %q; want %q", ce.Claim, tt.claim)
			}
		})
	}
}

func TestParseClaimsPaddedSegments(t *testing.T) {
	c := baseClaims()
	c["pad"] = "x" // makes the payload length need padding
	b, _ := json.Marshal(c)
	payload := base64.URLEncoding.EncodeToString(b)
	if !strings.HasSuffix(payload, "=") {
		t.Fatalf("test payload has no padding; adjust the claims")
	}
	got, err := ParseClaims(rawToken(testHeader, payload))
	if err != nil {
		t.Fatalf("ParseClaims(padded): %v", err)
	}
	if got.ExternalUserID != "u-42" {
		t.Errorf("ExternalUserID = %q; want u-42", got.ExternalUserID)
	}
}

func TestParseClaimsMalformed(t *testing.T) {
	good := segment(baseClaims())
	standard := base64.StdEncoding.EncodeToString([]byte(`{"tenant":"t1","x":"??>>"}`))
	if !strings.ContainsAny(standard, "+/") {
		t.Fatalf("test segment %q has no + or /", standard)
	}
	tests := []struct {
		name, token, wantText string
	}{
		{"empty", "", "empty"},
		{"one segment", "abc", "1 segments"},
		{"two segments", "abc.def", "2 segments"},
		{"four segments", "a.b.c.d", "4 segments"},
		{"standard alphabet payload", rawToken(testHeader, standard), "payload segment"},
		{"bad base64 header", rawToken("!!!", good), "header segment"},
		{"payload not JSON", rawToken(testHeader, base64.RawURLEncoding.EncodeToString([]byte("nope"))), "payload segment"},
		{"payload JSON array", rawToken(testHeader, segment([]int{1})), "payload segment"},
		{"huge", rawToken(testHeader, strings.Repeat("A", MaxTokenBytes)), "maximum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseClaims(tt.token)
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error = %v; want ErrInvalidToken", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %q; want it to mention %q", err, tt.wantText)
			}
			if tt.token != "" && len(tt.token) > 8 && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error quotes the token")
			}
		})
	}
}

func FuzzParseClaims(f *testing.F) {
	f.Add(tokenWith(nil))
	f.Add(tokenWith(func(m map[string]any) { m["exp"] = "1700000000.5" }))
	f.Add(tokenWith(func(m map[string]any) { m["roles"] = []string{"a", "b"} }))
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := ParseClaims(token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v does not wrap ErrInvalidToken", err)
			}
			return
		}
		if c.Tenant == "" || c.Issuer == "" || c.ExternalUserID == "" || c.Expiry.IsZero() {
			t.Fatalf("ParseClaims accepted incomplete claims %+v", c)
		}
	})
}
