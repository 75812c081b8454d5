package redisstore_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/redisstore"
	"github.com/sessionkit/sessionkit/store"
)

func TestOutageLoggedAtStartAndEnd(t *testing.T) {
	srv := startRedis(t)
	var logs syncBuffer
	st, err := redisstore.New(newClient(t, srv.Addr), func(o *redisstore.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	rec := newRecord(1)
	if err := st.Save(ctx, rec); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	for range 3 {
		if _, err := st.Load(ctx, rec.SessionID); err == nil {
			t.Fatal("Load with Redis stopped: nil error; want one")
		}
	}
	srv.Start()
	// The restarted server kept nothing, because persistence is off.
	// The first call to succeed may come after a reconnect or two.
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err = st.Load(ctx, rec.SessionID)
		if errors.Is(err, store.ErrNotFound) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load after the restart: %v; want store.ErrNotFound", err)
	}

	out := logs.String()
	if n := strings.Count(out, "redis unreachable"); n != 1 {
		t.Errorf("log has %d outage warnings; want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "redis reachable again"); n != 1 {
		t.Errorf("log has %d recovery messages; want 1:\n%s", n, out)
	}
}
