package httpauth

import "testing"

func TestIsHeaderControl(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{'\x00', true},
		{'\n', true},
		{'\r', true},
		{'\x1f', true},
		{'\x7f', true},
		{'\t', false},
		{' ', false},
		{'a', false},
		{'é', false},
	}
	for _, tt := range tests {
		if got := IsHeaderControl(tt.r); got != tt.want {
			t.Errorf("IsHeaderControl(%q) = %v; want %v", tt.r, got, tt.want)
		}
	}
}
