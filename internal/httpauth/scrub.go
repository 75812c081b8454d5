package httpauth

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces a secret in error messages and String output.
const Redacted = "[REDACTED]"

// minSecretLength is the length below which a value is not scrubbed:
// replacing every occurrence of a one- or two-letter string would mangle
// messages and show which letters the secret holds. Real API keys and
// tokens are far longer.
const minSecretLength = 6

// Scrub replaces every secret in s by [Redacted], in its raw form and in
// the forms that JSON, URL queries and URL paths escape it to. Secrets
// shorter than 6 bytes are left in place.
func Scrub(s string, secrets []string) string {
	for _, form := range secretForms(secrets) {
		s = strings.ReplaceAll(s, form, Redacted)
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

// ScrubRequestError returns an error of [http.Client.Do] for a request
// that carried the secrets, made safe to show. The URL in a [*url.Error]
// may be a Location set by the server, so the secrets are removed from
// it and from the whole message. A redirect rejected by the check of
// [NewClient] drops the URL altogether.
func ScrubRequestError(err error, secrets []string) error {
	var redirectErr *redirectError
	if errors.As(err, &redirectErr) {
		return redirectErr
	}
	return &scrubbedError{err: scrubURLErrors(err, secrets), secrets: secrets}
}

// scrubURLErrors returns err with the secrets removed from the URL of
// every [url.Error] at the head of its chain, and from the message of
// the error that the last one wraps. net/http reports a bad redirect
// Location as a url.Error around an error that quotes it. An error whose
// message contains no secret is not wrapped, because [url.Error.Timeout]
// checks the type of the error it wraps.
func scrubURLErrors(err error, secrets []string) error {
	urlErr, ok := err.(*url.Error)
	if !ok {
		if msg := err.Error(); Scrub(msg, secrets) != msg {
			return &scrubbedError{err: err, secrets: secrets}
		}
		return err
	}
	scrubbed := *urlErr
	scrubbed.URL = Scrub(urlErr.URL, secrets)
	scrubbed.Err = scrubURLErrors(urlErr.Err, secrets)
	return &scrubbed
}

// scrubbedError is an error whose message has the secrets of the
// request removed, whatever the wrapped error quotes. Its %#v output is
// that message too, because the default would show the secrets field.
type scrubbedError struct {
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string { return Scrub(e.err.Error(), e.secrets) }

func (e *scrubbedError) GoString() string { return e.Error() }

func (e *scrubbedError) Unwrap() error { return e.err }
