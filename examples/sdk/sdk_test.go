package sdk

import (
	"fmt"
	"strings"
	"testing"
)

func TestConfigRedactsKey(t *testing.T) {
	cfg := Config{ServiceURL: "https://kg.example.com", TenantAPIKey: "key-secret", UserID: "u"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, cfg); strings.Contains(got, "key-secret") {
			t.Errorf("Sprintf(%s) = %q; want the key redacted", verb, got)
		}
	}
}
