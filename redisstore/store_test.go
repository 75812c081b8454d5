package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/redisstore"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// newRecord returns a record with random tokens, so a test can search
// for them in errors and stored values.
func newRecord(version int64) store.Record {
	return store.Record{
		SessionID:    "sid-" + rand.Text(),
		Kind:         session.Permanent,
		AccessToken:  "access-" + rand.Text(),
		RefreshToken: "refresh-" + rand.Text(),
		Version:      version,
		UpdatedAt:    time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.UTC),
	}
}

func withKey(key []byte) redisstore.Option {
	return func(o *redisstore.Options) { o.EncryptionKey = key }
}

func TestStoreRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		key       []byte
		plaintext bool // tokens readable in Redis
	}{
		{"plain", nil, true},
		{"AES-128", bytes.Repeat([]byte{1}, 16), false},
		{"AES-192", bytes.Repeat([]byte{2}, 24), false},
		{"AES-256", bytes.Repeat([]byte{3}, 32), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, client, prefix := newStore(t, withKey(tt.key))
			ctx := context.Background()
			want := newRecord(3)
			if err := st.Save(ctx, want); err != nil {
				t.Fatalf("Save: %v", err)
			}
			got, err := st.Load(ctx, want.SessionID)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.SessionID != want.SessionID || got.Kind != want.Kind || got.Version != want.Version {
				t.Errorf("Load = %v; want %v", got, want)
			}
			if got.AccessToken != want.AccessToken || got.RefreshToken != want.RefreshToken {
				t.Errorf("Load returned other tokens than were saved")
			}
			if !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("UpdatedAt = %v; want %v", got.UpdatedAt, want.UpdatedAt)
			}
			raw, err := client.HGet(ctx, prefix+"session:"+want.SessionID, "record").Result()
			if err != nil {
				t.Fatalf("reading the raw record: %v", err)
			}
			readable := strings.Contains(raw, want.AccessToken) || strings.Contains(raw, want.RefreshToken)
			if readable != tt.plaintext {
				t.Errorf("tokens readable in Redis = %t; want %t", readable, tt.plaintext)
			}
		})
	}
}

func TestLoadMissingSession(t *testing.T) {
	st, _, _ := newStore(t)
	_, err := st.Load(context.Background(), "no-such-session")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load error = %v; want one wrapping store.ErrNotFound", err)
	}
}

