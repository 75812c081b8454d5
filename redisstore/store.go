package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/store"
)

// ErrVersionConflict is wrapped by the error of [Store.Save] when Redis
// already stores the session at the same or a newer version.
var ErrVersionConflict = errors.New("redisstore: version conflict")

// ErrNilClient is returned by [New] for a nil client.
var ErrNilClient = errors.New("redisstore: redis client is nil")

var (
	_ store.Store  = (*Store)(nil)
	_ store.Locker = (*Store)(nil)
)

// Store is a [store.Store] and [store.Locker] that keeps session records
// in Redis, so that of the processes sharing it, one renews a session at
// each expiry. Use [New], because the zero value is not usable. Safe for
// concurrent use.
//
// A session's record is the hash <prefix>session:<id> with the fields
// "version" (decimal) and "record" (a JSON envelope, encrypted when an
// encryption key is set). Its renewal lock is the string
// <prefix>lock:<id>.
type Store struct {
	client redis.UniversalClient
	prefix string
	poll   time.Duration
	codec  *codec // behind a pointer so that %v of a Store shows no key material
	logger *slog.Logger
	health *health
}

// New returns a Store that keeps records through client. The caller
// keeps ownership of client and closes it after the last use of the
// Store. New returns a [KeySizeError] for an encryption key of the
// wrong size and [ErrNilClient] for a nil client. It sends nothing to
// Redis.
//
// Set the client's DialTimeout, ReadTimeout and WriteTimeout well below
// the renewal timeout of the transport, so that calls fail fast and
// renewals go ahead without Redis while it is unreachable.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, ErrNilClient
	}
	o := buildOptions(opts)
	c, err := newCodec(o.EncryptionKey)
	if err != nil {
		return nil, err
	}
	return &Store{
		client: client,
		prefix: o.KeyPrefix,
		poll:   o.LockPollInterval,
		codec:  c,
		logger: o.Logger,
		health: &health{logger: o.Logger},
	}, nil
}

func (s *Store) recordKey(id string) string { return s.prefix + "session:" + id }

func (s *Store) lockKey(id string) string { return s.prefix + "lock:" + id }

// Load implements [store.Store]. A record that cannot be read or
// decrypted gives an error wrapping [store.ErrCorrupt].
func (s *Store) Load(ctx context.Context, id string) (store.Record, error) {
	if id == "" {
		return store.Record{}, errors.New("redisstore: load: session id is empty")
	}
	rec, err := s.load(ctx, id)
	if err != nil {
		return store.Record{}, fmt.Errorf("redisstore: load session %s: %w", id, err)
	}
	return rec, nil
}

func (s *Store) load(ctx context.Context, id string) (store.Record, error) {
	fields, err := s.client.HMGet(ctx, s.recordKey(id), "version", "record").Result()
	s.health.observe(ctx, err)
	if err != nil {
		if redis.HasErrorPrefix(err, "WRONGTYPE") {
			return store.Record{}, corrupt("key does not hold a hash")
		}
		return store.Record{}, err
	}
	version, _ := fields[0].(string)
	data, _ := fields[1].(string)
	switch {
	case fields[0] == nil && fields[1] == nil:
		return store.Record{}, store.ErrNotFound
	case fields[0] == nil || fields[1] == nil:
		return store.Record{}, corrupt("hash lacks the version or the record field")
	}
	rec, err := s.codec.decode(id, []byte(data))
	if err != nil {
		return store.Record{}, err
	}
	if version != strconv.FormatInt(rec.Version, 10) {
		return store.Record{}, corrupt("version field differs from the record's version")
	}
	return rec, nil
}

// Delete implements [store.Store]. It leaves the session's lock alone.
func (s *Store) Delete(ctx context.Context, id string) error {
	err := s.client.Del(ctx, s.recordKey(id)).Err()
	s.health.observe(ctx, err)
	if err != nil {
		return fmt.Errorf("redisstore: delete session %s: %w", id, err)
	}
	return nil
}
