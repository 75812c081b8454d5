package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/store"
)

// A program saves its session before it exits and restores it on the
// next start, without logging in again.
func ExampleRestore() {
	ctx := context.Background()
	st := new(store.Memory) // or a store that outlives the process
	access := sessiontest.NewJWT(map[string]any{
		"tenant": "t1", "roles": "User", "iss": "https://kg.example.com",
		"ext-sub": "user-1", "exp": time.Now().Add(time.Hour).Unix(),
	})
	creds := session.Credentials{TenantAPIKey: "tenant-key", ExternalUserID: "user-1"}
	s, err := session.NewPermanent(session.Tokens{AccessToken: access, RefreshToken: "r-1"}, creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := st.Save(ctx, store.RecordOf(s, 1)); err != nil {
		fmt.Println(err)
		return
	}

	// On the next start: the API key comes from the program's
	// configuration, because no store holds it.
	restored, err := store.Restore(ctx, st, s.ID(), &creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(restored.Kind(), restored.ID() == s.ID())
	// Output: permanent true
}

// A session whose access token is not a JWT is restored by the service
// URL and user id it was made with.
func ExampleRestoreOpaque() {
	ctx := context.Background()
	st := new(store.Memory)
	tokens := session.Tokens{
		AccessToken:  "2YotnFZFEjr1zCsicMWpAA",
		RefreshToken: "tGzv3JOkF0XG5Qx2TlKWIA",
		Expiry:       time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC),
	}
	s, err := session.NewOpaque("https://auth.example.com", "user-1", tokens, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := st.Save(ctx, store.RecordOf(s, 1)); err != nil {
		fmt.Println(err)
		return
	}

	restored, err := store.RestoreOpaque(ctx, st, "https://auth.example.com", "user-1", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(restored.Kind(), restored.Expiry())
	// Output: refreshable 2030-01-01 12:00:00 +0000 UTC
}
