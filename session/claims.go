package session

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenBytes is the longest access token [ParseClaims] decodes.
// Real access tokens are a few kilobytes; a longer one is rejected
// before any decoding.
const MaxTokenBytes = 64 << 10

// Claims are the claims of an access token that a session relies on.
// They hold no secret and print as they are.
type Claims struct {
	Tenant         string    // "tenant": tenant id
	Roles          []string  // "roles": a string or an array of strings
	Expiry         time.Time // "exp", truncated to whole seconds
	Issuer         string    // "iss": URL of the issuing service
	ExternalUserID string    // "ext-sub": the external user id
}

// SessionID returns the id of the session these claims belong to.
func (c Claims) SessionID() string {
	return ID(c.Issuer, c.Tenant, c.ExternalUserID)
}

// ID returns the session id of a user: the lowercase hex SHA-256 of
// issuer, tenant and external user id concatenated with no separator.
// Other clients of the service compute the same id.
func ID(issuer, tenant, externalUserID string) string {
	sum := sha256.Sum256([]byte(issuer + tenant + externalUserID))
	return hex.EncodeToString(sum[:])
}

// parser decodes tokens without verifying them: the client holds no key.
// Padding is accepted because some issuers keep it; exp stays a
// json.Number so integer, float and exponent forms decode exactly.
var parser = jwt.NewParser(jwt.WithPaddingAllowed(), jwt.WithJSONNumber())

// ParseClaims decodes the claims of an access token without verifying
// its signature. A missing or malformed claim gives a [*ClaimError] that
// names it; any other defect wraps [ErrInvalidToken]. Errors never
// quote the token.
func ParseClaims(token string) (Claims, error) {
	if token == "" {
		return Claims{}, fmt.Errorf("%w: token is empty", ErrInvalidToken)
	}
	if len(token) > MaxTokenBytes {
		return Claims{}, fmt.Errorf("%w: token is %d bytes, more than the maximum of %d",
			ErrInvalidToken, len(token), MaxTokenBytes)
	}
	if n := strings.Count(token, "."); n != 2 {
		return Claims{}, fmt.Errorf("%w: token has %d segments; a JWT has 3", ErrInvalidToken, n+1)
	}
	raw := jwt.MapClaims{}
	if _, _, err := parser.ParseUnverified(token, raw); err != nil {
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalidToken, describeParseError(err))
	}
	return claimsFromMap(raw)
}

// describeParseError names the segment that failed to decode. The
// messages of golang-jwt name the segment and the byte offset and never
// quote the token.
func describeParseError(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "decode header"):
		return "header segment is not valid base64url JSON: " + msg
	case strings.Contains(msg, "decode claim"):
		return "payload segment is not valid base64url JSON: " + msg
	}
	return msg
}

func claimsFromMap(raw jwt.MapClaims) (Claims, error) {
	var c Claims
	var err error
	if c.Tenant, err = stringClaim(raw, "tenant"); err != nil {
		return Claims{}, err
	}
	if c.Roles, err = rolesClaim(raw); err != nil {
		return Claims{}, err
	}
	if c.Expiry, err = expiryClaim(raw); err != nil {
		return Claims{}, err
	}
	if c.Issuer, err = stringClaim(raw, "iss"); err != nil {
		return Claims{}, err
	}
	if c.ExternalUserID, err = stringClaim(raw, "ext-sub"); err != nil {
		return Claims{}, err
	}
	return c, nil
}

func stringClaim(raw jwt.MapClaims, name string) (string, error) {
	v, ok := raw[name]
	if !ok || v == nil {
		return "", &ClaimError{Claim: name, Reason: "is missing"}
	}
	s, ok := v.(string)
	if !ok {
		return "", &ClaimError{Claim: name, Reason: "must be a string, got " + jsonType(v)}
	}
	if s == "" {
		return "", &ClaimError{Claim: name, Reason: "is empty"}
	}
	return s, nil
}

func rolesClaim(raw jwt.MapClaims) ([]string, error) {
	v, ok := raw["roles"]
	if !ok || v == nil {
		return nil, &ClaimError{Claim: "roles", Reason: "is missing"}
	}
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		roles := make([]string, 0, len(v))
		for i, r := range v {
			s, ok := r.(string)
			if !ok {
				return nil, &ClaimError{Claim: "roles",
					Reason: fmt.Sprintf("element %d must be a string, got %s", i, jsonType(r))}
			}
			roles = append(roles, s)
		}
		return roles, nil
	}
	return nil, &ClaimError{Claim: "roles",
		Reason: "must be a string or an array of strings, got " + jsonType(v)}
}

// expiryClaim reads exp as an integer, a float, an exponent form or a
// numeric string, truncated to whole seconds.
func expiryClaim(raw jwt.MapClaims) (time.Time, error) {
	v, ok := raw["exp"]
	if !ok || v == nil {
		return time.Time{}, &ClaimError{Claim: "exp", Reason: "is missing"}
	}
	var text string
	switch v := v.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = strings.TrimSpace(v)
	default:
		return time.Time{}, &ClaimError{Claim: "exp",
			Reason: "must be a number or a numeric string, got " + jsonType(v)}
	}
	secs, err := parseSeconds(text)
	if err != nil {
		return time.Time{}, &ClaimError{Claim: "exp", Reason: err.Error()}
	}
	return time.Unix(secs, 0), nil
}

// maxUnixSeconds is the last second of the year 9999, the latest exp
// accepted, so that expiry arithmetic in nanoseconds cannot overflow.
const maxUnixSeconds = 253402300799

func parseSeconds(text string) (int64, error) {
	if secs, err := strconv.ParseInt(text, 10, 64); err == nil {
		return checkSeconds(secs)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("is out of range")
		}
		return 0, errors.New("is not a number of seconds")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= float64(maxUnixSeconds) {
		return 0, errors.New("is out of range")
	}
	return checkSeconds(int64(math.Trunc(f)))
}

func checkSeconds(secs int64) (int64, error) {
	if secs <= 0 || secs > maxUnixSeconds {
		return 0, errors.New("is out of range")
	}
	return secs, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