func TestDeleteSession(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	rec := newRecord(1)
	if err := st.Save(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, rec.SessionID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := st.Load(ctx, rec.SessionID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load after Delete error = %v; want store.ErrNotFound", err)
	}
	if err := st.Delete(ctx, rec.SessionID); err != nil {
		t.Errorf("Delete of a missing session: %v; want nil", err)
	}
}

func TestSaveRejectsStaleVersion(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	rec := newRecord(5)
	if err := st.Save(ctx, rec); err != nil {
		t.Fatal(err)
	}

	for _, v := range []int64{5, 4, 0} {
		stale := rec
		stale.Version = v
		stale.AccessToken = "stale-" + rand.Text()
		err := st.Save(ctx, stale)
		if !errors.Is(err, redisstore.ErrVersionConflict) {
			t.Errorf("Save at version %d over 5: error %v; want ErrVersionConflict", v, err)
		}
		if err != nil && strings.Contains(err.Error(), stale.AccessToken) {
			t.Errorf("Save error contains the access token")
		}
	}

	newer := rec
	newer.Version = 6
	newer.AccessToken = "newer-" + rand.Text()
	if err := st.Save(ctx, newer); err != nil {
		t.Fatalf("Save at version 6 over 5: %v", err)
	}
	got, err := st.Load(ctx, rec.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 6 || got.AccessToken != newer.AccessToken {
		t.Errorf("Load = version %d; want version 6 with the newer tokens", got.Version)
	}
}

// TestSaveConcurrentKeepsNewest saves versions 1 to 40 from goroutines
// with stores of their own, as processes would, in random order.
func TestSaveConcurrentKeepsNewest(t *testing.T) {
	st, client, prefix := newStore(t)
	ctx := context.Background()
	rec := newRecord(0)
	const n = 40
	var wg sync.WaitGroup
	for v := int64(1); v <= n; v++ {
		wg.Go(func() {
			other, err := redisstore.New(client, func(o *redisstore.Options) { o.KeyPrefix = prefix })
			if err != nil {
				t.Error(err)
				return
			}
			r := rec
			r.Version = v
			r.AccessToken = fmt.Sprintf("access-%d", v)
			if err := other.Save(ctx, r); err != nil && !errors.Is(err, redisstore.ErrVersionConflict) {
				t.Errorf("Save at version %d: %v", v, err)
			}
		})
	}
	wg.Wait()
	got, err := st.Load(ctx, rec.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != n || got.AccessToken != fmt.Sprintf("access-%d", n) {
		t.Errorf("Load = version %d; want %d", got.Version, n)
	}
}

func TestSaveInvalidRecord(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	noKind := newRecord(1)
	noKind.Kind = 0
	noToken := newRecord(1)
	noToken.AccessToken = ""
	noID := newRecord(1)
	noID.SessionID = ""
	for name, rec := range map[string]store.Record{"kind": noKind, "access token": noToken, "session id": noID} {
		if err := st.Save(ctx, rec); err == nil {
			t.Errorf("Save of a record without %s: nil error; want one", name)
		}
	}
}

func TestLoadCorruptRecord(t *testing.T) {
	keyA := bytes.Repeat([]byte{0xA}, 32)
	keyB := bytes.Repeat([]byte{0xB}, 32)
	rec := newRecord(2)
	tests := []struct {
		name      string
		writeKey  []byte                           // encryption key of the store that saves the record
		readKey   []byte                           // encryption key of the store that loads it
		overwrite func(t *testing.T, st *rawRedis) // changes the stored value before Load
	}{
		{name: "other key", writeKey: keyA, readKey: keyB},
		{name: "encrypted, reader has no key", writeKey: keyA, readKey: nil},
		{name: "plain, reader has a key", writeKey: nil, readKey: keyA},
		{name: "ciphertext altered", writeKey: keyA, readKey: keyA, overwrite: func(t *testing.T, r *rawRedis) {
			r.editRecord(t, func(s string) string { return flipInSealed(t, s) })
		}},
		{name: "sealed record of another session", writeKey: keyA, readKey: keyA, overwrite: func(t *testing.T, r *rawRedis) {
			r.copyFrom(t, "other-session")
		}},
		{name: "plain record of another session", writeKey: nil, readKey: nil, overwrite: func(t *testing.T, r *rawRedis) {
			r.copyFrom(t, "other-session")
		}},
		{name: "not JSON", writeKey: nil, readKey: nil, overwrite: func(t *testing.T, r *rawRedis) {
			r.hset(t, "record", "\x00garbage")
		}},
		{name: "unknown format", writeKey: nil, readKey: nil, overwrite: func(t *testing.T, r *rawRedis) {
			r.editRecord(t, func(s string) string { return strings.Replace(s, `"format":1`, `"format":9`, 1) })
		}},
		{name: "unknown kind", writeKey: nil, readKey: nil, overwrite: func(t *testing.T, r *rawRedis) {
			r.editRecord(t, func(s string) string { return strings.Replace(s, `"permanent"`, `"eternal"`, 1) })
		}},
		{name: "version field differs", writeKey: keyA, readKey: keyA, overwrite: func(t *testing.T, r *rawRedis) {
			r.hset(t, "version", "99")
		}},
		{name: "record field missing", writeKey: nil, readKey: nil, overwrite: func(t *testing.T, r *rawRedis) {
			r.hdel(t, "record")
		}},
		{name: "key holds a string", writeKey: nil, readKey: nil, overwrite: func(t *testing.T, r *rawRedis) {
			r.setString(t, "not a hash")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writer, client, prefix := newStore(t, withKey(tt.writeKey))
			ctx := context.Background()
			for _, r := range []store.Record{rec, withID(rec, "other-session")} {
				if err := writer.Save(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if tt.overwrite != nil {
				tt.overwrite(t, &rawRedis{client: client, prefix: prefix, id: rec.SessionID})
			}
			reader, err := redisstore.New(client, func(o *redisstore.Options) {
				o.KeyPrefix = prefix
				o.EncryptionKey = tt.readKey
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = reader.Load(ctx, rec.SessionID)
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Load error = %v; want one wrapping store.ErrCorrupt", err)
			}
			for _, secret := range []string{rec.AccessToken, rec.RefreshToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Load error contains a token: %v", err)
				}
			}
		})
	}
}

func withID(r store.Record, id string) store.Record {
	r.SessionID = id
	return r
}

// TestSaveReplacesUndecodable checks that a record no process with the
// current key can read does not block saves, whatever its version.
func TestSaveReplacesUndecodable(t *testing.T) {
	old, client, prefix := newStore(t, withKey(bytes.Repeat([]byte{1}, 16)))
	ctx := context.Background()
	rec := newRecord(9)
	if err := old.Save(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rotated, err := redisstore.New(client, func(o *redisstore.Options) {
		o.KeyPrefix = prefix
		o.EncryptionKey = bytes.Repeat([]byte{2}, 16)
	})
	if err != nil {
		t.Fatal(err)
	}
	rec.Version = 2
	if err := rotated.Save(ctx, rec); err != nil {
		t.Fatalf("Save over an undecodable record: %v; want nil", err)
	}
	got, err := rotated.Load(ctx, rec.SessionID)
	if err != nil {
		t.Fatalf("Load after the replacing Save: %v", err)
	}
	if got.Version != 2 {
		t.Errorf("Load version = %d; want 2", got.Version)
	}
}

func TestEmptySessionID(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := st.Load(ctx, ""); err == nil {
		t.Error("Load with an empty id: nil error")
	}
	if _, err := st.Lock(ctx, "", time.Second); err == nil {
		t.Error("Lock with an empty id: nil error")
	}
}

// rawRedis changes the stored record of one session behind the store's
// back.
type rawRedis struct {
	client *redis.Client
	prefix string
	id     string
}

func (r *rawRedis) key(id string) string { return r.prefix + "session:" + id }

func (r *rawRedis) hset(t *testing.T, field, value string) {
	t.Helper()
	if err := r.client.HSet(context.Background(), r.key(r.id), field, value).Err(); err != nil {
		t.Fatal(err)
	}
}

func (r *rawRedis) hdel(t *testing.T, field string) {
	t.Helper()
	if err := r.client.HDel(context.Background(), r.key(r.id), field).Err(); err != nil {
		t.Fatal(err)
	}
}

func (r *rawRedis) editRecord(t *testing.T, edit func(string) string) {
	t.Helper()
	v, err := r.client.HGet(context.Background(), r.key(r.id), "record").Result()
	if err != nil {
		t.Fatal(err)
	}
	r.hset(t, "record", edit(v))
}

// copyFrom copies the whole stored hash of session otherID over this
// session's.
func (r *rawRedis) copyFrom(t *testing.T, otherID string) {
	t.Helper()
	fields, err := r.client.HGetAll(context.Background(), r.key(otherID)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for f, v := range fields {
		r.hset(t, f, v)
	}
}

func (r *rawRedis) setString(t *testing.T, value string) {
	t.Helper()
	ctx := context.Background()
	if err := r.client.Del(ctx, r.key(r.id)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.client.Set(ctx, r.key(r.id), value, 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// flipInSealed returns the envelope with one bit of its ciphertext
// changed.
func flipInSealed(t *testing.T, envelope string) string {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal([]byte(envelope), &env); err != nil {
		t.Fatal(err)
	}
	sealed, err := base64.StdEncoding.DecodeString(env["sealed"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sealed[len(sealed)/2] ^= 1
	env["sealed"] = base64.StdEncoding.EncodeToString(sealed)
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
