package redisstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/redisstore"
)

// idleClient returns a client that the test never sends a command with.
func idleClient(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNewEncryptionKeySize(t *testing.T) {
	tests := []struct {
		size    int
		wantErr bool
	}{
		{0, true},
		{8, true},
		{15, true},
		{16, false},
		{24, false},
		{31, true},
		{32, false},
		{33, true},
		{64, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			_, err := redisstore.New(idleClient(t), withKey(make([]byte, tt.size)))
			var sizeErr redisstore.KeySizeError
			gotErr := errors.As(err, &sizeErr)
			if gotErr != tt.wantErr {
				t.Fatalf("New with a %d-byte key: error %v; want KeySizeError %t", tt.size, err, tt.wantErr)
			}
			if gotErr && int(sizeErr) != tt.size {
				t.Errorf("KeySizeError = %d; want %d", int(sizeErr), tt.size)
			}
		})
	}
}

func TestNewNilClient(t *testing.T) {
	if _, err := redisstore.New(nil); !errors.Is(err, redisstore.ErrNilClient) {
		t.Errorf("New(nil) error = %v; want ErrNilClient", err)
	}
}

func TestOptionsRedactKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	o := redisstore.Options{KeyPrefix: "app:", EncryptionKey: key, LockPollInterval: time.Second}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("options", "options", o)
	outputs := map[string]string{
		"%v":    fmt.Sprintf("%v", o),
		"%+v":   fmt.Sprintf("%+v", o),
		"%#v":   fmt.Sprintf("%#v", o),
		"%s":    fmt.Sprintf("%s", o),
		"%x":    fmt.Sprintf("%x", o),
		"&%+v":  fmt.Sprintf("%+v", &o),
		"slog":  logs.String(),
		"Print": fmt.Sprint(o),
	}
	for name, out := range outputs {
		for _, leak := range []string{string(key), fmt.Sprint(key), fmt.Sprintf("%x", key)} {
			if strings.Contains(out, leak) {
				t.Errorf("%s output contains the key: %s", name, out)
			}
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s output = %s; want the key shown as REDACTED", name, out)
		}
	}
}

// TestUnreachableRedis checks that every call fails fast when nothing
// listens at the address, and that the outage is logged once.
func TestUnreachableRedis(t *testing.T) {
	var logs syncBuffer
	client := newClient(t, freeLoopbackAddr(t))
	st, err := redisstore.New(client, func(o *redisstore.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	start := time.Now()
	if _, err := st.Lock(ctx, "s1", 5*time.Second); err == nil {
		t.Error("Lock: nil error; want one")
	}
	if _, err := st.Load(ctx, "s1"); err == nil {
		t.Error("Load: nil error; want one")
	}
	if err := st.Save(ctx, newRecord(1)); err == nil {
		t.Error("Save: nil error; want one")
	}
	if err := st.Delete(ctx, "s1"); err == nil {
		t.Error("Delete: nil error; want one")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("four calls took %v; want each to fail within the client's timeouts", took)
	}
	if n := strings.Count(logs.String(), "redis unreachable"); n != 1 {
		t.Errorf("log has %d outage warnings; want 1:\n%s", n, logs.String())
	}
}
