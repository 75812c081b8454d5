package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestMemorySaveLoadDelete(t *testing.T) {
	var m Memory
	ctx := context.Background()
	if _, err := m.Load(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load(missing) error = %v; want ErrNotFound", err)
	}
	rec := Record{SessionID: "a", AccessToken: "at", RefreshToken: "rt", Version: 2}
	if err := m.Save(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := m.Load(ctx, "a")
	if err != nil || got != rec {
		t.Errorf("Load = %v, %v; want the saved record", got, err)
	}
	if err := m.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "a"); err != nil {
		t.Errorf("Delete(missing) = %v; want nil", err)
	}
	if _, err := m.Load(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after Delete error = %v; want ErrNotFound", err)
	}
}

func TestRecordRedacted(t *testing.T) {
	rec := Record{SessionID: "id-1", AccessToken: "access-secret", RefreshToken: "refresh-secret"}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, verb+"\n", rec)
		fmt.Fprintf(&out, verb+"\n", &rec)
	}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("record", "r", rec)
	if strings.Contains(out.String(), "secret") {
		t.Errorf("output shows a token:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "id-1") {
		t.Errorf("output lacks the session id")
	}
}
