package transport

import "time"

// SetClockOffset moves the clock of this package by offset until the
// returned function restores it. Tests in package transport_test use it
// to put a token inside its refresh window or past its expiry.
func SetClockOffset(offset time.Duration) (restore func()) {
	clockOffset.Store(int64(offset))
	return func() { clockOffset.Store(0) }
}
