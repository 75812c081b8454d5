package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Options configure a [Store].
type Options struct {
	// Logger receives a warning when Load falls back to a backup and
	// when Save moves a damaged file aside. If nil, nothing is logged.
	Logger *slog.Logger
}

// Option changes [Options].
type Option func(*Options)

// Store is a [store.Store] and [store.Locker] that keeps each session in
// a file of its own in one directory; see the package documentation.
// Safe for concurrent use, and by several processes that share the
// directory. The zero value is not usable; call [New].
type Store struct {
	dir    string
	logger *slog.Logger
}

// New returns a Store that keeps its files in dir, creating the
// directory with mode 0700 when it does not exist. New returns an error
// when dir exists but is not a directory, or when group or other users
// have any permission on it, because its files hold bearer tokens.
// It removes temporary files that a crashed write left behind.
func New(dir string, opts ...Option) (*Store, error) {
	var o Options
	for _, apply := range opts {
		apply(&o)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: creating directory: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	removeStaleTemps(dir)
	return &Store{dir: dir, logger: o.Logger}, nil
}

func checkDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("filestore: %s is not a directory", dir)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && permissionsEnforced {
		return fmt.Errorf("filestore: directory %s has mode %#o, which lets other users in; "+
			"run chmod 700 on it or choose another directory", dir, perm)
	}
	return nil
}

// Dir returns the directory of the store.
func (s *Store) Dir() string { return s.dir }

// Load implements [store.Store]. When the session's file cannot be read
// or decoded, Load returns the backup of the record saved before it, if
// that decodes, and logs a warning. Otherwise it returns a
// [*CorruptError].
func (s *Store) Load(ctx context.Context, id string) (store.Record, error) {
	if err := ctx.Err(); err != nil {
		return store.Record{}, err
	}
	p := s.paths(id)
	rec, err := readRecord(p.current, id)
	if err == nil {
		return rec, nil
	}
	backup, backupErr := readRecord(p.backup, id)
	missing := errors.Is(err, fs.ErrNotExist)
	switch {
	case backupErr == nil:
		s.warn("session file unusable; using its backup", id, p.current, err)
		return backup, nil
	case missing && errors.Is(backupErr, fs.ErrNotExist):
		return store.Record{}, fmt.Errorf("%w: %s", store.ErrNotFound, id)
	case missing:
		return store.Record{}, backupErr
	}
	return store.Record{}, err
}

// Save implements [store.Store]. It returns an error wrapping
// [ErrVersionConflict], and leaves the stored record in place, when
// r.Version is not greater than the Version of the stored record or of
// its backup. The record it replaces becomes the backup.
func (s *Store) Save(ctx context.Context, r store.Record) error {
	p := s.paths(r.SessionID)
	release, err := lockFile(ctx, p.writeLock)
	if err != nil {
		return err
	}
	defer release()

	data, err := encode(r)
	if err != nil {
		return err
	}
	prev, prevData, err := s.lastGood(p, r.SessionID)
	if err != nil {
		return err
	}
	if prev != nil && r.Version <= prev.Version {
		return fmt.Errorf("%w: session %s has version %d stored; saving version %d",
			ErrVersionConflict, r.SessionID, prev.Version, r.Version)
	}
	if prevData != nil {
		if err := writeAtomic(p.backup, prevData); err != nil {
			return err
		}
	}
	return writeAtomic(p.current, data)
}

// lastGood returns the stored record of a session with its file content
// when the session's file decodes, and the backup's record with nil
// content when only the backup decodes. A damaged session file is moved
// aside, so that it cannot replace the backup.
func (s *Store) lastGood(p sessionPaths, id string) (*store.Record, []byte, error) {
	data, err := os.ReadFile(p.current)
	if err == nil {
		if rec, reason := decode(data, id); reason == "" {
			return &rec, data, nil
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("filestore: reading %s: %w", p.current, err)
	}
	if err == nil {
		if err := os.Rename(p.current, p.corrupt); err != nil {
			return nil, nil, fmt.Errorf("filestore: moving corrupt file aside: %w", err)
		}
		s.logger.LogAttrs(context.Background(), slog.LevelWarn, "session file corrupt; moved aside",
			slog.String("session_id", id), slog.String("path", p.corrupt))
	}
	backup, err := readRecord(p.backup, id)
	if err != nil {
		return nil, nil, nil // no good copy: any version is newer
	}
	return &backup, nil, nil
}

// Delete implements [store.Store]. It removes the backup before the
// session's file, so that a crash in between cannot bring the record
// back. The lock files stay: removing a lock file that another process
// holds or waits for would let two holders in.
func (s *Store) Delete(ctx context.Context, id string) error {
	p := s.paths(id)
	release, err := lockFile(ctx, p.writeLock)
	if err != nil {
		return err
	}
	defer release()
	for _, path := range []string{p.backup, p.corrupt, p.current} {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("filestore: deleting session %s: %w", id, err)
		}
	}
	return syncDir(s.dir)
}

// Lock implements [store.Locker] with the session's lock file. The lock
// is released when the returned function is called, when ttl has
// passed, or when the process exits, whichever comes first. A ttl of
// zero or less never expires. Calling the function again, or after ttl,
// does nothing.
func (s *Store) Lock(ctx context.Context, id string, ttl time.Duration) (unlock func(), err error) {
	release, err := lockFile(ctx, s.paths(id).renewLock)
	if err != nil {
		return nil, err
	}
	once := sync.OnceFunc(release)
	if ttl <= 0 {
		return once, nil
	}
	timer := time.AfterFunc(ttl, once)
	return func() {
		timer.Stop()
		once()
	}, nil
}

// readRecord reads and decodes the file at path. A missing file gives an
// error wrapping [fs.ErrNotExist], and any other failure a
// [*CorruptError].
func readRecord(path, id string) (store.Record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return store.Record{}, err
	}
	if err != nil {
		return store.Record{}, &CorruptError{Path: path, Reason: "file cannot be read", Err: err}
	}
	rec, reason := decode(data, id)
	if reason != "" {
		return store.Record{}, &CorruptError{Path: path, Reason: reason}
	}
	return rec, nil
}

func (s *Store) warn(msg, id, path string, err error) {
	s.logger.LogAttrs(context.Background(), slog.LevelWarn, msg,
		slog.String("session_id", id), slog.String("path", path), slog.String("error", err.Error()))
}
