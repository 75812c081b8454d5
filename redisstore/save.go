package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/store"
)

// saveScript writes a record unless the stored one has the same or a
// newer version. Redis runs a script atomically, so no other client
// writes between the comparison and the write, and it costs one round
// trip where WATCH and MULTI would take three and retries.
//
// KEYS[1] is the record key. ARGV[1] is the new version, ARGV[2] the
// envelope, and ARGV[3] a stored version that may be replaced even
// though it is not older (empty for none). A stored version that is not
// a number is replaced. The reply is {1} when the record was written
// and {0, stored version} when it was not.
var saveScript = redis.NewScript(`
local stored = redis.call('HGET', KEYS[1], 'version')
if stored and stored ~= ARGV[3] then
	local n = tonumber(stored)
	if n and n >= tonumber(ARGV[1]) then
		return {0, stored}
	end
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'record', ARGV[2])
return {1}
`)

// Save implements [store.Store]. It writes r only if Redis has no
// record of the session or one with an older version, and otherwise
// returns an error wrapping [ErrVersionConflict]. One exception: a
// stored record that this Store cannot decode (corrupt, or written with
// another encryption key) is replaced whatever its version, with a
// warning in the log, because no process with this key could use it.
func (s *Store) Save(ctx context.Context, r store.Record) error {
	if r.SessionID == "" {
		return errors.New("redisstore: save: session id is empty")
	}
	if err := s.save(ctx, r); err != nil {
		return fmt.Errorf("redisstore: save session %s: %w", r.SessionID, err)
	}
	return nil
}

func (s *Store) save(ctx context.Context, r store.Record) error {
	data, err := s.codec.encode(r)
	if err != nil {
		return err
	}
	stored, err := s.compareAndSet(ctx, r, data, "")
	if err != nil || stored == "" {
		return err
	}
	if !s.undecodable(ctx, r.SessionID) {
		return conflict(r.Version, stored)
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn, "replacing a stored session record that cannot be decoded",
		slog.String("session_id", r.SessionID), slog.String("stored_version", stored))
	again, err := s.compareAndSet(ctx, r, data, stored)
	if err != nil || again == "" {
		return err
	}
	return conflict(r.Version, again)
}

// compareAndSet runs saveScript and returns the stored version that
// prevented the write, or "" when r was written.
func (s *Store) compareAndSet(ctx context.Context, r store.Record, data []byte, replaceable string) (string, error) {
	reply, err := saveScript.Run(ctx, s.client, []string{s.recordKey(r.SessionID)},
		strconv.FormatInt(r.Version, 10), data, replaceable).Slice()
	s.health.observe(ctx, err)
	if err != nil {
		if redis.HasErrorPrefix(err, "WRONGTYPE") {
			return "", corrupt("key does not hold a hash")
		}
		return "", err
	}
	if len(reply) == 1 && reply[0] == int64(1) {
		return "", nil
	}
	if len(reply) != 2 || reply[0] != int64(0) {
		return "", fmt.Errorf("unexpected reply of the save script: %v", reply)
	}
	stored, ok := reply[1].(string)
	if !ok || stored == "" {
		return "", fmt.Errorf("unexpected reply of the save script: stored version of type %T", reply[1])
	}
	return stored, nil
}

// undecodable reports whether the stored record of the session exists
// and cannot be decoded by this Store.
func (s *Store) undecodable(ctx context.Context, id string) bool {
	_, err := s.load(ctx, id)
	return errors.Is(err, store.ErrCorrupt)
}

func conflict(offered int64, stored string) error {
	return fmt.Errorf("%w: version %d offered, version %s stored", ErrVersionConflict, offered, stored)
}
