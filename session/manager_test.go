package session

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func userToken(user string, d time.Duration) string {
	return tokenWith(func(m map[string]any) {
		m["ext-sub"] = user
		m["exp"] = time.Now().Add(d).Unix()
	})
}

func TestManagerAddGetRemove(t *testing.T) {
	var m Manager
	s, err := m.Add(Tokens{AccessToken: userToken("a", time.Hour), RefreshToken: "r"}, nil)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if got, ok := m.Get(s.ID()); !ok || got != s {
		t.Errorf("Get(%s) = %v, %v; want the added session", s.ID(), got, ok)
	}
	if !m.Has(s.ID()) {
		t.Errorf("Has = false after Add")
	}
	if m.Count() != 1 {
		t.Errorf("Count = %d; want 1", m.Count())
	}
	if !m.Remove(s.ID()) {
		t.Errorf("Remove = false; want true")
	}
	if m.Remove(s.ID()) {
		t.Errorf("second Remove = true; want false")
	}
	if m.Has(s.ID()) || m.Count() != 0 {
		t.Errorf("after Remove: Has = %v, Count = %d; want false, 0", m.Has(s.ID()), m.Count())
	}
	if _, ok := m.Get("missing"); ok {
		t.Errorf("Get(missing) ok = true")
	}
}

func TestManagerAddRejectsBadToken(t *testing.T) {
	var m Manager
	if _, err := m.Add(Tokens{AccessToken: "garbage"}, nil); err == nil {
		t.Fatalf("Add(garbage) succeeded")
	}
	if m.Count() != 0 {
		t.Errorf("Count = %d; want 0", m.Count())
	}
}

func TestManagerReplaceLogsKindChange(t *testing.T) {
	var logs bytes.Buffer
	m := Manager{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	access := userToken("a", time.Hour)
	first, err := m.Add(Tokens{AccessToken: access}, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := Credentials{TenantAPIKey: "key-secret-789", ExternalUserID: "a"}
	second, err := m.Add(Tokens{AccessToken: access, RefreshToken: "r-secret"}, &creds)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Get(first.ID()); got != second {
		t.Errorf("Get returned the old session after a replace")
	}
	if m.Count() != 1 {
		t.Errorf("Count = %d; want 1 after a replace", m.Count())
	}
	out := logs.String()
	if !strings.Contains(out, "old_kind=timed") || !strings.Contains(out, "new_kind=permanent") {
		t.Errorf("log = %q; want the kind change", out)
	}
	for _, secret := range []string{access, "key-secret-789", "r-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret: %q", out)
		}
	}
}

func TestManagerRemoveExpired(t *testing.T) {
	var m Manager
	add := func(user string, d time.Duration, refresh string) {
		t.Helper()
		if _, err := m.Add(Tokens{AccessToken: userToken(user, d), RefreshToken: refresh}, nil); err != nil {
			t.Fatal(err)
		}
	}
	add("expired-timed-1", -time.Minute, "")
	add("expired-timed-2", -time.Second, "")
	add("valid-timed", time.Hour, "")
	add("expired-refreshable", -time.Minute, "r")
	if got := m.RemoveExpired(); got != 2 {
		t.Errorf("RemoveExpired = %d; want 2", got)
	}
	if m.Count() != 2 {
		t.Errorf("Count = %d; want 2", m.Count())
	}
	if !m.Has(ID(testIssuer, "t1", "expired-refreshable")) {
		t.Errorf("the expired refreshable session was removed")
	}
}

func TestManagerConcurrent(t *testing.T) {
	var m Manager
	tokens := make([]string, 100)
	for i := range tokens {
		tokens[i] = userToken(fmt.Sprintf("user-%d", i), time.Hour)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i, tok := range tokens {
				if _, err := m.Add(Tokens{AccessToken: tok}, nil); err != nil {
					t.Error(err)
					return
				}
				id := ID(testIssuer, "t1", fmt.Sprintf("user-%d", i))
				if _, ok := m.Get(id); !ok {
					t.Errorf("worker %d: Get(%d) missing right after Add", w, i)
				}
			}
		})
	}
	wg.Wait()
	if m.Count() != len(tokens) {
		t.Errorf("Count = %d; want %d", m.Count(), len(tokens))
	}
}
