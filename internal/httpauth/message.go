package httpauth

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Excerpt removes the secrets from msg, replaces control characters and
// runs of white space by one space, and cuts the result to at most n
// bytes, where n is at least 3 for the "..." that marks a cut. The
// secrets are removed before the cut, because a cut through a secret
// would leave a prefix that no longer matches.
func Excerpt(msg string, secrets []string, n int) string {
	msg = Scrub(msg, secrets)
	// Four times the limit leaves enough text after white space is
	// collapsed, and keeps a large body from being scanned in full.
	if len(msg) > 4*n {
		msg = msg[:4*n]
	}
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	msg = strings.Map(controlToSpace, msg)
	msg = strings.Join(strings.Fields(msg), " ")
	return truncate(msg, n)
}

func controlToSpace(r rune) rune {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
		return ' '
	}
	return r
}

// truncate cuts s to at most n bytes on a rune boundary, ending it with
// "..." when it was cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "..."
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// StatusLine returns "401 Unauthorized", or only the code when net/http
// has no text for it.
func StatusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return fmt.Sprint(code)
}
