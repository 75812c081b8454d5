package httpauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	const token = "rt+7d3e/91c0b5a8=="
	tests := []struct {
		name    string
		s       string
		secrets []string
		want    string
	}{
		{"raw", "token " + token + " revoked", []string{token}, "token [REDACTED] revoked"},
		{"query-escaped", "?rt=rt%2B7d3e%2F91c0b5a8%3D%3D&x=1", []string{token}, "?rt=[REDACTED]&x=1"},
		{"path-escaped", "/next/rt+7d3e%2F91c0b5a8==/", []string{token}, "/next/[REDACTED]/"},
		{"JSON-escaped", `"p\"w\\d\u003c1\u003e"`, []string{`p"w\d<1>`}, `"[REDACTED]"`},
		{"every occurrence", token + token, []string{token}, "[REDACTED][REDACTED]"},
		{"longest first", "abcdefgh", []string{"abcdef", "abcdefgh"}, "[REDACTED]"},
		{"duplicate secrets", "x abcdef y", []string{"abcdef", "abcdef"}, "x [REDACTED] y"},
		{"six bytes", "key abcdef", []string{"abcdef"}, "key [REDACTED]"},
		{"five bytes kept", "key abcde", []string{"abcde"}, "key abcde"},
		{"one letter kept", "a message", []string{"a"}, "a message"},
		{"empty secret", "a message", []string{""}, "a message"},
		{"no secrets", "a message", nil, "a message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Scrub(tt.s, tt.secrets); got != tt.want {
				t.Errorf("Scrub(%q) = %q; want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestScrubRequestError(t *testing.T) {
	const secret = "refresh-token-value"
	secrets := []string{secret}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			"URL of url.Error",
			&url.Error{Op: "Post", URL: "http://h/next?rt=" + secret, Err: errors.New("EOF")},
			`Post "http://h/next?rt=[REDACTED]": EOF`,
		},
		{
			"nested url.Error",
			&url.Error{Op: "Post", URL: "http://h/" + secret, Err: &url.Error{
				Op: "parse", URL: "/%zz/" + secret, Err: url.EscapeError("%zz"),
			}},
			`Post "http://h/[REDACTED]": parse "/%zz/[REDACTED]": invalid URL escape "%zz"`,
		},
		{
			"quoted in a wrapped message",
			&url.Error{Op: "Post", URL: "http://h/", Err: fmt.Errorf("failed to parse Location header %q", "/"+secret)},
			`Post "http://h/": failed to parse Location header "/[REDACTED]"`,
		},
		{
			"not a url.Error",
			fmt.Errorf("dial: %s", secret),
			"dial: [REDACTED]",
		},
		{
			"rejected redirect",
			&url.Error{Op: "Post", URL: "http://other/" + secret, Err: &redirectError{
				from: "http://h:80", to: "http://other:80", sentinel: errTestRedirect,
			}},
			"redirect from http://h:80 to http://other:80 rejected because it changes the scheme, host or port",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ScrubRequestError(tt.err, secrets)
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
			if got := fmt.Sprintf("%+v %#v", err, err); strings.Contains(got, secret) {
				t.Errorf("formatted error %q contains the secret", got)
			}
			// errors.As finds the outermost url.Error, which callers use.
			var urlErr *url.Error
			if errors.As(err, &urlErr) && strings.Contains(urlErr.Error(), secret) {
				t.Errorf("url.Error in the chain = %q; want it without the secret", urlErr)
			}
		})
	}
}

func TestScrubRequestErrorKeepsChain(t *testing.T) {
	const secret = "refresh-token-value"
	inner := &url.Error{Op: "Post", URL: "http://h/" + secret, Err: context.DeadlineExceeded}
	err := ScrubRequestError(inner, []string{secret})

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false; want true", err)
	}
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("errors.As(%v, *url.Error) = false; want true", err)
	}
	if want := "http://h/[REDACTED]"; urlErr.URL != want {
		t.Errorf("url.Error URL = %q; want %q", urlErr.URL, want)
	}
	if !urlErr.Timeout() {
		t.Error("url.Error Timeout() = false; want true")
	}
	if want := `Post "http://h/[REDACTED]": context deadline exceeded`; urlErr.Error() != want {
		t.Errorf("url.Error Error() = %q; want %q", urlErr.Error(), want)
	}
	if inner.URL != "http://h/"+secret {
		t.Errorf("original url.Error URL = %q; want it unchanged", inner.URL)
	}
}
