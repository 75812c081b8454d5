package knowledge

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// redacted replaces a secret in error messages.
const redacted = "[REDACTED]"

// maxMessageBytes is the maximum length of [StatusError.Message].
const maxMessageBytes = 256

// serverMessage returns the message, error or detail field of a JSON
// object body, or else the whole body as text. A field that is an object
// or array is returned as JSON text.
func serverMessage(body []byte) string {
	// encoding/json matches field names without regard to case, so
	// "Message" from a .NET service is found too.
	var fields struct {
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &fields) == nil {
		for _, raw := range []json.RawMessage{fields.Message, fields.Error, fields.Detail} {
			if text := jsonText(raw); text != "" {
				return text
			}
		}
	}
	return string(body)
}

// jsonText returns a JSON string's value, "" for null or nothing, and the
// JSON text of any other value.
func jsonText(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	return string(raw)
}

// excerpt removes the secrets from msg, replaces control characters and
// runs of white space by one space, and cuts the result to
// maxMessageBytes. The secrets are removed before the cut, because a cut
// through a secret would leave a prefix that no longer matches.
func excerpt(msg string, secrets []string) string {
	msg = scrub(msg, secrets)
	// Four times the limit leaves enough text after white space is
	// collapsed, and keeps a large body from being scanned in full.
	if len(msg) > 4*maxMessageBytes {
		msg = msg[:4*maxMessageBytes]
	}
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	msg = strings.Map(controlToSpace, msg)
	msg = strings.Join(strings.Fields(msg), " ")
	return truncate(msg, maxMessageBytes)
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

// scrub replaces every secret in s by [REDACTED], in its raw form and in
// the forms that JSON, URL queries and URL paths escape it to.
// minSecretLength is the length below which a value is not scrubbed:
// replacing every occurrence of a one- or two-letter string would mangle
// messages and show which letters the secret holds. Real API keys and
// tokens are far longer.
const minSecretLength = 6

func scrub(s string, secrets []string) string {
	for _, form := range secretForms(secrets) {
		s = strings.ReplaceAll(s, form, redacted)
	}
	return s
}

// secretForms returns the distinct non-empty forms of the secrets,
// longest first, so that a form containing another is replaced whole.
// Sorting equal lengths by text puts duplicates next to each other for
// [slices.Compact].
func secretForms(secrets []string) []string {
	var forms []string
	for _, secret := range secrets {
		if len(secret) < minSecretLength {
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
