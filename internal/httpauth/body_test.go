package httpauth

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	errRead := errors.New("connection reset")
	tests := []struct {
		name    string
		body    io.Reader
		limit   int64
		want    string
		wantErr error
	}{
		{"empty", strings.NewReader(""), 4, "", nil},
		{"under limit", strings.NewReader("abc"), 4, "abc", nil},
		{"at limit", strings.NewReader("abcd"), 4, "abcd", nil},
		{"one byte over", strings.NewReader("abcde"), 4, "abcd", ErrBodyTooLarge},
		{"far over", strings.NewReader(strings.Repeat("x", 1000)), 4, "xxxx", ErrBodyTooLarge},
		{"zero limit", strings.NewReader("a"), 0, "", ErrBodyTooLarge},
		{"largest limit", strings.NewReader("abc"), math.MaxInt64, "abc", nil},
		{"read error", io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(errRead)), 4, "ab", errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadBody(tt.body, tt.limit)
			if string(got) != tt.want {
				t.Errorf("ReadBody body = %q; want %q", got, tt.want)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ReadBody error = %v; want %v", err, tt.wantErr)
			}
		})
	}
}

// countingBody is a response body that counts the bytes read from it
// and whether it was closed.
type countingBody struct {
	r      io.Reader
	read   int
	closed bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error {
	b.closed = true
	return nil
}

func TestDrainAndClose(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		wantRead int
	}{
		{"empty", 0, 0},
		{"short remainder", 100, 100},
		{"at the drain limit", 4 << 10, 4 << 10},
		{"long remainder", 1 << 20, 4 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &countingBody{r: strings.NewReader(strings.Repeat("x", tt.size))}
			DrainAndClose(body)
			if body.read != tt.wantRead {
				t.Errorf("bytes drained = %d; want %d", body.read, tt.wantRead)
			}
			if !body.closed {
				t.Error("body not closed")
			}
		})
	}
}
