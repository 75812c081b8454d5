package filestore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

const testID = "0f3a9c"

func newTestStore(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "sessions"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func record(version int64) store.Record {
	return store.Record{
		SessionID:    testID,
		Kind:         session.Refreshable,
		AccessToken:  "access-secret-" + string(rune('a'+version)),
		RefreshToken: "refresh-secret-" + string(rune('a'+version)),
		Expiry:       time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Version:      version,
		UpdatedAt:    time.Date(2029, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func mustSave(t *testing.T, s *Store, r store.Record) {
	t.Helper()
	if err := s.Save(context.Background(), r); err != nil {
		t.Fatalf("Save(version %d): %v", r.Version, err)
	}
}

func mustLoad(t *testing.T, s *Store, id string) store.Record {
	t.Helper()
	r, err := s.Load(context.Background(), id)
	if err != nil {
		t.Fatalf("Load(%s): %v", id, err)
	}
	return r
}

func sameRecord(a, b store.Record) bool {
	return a.SessionID == b.SessionID && a.Kind == b.Kind &&
		a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken &&
		a.Expiry.Equal(b.Expiry) && a.Version == b.Version && a.UpdatedAt.Equal(b.UpdatedAt)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	s := newTestStore(t)
	want := record(1)
	mustSave(t, s, want)
	if got := mustLoad(t, s, testID); !sameRecord(got, want) {
		t.Errorf("Load = %+v; want %+v", got, want)
	}
}

func TestLoadMissingNotFound(t *testing.T) {
	s := newTestStore(t)
	_, err := s.Load(context.Background(), "absent")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load(absent) error = %v; want ErrNotFound", err)
	}
}

func TestFileModes(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(1))
	mustSave(t, s, record(2))
	if _, err := s.Lock(context.Background(), testID, time.Second); err != nil {
		t.Fatal(err)
	}
	checkMode(t, s.Dir(), 0o700)
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 4 {
		t.Fatalf("directory has %d files; want the record, backup and two lock files", len(entries))
	}
	for _, e := range entries {
		checkMode(t, filepath.Join(s.Dir(), e.Name()), 0o600)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if !permissionsEnforced {
		return
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %#o; want %#o", filepath.Base(path), got, want)
	}
}

func TestNewRejectsOpenDirectory(t *testing.T) {
	if !permissionsEnforced {
		t.Skip("file modes are not enforced on this system")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := New(dir)
	if err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("New(0755 directory) error = %v; want one that says to chmod 700", err)
	}
}

func TestNewRejectsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(path); err == nil {
		t.Error("New(regular file) succeeded; want an error")
	}
}

func TestSaveKeepsBackup(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(1))
	mustSave(t, s, record(2))
	backup, err := readRecord(s.paths(testID).backup, testID)
	if err != nil {
		t.Fatal(err)
	}
	if backup.Version != 1 {
		t.Errorf("backup version = %d; want 1", backup.Version)
	}
	if got := mustLoad(t, s, testID); got.Version != 2 {
		t.Errorf("Load version = %d; want 2", got.Version)
	}
}

func TestSaveVersionConflict(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(5))
	for _, v := range []int64{4, 5} {
		err := s.Save(context.Background(), record(v))
		if !errors.Is(err, ErrVersionConflict) {
			t.Errorf("Save(version %d) over version 5 error = %v; want ErrVersionConflict", v, err)
		}
	}
	if got := mustLoad(t, s, testID); got.Version != 5 {
		t.Errorf("Load version = %d; want 5 kept", got.Version)
	}
}

