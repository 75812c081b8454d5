package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/store"
)

const testIssuer = "https://kg.example.com"

func jwtFor(user string, exp time.Time) string {
	return sessiontest.NewJWT(map[string]any{
		"tenant": "t1", "roles": "User", "iss": testIssuer, "ext-sub": user, "exp": exp.Unix(),
	})
}

var testCreds = session.Credentials{TenantAPIKey: "api-key", ExternalUserID: "u-1"}

// saved returns a store holding the record of a new session of kind.
func saved(t *testing.T, kind session.Kind) (*store.Memory, *session.Session) {
	t.Helper()
	tokens := session.Tokens{AccessToken: jwtFor("u-1", time.Now().Add(time.Hour)), RefreshToken: "r-1"}
	var s *session.Session
	var err error
	switch kind {
	case session.Timed:
		s, err = session.NewTimed(tokens.AccessToken)
	case session.Refreshable:
		s, err = session.NewRefreshable(tokens)
	case session.Permanent:
		s, err = session.NewPermanent(tokens, testCreds)
	}
	if err != nil {
		t.Fatal(err)
	}
	st := new(store.Memory)
	if err := st.Save(context.Background(), store.RecordOf(s, 3)); err != nil {
		t.Fatal(err)
	}
	return st, s
}

func TestRestoreKinds(t *testing.T) {
	for _, kind := range []session.Kind{session.Timed, session.Refreshable, session.Permanent} {
		t.Run(kind.String(), func(t *testing.T) {
			st, orig := saved(t, kind)
			got, err := store.Restore(context.Background(), st, orig.ID(), &testCreds)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind() != kind {
				t.Errorf("Kind = %v; want %v", got.Kind(), kind)
			}
			if got.ID() != orig.ID() {
				t.Errorf("ID = %s; want %s", got.ID(), orig.ID())
			}
			if got.AccessToken() != orig.AccessToken() {
				t.Error("access token differs from the stored one")
			}
			if got.RefreshToken() != orig.RefreshToken() {
				t.Errorf("refresh token differs from the stored one")
			}
		})
	}
}

func TestRestorePermanentNeedsCredentials(t *testing.T) {
	st, orig := saved(t, session.Permanent)
	_, err := store.Restore(context.Background(), st, orig.ID(), nil)
	if !errors.Is(err, store.ErrCredentialsRequired) {
		t.Errorf("Restore(nil credentials) error = %v; want ErrCredentialsRequired", err)
	}
}

func TestRestoreRefreshableIgnoresCredentials(t *testing.T) {
	st, orig := saved(t, session.Refreshable)
	got, err := store.Restore(context.Background(), st, orig.ID(), &testCreds)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Credentials(); ok || got.Kind() != session.Refreshable {
		t.Errorf("restored %v with credentials; want a refreshable session as stored", got)
	}
}

func TestRestoreUnknownKindInferred(t *testing.T) {
	st := new(store.Memory)
	access := jwtFor("u-1", time.Now().Add(time.Hour))
	id := session.ID(testIssuer, "t1", "u-1")
	st.Save(context.Background(), store.Record{SessionID: id, AccessToken: access, RefreshToken: "r"})
	got, err := store.Restore(context.Background(), st, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind() != session.Refreshable {
		t.Errorf("Kind = %v; want refreshable, from the refresh token", got.Kind())
	}
}

func TestRestoreMissing(t *testing.T) {
	_, err := store.Restore(context.Background(), new(store.Memory), "absent", nil)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Restore(absent) error = %v; want ErrNotFound", err)
	}
}

func TestRestoreTokenOfAnotherSession(t *testing.T) {
	st := new(store.Memory)
	id := session.ID(testIssuer, "t1", "u-1")
	other := jwtFor("u-2", time.Now().Add(time.Hour))
	st.Save(context.Background(), store.Record{SessionID: id, Kind: session.Refreshable,
		AccessToken: other, RefreshToken: "r"})
	_, err := store.Restore(context.Background(), st, id, nil)
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Restore error = %v; want ErrCorrupt for a token of another user", err)
	}
}

func TestRestoreOpaqueRecordNeedsRestoreOpaque(t *testing.T) {
	st := new(store.Memory)
	st.Save(context.Background(), store.Record{SessionID: "x", Kind: session.Refreshable,
		AccessToken: "opaque", RefreshToken: "r"})
	_, err := store.Restore(context.Background(), st, "x", nil)
	if !errors.Is(err, session.ErrInvalidToken) {
		t.Errorf("Restore(opaque token) error = %v; want ErrInvalidToken", err)
	}
}

func TestRestoreOpaque(t *testing.T) {
	expiry := time.Now().Add(time.Hour).Truncate(time.Second)
	orig, err := session.NewOpaque("https://auth.example.com", "u-7",
		session.Tokens{AccessToken: "opaque-access", RefreshToken: "opaque-refresh", Expiry: expiry}, &testCreds)
	if err != nil {
		t.Fatal(err)
	}
	st := new(store.Memory)
	st.Save(context.Background(), store.RecordOf(orig, 1))

	got, err := store.RestoreOpaque(context.Background(), st, "https://auth.example.com", "u-7", &testCreds)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Opaque() || got.Kind() != session.Permanent || got.ID() != orig.ID() {
		t.Errorf("restored %v, opaque %t; want the permanent opaque session %s", got, got.Opaque(), orig.ID())
	}
	if !got.Expiry().Equal(expiry) {
		t.Errorf("Expiry = %v; want %v", got.Expiry(), expiry)
	}
	if got.AccessToken() != "opaque-access" || got.RefreshToken() != "opaque-refresh" {
		t.Error("tokens differ from the stored ones")
	}
}

func TestRestoreOpaqueMissing(t *testing.T) {
	_, err := store.RestoreOpaque(context.Background(), new(store.Memory), "https://auth.example.com", "u", nil)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RestoreOpaque(absent) error = %v; want ErrNotFound", err)
	}
}
