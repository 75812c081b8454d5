package httpauth

import (
	"errors"
	"io"
	"math"
)

// drainBytes is how much of an unread body is discarded before it is
// closed, so that a short remainder does not cost the connection.
const drainBytes = 4 << 10

// ErrBodyTooLarge is returned by ReadBody for a body over the limit.
var ErrBodyTooLarge = errors.New("response body too large")

// ReadBody reads at most limit bytes of r. For a longer body it returns
// the first limit bytes and ErrBodyTooLarge.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	n := limit
	if n < math.MaxInt64 {
		n++ // one byte more shows whether the body is longer than limit
	}
	body, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return body, err
	}
	if int64(len(body)) > limit {
		return body[:limit], ErrBodyTooLarge
	}
	return body, nil
}

// DrainAndClose discards up to 4 KiB of what is left of body and closes
// it, so that the connection can be reused.
func DrainAndClose(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, drainBytes)
	_ = body.Close()
}
