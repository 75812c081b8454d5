package redisstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/sessionkit/sessionkit/redisstore"
)

// Environment variables of the test suite.
const (
	// envRedisAddr is the host:port of a Redis server on loopback that
	// the tests may write to. Without it the tests that need Redis skip.
	envRedisAddr = "SESSIONKIT_REDIS_ADDR"
	// envRequireRedis set to 1 turns those skips into failures, so that
	// CI cannot pass without running them.
	envRequireRedis = "SESSIONKIT_REQUIRE_REDIS"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChildConfig) != "" {
		// A child process of a fleet test runs one test and may be
		// killed; the parent checks its exit status and output.
		os.Exit(m.Run())
	}
	// The tests make calls fail on purpose; go-redis would print each
	// failed dial to stderr.
	redis.SetLogger(quietLogger{})
	goleak.VerifyTestMain(m)
}

// quietLogger discards the messages of go-redis.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// skipWithoutRedis skips the test, or fails it when Redis is required.
func skipWithoutRedis(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv(envRequireRedis) == "1" {
		t.Fatalf("%s, and %s=1", reason, envRequireRedis)
	}
	t.Skip(reason)
}

// redisAddr returns the address of the shared test server.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv(envRedisAddr)
	if addr == "" {
		skipWithoutRedis(t, envRedisAddr+" is not set")
	}
	return addr
}

// newClient returns a client for addr whose calls fail within a few
// hundred milliseconds when Redis is unreachable. It is closed when the
// test ends.
func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(fastFailOptions(addr))
	t.Cleanup(func() { c.Close() })
	return c
}

// fastFailOptions are client options for a Redis server on loopback:
// one dial attempt and no retries, with timeouts far below the lock ttl
// of the tests.
func fastFailOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:          addr,
		DialTimeout:   200 * time.Millisecond,
		ReadTimeout:   200 * time.Millisecond,
		WriteTimeout:  200 * time.Millisecond,
		PoolTimeout:   200 * time.Millisecond,
		DialerRetries: 1,
		MaxRetries:    -1,
	}
}

// testPrefix returns a key prefix of its own for the test, so tests
// sharing a server never see each other's keys.
func testPrefix(t *testing.T) string {
	name := strings.NewReplacer("/", ":", " ", "_").Replace(t.Name())
	return "sessionkit-test:" + name + ":" + rand.Text()[:8] + ":"
}

// newStore returns a Store on the shared test server with a key prefix
// of its own, plus the client behind it. The keys are deleted when the
// test ends.
func newStore(t *testing.T, opts ...redisstore.Option) (*redisstore.Store, *redis.Client, string) {
	t.Helper()
	client := newClient(t, redisAddr(t))
	prefix := testPrefix(t)
	all := append([]redisstore.Option{func(o *redisstore.Options) { o.KeyPrefix = prefix }}, opts...)
	st, err := redisstore.New(client, all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteKeys(t, client, prefix) })
	return st, client, prefix
}

func deleteKeys(t *testing.T, client *redis.Client, prefix string) {
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		return
	}
	if err := client.Del(ctx, keys...).Err(); err != nil {
		t.Logf("deleting test keys: %v", err)
	}
}
