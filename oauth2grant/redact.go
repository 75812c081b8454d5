package oauth2grant

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// redacted replaces a secret in messages and String output.
const redacted = "[REDACTED]"

// Maximum lengths of the server's text in an [*Error].
const (
	maxDescriptionBytes = 256
	maxCodeBytes        = 64
)

// excerpt removes the secrets from msg, turns control characters and
// runs of white space into one space, and cuts the result to n bytes.
// Secrets go first, because a cut through one would leave a prefix that
// no longer matches.
func excerpt(msg string, secrets []string, n int) string {
	msg = scrub(msg, secrets)
	// Four times the limit leaves enough text after white space is
	// collapsed, and keeps a large body from being scanned in full.
	if len(msg) > 4*n {
		msg = msg[:4*n]
	}
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, msg)
	return truncate(strings.Join(strings.Fields(msg), " "), n)
}

// scrub replaces every form of each secret in s by [REDACTED].
func scrub(s string, secrets []string) string {
	for _, form := range secretForms(secrets) {
		s = strings.ReplaceAll(s, form, redacted)
	}
	return s
}

// truncate cuts s to at most n bytes on a rune boundary and ends it with
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

// secretForms returns each non-empty secret as sent and as form, URL
// path and JSON encoding would escape it, longest first, so that a form
// that contains another is replaced whole.
func secretForms(secrets []string) []string {
	var forms []string
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		forms = append(forms, secret, url.QueryEscape(secret), url.PathEscape(secret))
		if quoted, err := json.Marshal(secret); err == nil {
			forms = append(forms, string(quoted[1:len(quoted)-1]))
		}
	}
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(forms)
}

// basicCredentials returns the value that follows "Basic " in the
// Authorization header for the client id and secret.
func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}
