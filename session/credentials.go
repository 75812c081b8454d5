package session

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// redacted replaces every secret in String, Format and slog output.
const redacted = "[REDACTED]"

// Credentials are the tenant API key and external user id that a
// permanent session logs in with. String, GoString, Format and LogValue
// show the external user id and never the API key.
type Credentials struct {
	TenantAPIKey   string // the tenant's API key, a secret
	ExternalUserID string // the user's id in the tenant's own system
}

// String returns the credentials with the API key redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{ExternalUserID: %q, TenantAPIKey: %s}",
		c.ExternalUserID, redactIfSet(c.TenantAPIKey))
}

// GoString returns the same text as String, so %#v cannot show the key.
func (c Credentials) GoString() string { return c.String() }

// Format writes String for every verb, so no verb can print the key.
func (c Credentials) Format(f fmt.State, verb rune) { writeFormatted(f, verb, c.String()) }

// LogValue implements [slog.LogValuer] without the API key.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("external_user_id", c.ExternalUserID),
		slog.String("tenant_api_key", redactIfSet(c.TenantAPIKey)),
	)
}

// Validate reports whether both fields are set.
func (c Credentials) Validate() error {
	switch {
	case c.TenantAPIKey == "":
		return fmt.Errorf("%w: tenant API key is empty", ErrInvalidCredentials)
	case c.ExternalUserID == "":
		return fmt.Errorf("%w: external user id is empty", ErrInvalidCredentials)
	}
	return nil
}

func redactIfSet(secret string) string {
	if secret == "" {
		return `""`
	}
	return redacted
}

// writeFormatted prints s for %s, %v, %q and every other verb, so that
// a type's Format never falls back to printing its fields.
func writeFormatted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s)
		return
	}
	fmt.Fprint(f, s)
}

// MarshalJSON encodes the credentials with the API key redacted, so that
// encoding a struct that holds them, as slog's JSON handler does, cannot
// write the key.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"ExternalUserID": c.ExternalUserID,
		"TenantAPIKey":   redactIfSet(c.TenantAPIKey),
	})
}
