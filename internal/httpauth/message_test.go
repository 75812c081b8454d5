package httpauth

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	const secret = "refresh-token-value"
	tests := []struct {
		name string
		msg  string
		n    int
		want string
	}{
		{"short text", "token revoked", 64, "token revoked"},
		{"line breaks and tabs", "plain text\nwith \t lines\r\n", 64, "plain text with lines"},
		{"control characters", "bad\x00\x1b[31mred", 64, "bad [31mred"},
		{"C1 control", "a\u0085b", 64, "a b"},
		{"invalid UTF-8", "caf\xe9", 64, "caf\uFFFD"},
		{"secret", "invalid " + secret, 64, "invalid [REDACTED]"},
		{"cut", strings.Repeat("x", 20), 10, "xxxxxxx..."},
		// Cut first, the text would keep "xxxxxrefresh-t...".
		{"secret across the limit", "xxxxx" + secret, 16, "xxxxx[REDACTED]"},
		{"long body", strings.Repeat("ab ", 10000), 8, "ab ab..."},
		{"empty", "", 64, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Excerpt(tt.msg, []string{secret}, tt.n)
			if got != tt.want {
				t.Errorf("Excerpt(%q, %d) = %q; want %q", tt.msg, tt.n, got, tt.want)
			}
		})
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	const limit = 256
	s := strings.Repeat("é", 200) // 400 bytes
	got := truncate(s, limit)
	if len(got) > limit {
		t.Errorf("len(truncate) = %d; want at most %d", len(got), limit)
	}
	if !strings.HasSuffix(got, "...") {
		t.Errorf("truncate = %q; want it to end with ...", got)
	}
	if strings.ContainsRune(got, '\uFFFD') || !strings.HasPrefix(got, "éé") {
		t.Errorf("truncate = %q; want whole runes", got)
	}
}

func TestStatusLine(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{200, "200 OK"},
		{400, "400 Bad Request"},
		{401, "401 Unauthorized"},
		{503, "503 Service Unavailable"},
		{599, "599"},
	}
	for _, tt := range tests {
		if got := StatusLine(tt.code); got != tt.want {
			t.Errorf("StatusLine(%d) = %q; want %q", tt.code, got, tt.want)
		}
	}
}
