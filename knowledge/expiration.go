package knowledge

import (
	"fmt"
	"strings"
	"time"
)

// expirationLayouts are the forms of expirationDate that
// ParseExpirationDate accepts. time.Parse accepts a fraction of a second
// of any length after the seconds even though the layouts have none, and
// a layout without a zone parses as UTC.
var expirationLayouts = []string{
	"2006-01-02T15:04:05Z07:00", // 2030-01-09T10:00:00Z, 2030-01-09T11:00:00+01:00
	"2006-01-02T15:04:05Z0700",  // 2030-01-09T11:00:00+0100
	"2006-01-02T15:04:05Z07",    // 2030-01-09T11:00:00+01
	"2006-01-02T15:04:05",       // 2030-01-09T10:00:00, read as UTC
}

// ParseExpirationDate parses the expirationDate of a login or refresh
// response: an ISO 8601 date and time with or without a fraction of a
// second, and with "Z", an offset such as "+01:00", "+0100" or "+01", or
// no zone, which is read as UTC. Digits of the fraction after the ninth
// are ignored. Surrounding white space is ignored.
// The result is in UTC, between the years 1 and 9999.
func ParseExpirationDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range expirationLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC()
		// An offset can move a date at either end of 2006's four-digit
		// year out of the range that RFC 3339 can represent.
		if t.Year() < 1 || t.Year() > 9999 {
			return time.Time{}, fmt.Errorf("knowledge: expiration date %q is outside the years 1 to 9999", s)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("knowledge: invalid expiration date %q: want ISO 8601 such as 2030-01-09T10:00:00Z", s)
}
