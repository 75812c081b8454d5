package knowledge

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestParseExpirationDate(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2030-01-09T10:00:00Z", testExpiry},
		{"2030-01-09T10:00:00.5Z", testExpiry.Add(500 * ms)},
		{"2030-01-09T10:00:00.123456Z", testExpiry.Add(123456 * time.Microsecond)},
		{"2030-01-09T10:00:00.1234567Z", testExpiry.Add(123456700)},
		{"2030-01-09T10:00:00.1234567891Z", testExpiry.Add(123456789)},
		{"2030-01-09T10:00:00.123+00:00", testExpiry.Add(123 * ms)},
		{"2030-01-09T11:00:00+01:00", testExpiry},
		{"2030-01-09T05:30:00-04:30", testExpiry},
		{"2030-01-09T11:00:00+0100", testExpiry},
		{"2030-01-09T11:00:00.5+0100", testExpiry.Add(500 * ms)},
		{"2030-01-09T11:00:00+01", testExpiry},
		{"2030-01-09T10:00:00", testExpiry},
		{"2030-01-09T10:00:00.1234567", testExpiry.Add(123456700)},
		{" 2030-01-09T10:00:00Z\n", testExpiry},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseExpirationDate(tt.in)
			if err != nil {
				t.Fatalf("ParseExpirationDate(%q) error: %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseExpirationDate(%q) = %v; want %v", tt.in, got, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseExpirationDate(%q) location = %v; want UTC", tt.in, got.Location())
			}
		})
	}
}

func TestParseExpirationDateRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"tomorrow",
		"2030-01-09",
		"1893492000",
		"2030-13-09T10:00:00Z",
		"2030-01-09T25:00:00Z",
		"2030-01-09T10:00:00ZZ",
		"2030-01-09T10:00Z",
		"0000-01-01T00:30:00+01:00",
		"9999-12-31T23:00:00-02:00",
	} {
		got, err := ParseExpirationDate(in)
		if err == nil {
			t.Errorf("ParseExpirationDate(%q) = %v; want an error", in, got)
		}
		if !got.IsZero() {
			t.Errorf("ParseExpirationDate(%q) time = %v on error; want zero", in, got)
		}
	}
}

func TestResponseExpirationDate(t *testing.T) {
	tests := []struct {
		name string
		date string // JSON value of expirationDate, "" to leave it out
		want time.Time
	}{
		{"offset", `"2030-01-09T11:00:00+01:00"`, testExpiry},
		{"seven digit fraction", `"2030-01-09T10:00:00.0000000Z"`, testExpiry},
		{"unparseable", `"next tuesday"`, time.Time{}},
		{"number", `1893492000`, time.Time{}},
		{"object", `{"at": "2030-01-09T10:00:00Z"}`, time.Time{}},
		{"null", `null`, time.Time{}},
		{"missing", ``, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"accessToken": "` + testAccessToken + `"`
			if tt.date != "" {
				body += `, "expirationDate": ` + tt.date
			}
			body += "}"
			srv := startServer(t, respond(http.StatusOK, body))
			c := newTestClient(t, srv.URL)

			tokens, err := c.Login(context.Background(), testCreds)
			if err != nil {
				t.Fatalf("Login error: %v", err)
			}
			if !tokens.Expiry.Equal(tt.want) {
				t.Errorf("Expiry = %v; want %v", tokens.Expiry, tt.want)
			}
			if tokens.AccessToken != testAccessToken {
				t.Errorf("AccessToken = %q; want %q", tokens.AccessToken, testAccessToken)
			}
		})
	}
}

func FuzzParseExpirationDate(f *testing.F) {
	for _, seed := range []string{
		"2030-01-09T10:00:00Z",
		"2030-01-09T10:00:00.1234567Z",
		"2030-01-09T11:00:00+01:00",
		"2030-01-09T11:00:00+0100",
		"2030-01-09T10:00:00",
		"0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999+23:59",
		"",
		"not a date",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExpirationDate(s)
		if err != nil {
			if !got.IsZero() {
				t.Errorf("ParseExpirationDate(%q) = %v with error %v; want zero time", s, got, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("ParseExpirationDate(%q) location = %v; want UTC", s, got.Location())
		}
		formatted := got.Format(time.RFC3339Nano)
		again, err := ParseExpirationDate(formatted)
		if err != nil {
			t.Fatalf("ParseExpirationDate(%q) error for the formatted result of %q: %v", formatted, s, err)
		}
		if !again.Equal(got) {
			t.Errorf("round trip of %q: %v, then %v", s, got, again)
		}
	})
}
