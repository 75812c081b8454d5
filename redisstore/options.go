package redisstore

import (
	"fmt"
	"log/slog"
	"time"
)

// Default values of [Options].
const (
	DefaultKeyPrefix        = "sessionkit:"
	DefaultLockPollInterval = 50 * time.Millisecond
)

// Options configure a [Store]. A zero field takes its default.
// String, GoString, Format and LogValue never show the encryption key.
type Options struct {
	// KeyPrefix starts the name of every Redis key the store uses.
	// Processes that share sessions must use the same prefix. Default
	// "sessionkit:".
	KeyPrefix string

	// EncryptionKey, if set, encrypts records at rest with AES-GCM: 16,
	// 24 or 32 bytes select AES-128, AES-192 or AES-256. Another length
	// makes [New] return a [KeySizeError]. If nil, Redis holds the
	// bearer tokens in plain text. Processes that share sessions must
	// use the same key. New copies the key.
	EncryptionKey []byte

	// LockPollInterval is how often [Store.Lock] retries while another
	// process holds the lock; each wait adds up to half of it at random.
	// Default 50 ms.
	LockPollInterval time.Duration

	// Logger receives a warning when Redis becomes unreachable and a
	// message when it is reachable again, and warnings about locks that
	// expired before their release and about unreadable records that a
	// save replaced. If nil, nothing is logged.
	Logger *slog.Logger
}

// Option changes [Options].
type Option func(*Options)

// String describes the options with the encryption key redacted.
func (o Options) String() string {
	return fmt.Sprintf("redisstore.Options{KeyPrefix: %q, EncryptionKey: %s, LockPollInterval: %s, Logger: %t}",
		o.KeyPrefix, o.keyText(), o.LockPollInterval, o.Logger != nil)
}

// GoString returns the same text as String.
func (o Options) GoString() string { return o.String() }

// Format writes String for every verb, so no verb can print the key.
func (o Options) Format(f fmt.State, _ rune) { fmt.Fprint(f, o.String()) }

// LogValue implements [slog.LogValuer] without the encryption key.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("key_prefix", o.KeyPrefix),
		slog.String("encryption_key", o.keyText()),
		slog.Duration("lock_poll_interval", o.LockPollInterval),
	)
}

func (o Options) keyText() string {
	if o.EncryptionKey == nil {
		return "none"
	}
	return fmt.Sprintf("[REDACTED %d bytes]", len(o.EncryptionKey))
}

func buildOptions(opts []Option) Options {
	var o Options
	for _, apply := range opts {
		apply(&o)
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.LockPollInterval <= 0 {
		o.LockPollInterval = DefaultLockPollInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// KeySizeError reports an [Options.EncryptionKey] whose length in bytes
// is not 16, 24 or 32.
type KeySizeError int

// Error implements the error interface.
func (e KeySizeError) Error() string {
	return fmt.Sprintf("redisstore: invalid encryption key size %d bytes; want 16, 24 or 32", int(e))
}
