package httpauth

import (
	"strings"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw, display, reason string
	}{
		{"https://auth.example.com/token", "https://auth.example.com/token", ""},
		{"https://user:hunter2@auth.example.com/t?key=hunter2", "https://auth.example.com/t", ""},
		{"", "", "URL is empty"},
		{"127.0.0.1:8080", "", MissingScheme},
		{"localhost:8080", "localhost:8080", MissingScheme},
		{"mailto:admin@example.com", "mailto:", ""},
		{"http://[::1", "", "missing ']' in host"},
	}
	for _, tt := range tests {
		u, display, reason := ParseEndpoint(tt.raw)
		if display != tt.display {
			t.Errorf("ParseEndpoint(%q) display = %q; want %q", tt.raw, display, tt.display)
		}
		if reason != tt.reason {
			t.Errorf("ParseEndpoint(%q) reason = %q; want %q", tt.raw, reason, tt.reason)
		}
		if (u == nil) != (reason != "") {
			t.Errorf("ParseEndpoint(%q) = %v with reason %q; want a URL exactly when there is no reason", tt.raw, u, reason)
		}
		if strings.Contains(display+reason, "hunter2") {
			t.Errorf("ParseEndpoint(%q) shows a secret: %q, %q", tt.raw, display, reason)
		}
	}
}
