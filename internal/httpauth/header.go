package httpauth

// IsHeaderControl reports whether r is a control character that a header
// value must not contain. Horizontal tab is allowed. net/http rejects a
// request whose header has one.
func IsHeaderControl(r rune) bool {
	return (r < 0x20 && r != '\t') || r == 0x7f
}