// corruptions are ways a session file can be damaged. Each is applied
// to the content of a good file.
var corruptions = []struct {
	name   string
	damage func([]byte) []byte
	reason string
}{
	{"garbage", func([]byte) []byte { return []byte("\x00\x01 not json") }, "not valid JSON"},
	{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "not valid JSON"},
	{"empty", func([]byte) []byte { return nil }, "not valid JSON"},
	{"token changed", func(b []byte) []byte {
		return bytes.Replace(b, []byte("access-secret"), []byte("access-SECRET"), 1)
	}, "checksum mismatch"},
	{"other format", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"format":1`), []byte(`"format":9`), 1)
	}, "format 9 is not supported"},
}

func TestLoadCorruptWithoutBackup(t *testing.T) {
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStore(t)
			mustSave(t, s, record(1))
			damage(t, s.paths(testID).current, tc.damage)

			_, err := s.Load(context.Background(), testID)
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Load error = %v; want ErrCorrupt", err)
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load error is %T; want *CorruptError", err)
			}
			if !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("Reason = %q; want it to contain %q", ce.Reason, tc.reason)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows a token: %v", err)
			}
		})
	}
}

func damage(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFallsBackToBackup(t *testing.T) {
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := newTestStore(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			mustSave(t, s, record(1))
			mustSave(t, s, record(2))
			damage(t, s.paths(testID).current, tc.damage)

			if got := mustLoad(t, s, testID); !sameRecord(got, record(1)) {
				t.Errorf("Load = %+v; want the backup, version 1", got)
			}
			if !strings.Contains(logs.String(), "using its backup") {
				t.Errorf("log = %q; want a warning about the backup", logs.String())
			}
			if strings.Contains(logs.String(), "secret") {
				t.Errorf("log shows a token: %s", logs.String())
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(1))
	current := s.paths(testID).current
	if err := os.Remove(current); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(current, 0o700); err != nil { // reading a directory fails
		t.Fatal(err)
	}
	_, err := s.Load(context.Background(), testID)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Err == nil {
		t.Fatalf("Load error = %v; want a *CorruptError with the read error", err)
	}
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Load error = %v; want ErrCorrupt", err)
	}
}

func TestSaveAfterCorruptionKeepsGoodBackup(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(1))
	mustSave(t, s, record(2))
	p := s.paths(testID)
	damage(t, p.current, corruptions[0].damage)

	mustSave(t, s, record(3))
	if got := mustLoad(t, s, testID); got.Version != 3 {
		t.Errorf("Load version = %d; want 3", got.Version)
	}
	backup, err := readRecord(p.backup, testID)
	if err != nil || backup.Version != 1 {
		t.Errorf("backup = version %d, %v; want version 1, the last good one before the damage", backup.Version, err)
	}
	if _, err := os.Stat(p.corrupt); err != nil {
		t.Errorf("damaged file not kept aside: %v", err)
	}
}

func TestSaveVersionCheckedAgainstBackup(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(4))
	mustSave(t, s, record(5))
	damage(t, s.paths(testID).current, corruptions[0].damage)
	if err := s.Save(context.Background(), record(4)); !errors.Is(err, ErrVersionConflict) {
		t.Errorf("Save(version 4) over backup version 4 error = %v; want ErrVersionConflict", err)
	}
	mustSave(t, s, record(5))
}

func TestLoadWrongSession(t *testing.T) {
	s := newTestStore(t)
	mustSave(t, s, record(1))
	other := s.paths("other")
	if err := os.Rename(s.paths(testID).current, other.current); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(context.Background(), "other")
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Load(other) error = %v; want ErrCorrupt for a file of another session", err)
	}
}

func TestDelete(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustSave(t, s, record(1))
	mustSave(t, s, record(2))
	if err := s.Delete(ctx, testID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, testID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load after Delete error = %v; want ErrNotFound", err)
	}
	if err := s.Delete(ctx, testID); err != nil {
		t.Errorf("Delete(missing) = %v; want nil", err)
	}
	p := s.paths(testID)
	for _, path := range []string{p.current, p.backup} {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Delete", filepath.Base(path))
		}
	}
	mustSave(t, s, record(1)) // a deleted session starts its versions again
}

func TestUnusualSessionIDs(t *testing.T) {
	s := newTestStore(t)
	ids := []string{"../escape", "a/b", ".hidden", "~x", strings.Repeat("a", maxPlainID+1), "sp ace"}
	for _, id := range ids {
		r := record(1)
		r.SessionID = id
		mustSave(t, s, r)
		if got := mustLoad(t, s, id); got.SessionID != id {
			t.Errorf("Load(%q).SessionID = %q", id, got.SessionID)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(s.Dir()))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("parent directory has %d entries; want only the store's directory", len(entries))
	}
	for _, e := range mustReadDir(t, s.Dir()) {
		if !strings.HasPrefix(e, "~") && !strings.HasPrefix(e, ".") {
			t.Errorf("file %q is not a hashed name", e)
		}
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestPlainIDKeepsName(t *testing.T) {
	id := session.ID("https://kg.example.com", "tenant", "user")
	if got := fileBase(id); got != id {
		t.Errorf("fileBase(session id) = %q; want the id itself", got)
	}
}

func TestNewRemovesStaleTemps(t *testing.T) {
	s := newTestStore(t)
	stale := filepath.Join(s.Dir(), ".x.json.tmp-1")
	fresh := filepath.Join(s.Dir(), ".y.json.tmp-2")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("tokens"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := New(s.Dir()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file removed: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Load(ctx, testID); !errors.Is(err, context.Canceled) {
		t.Errorf("Load error = %v; want context.Canceled", err)
	}
}
