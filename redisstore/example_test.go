package redisstore_test

import (
	"encoding/hex"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/redisstore"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/transport"
)

// Every replica runs the same code with the same Redis, key prefix and
// encryption key.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379",
		// Fail fast, well within the transport's RefreshTimeout, so
		// that renewals go ahead without Redis while it is down.
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	})
	defer client.Close()

	// 64 hex digits: a 32-byte key, so AES-256.
	key, err := hex.DecodeString(os.Getenv("SESSION_STORE_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	st, err := redisstore.New(client, func(o *redisstore.Options) {
		o.KeyPrefix = "myapp:sessions:"
		o.EncryptionKey = key
		o.Logger = slog.Default()
	})
	if err != nil {
		log.Fatal(err)
	}

	auth, err := knowledge.NewClient("https://private-knowledge.wacom.com")
	if err != nil {
		log.Fatal(err)
	}
	var sessions session.Manager
	rt := transport.NewManaged(&sessions, auth, func(o *transport.Options) {
		o.Store = st
		o.Logger = slog.Default()
	})
	defer rt.Close()
	api := &http.Client{Transport: rt}
	_ = api // send requests with transport.WithSessionID in their context
}
