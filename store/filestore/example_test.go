package filestore_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/transport"
)

// A program keeps its session in a file store, so that its next run,
// or another process, resumes the session without logging in.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "filestore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	fake := sessiontest.NewServer() // a stand-in for the knowledge service
	defer fake.Close()

	fs, err := filestore.New(filepath.Join(dir, "sessions"))
	if err != nil {
		fmt.Println(err)
		return
	}
	auth, err := knowledge.NewClient(fake.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	creds := session.Credentials{TenantAPIKey: sessiontest.DefaultTenantAPIKey, ExternalUserID: "user-1"}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := fs.Save(ctx, store.RecordOf(s, 1)); err != nil {
		fmt.Println(err)
		return
	}

	// The RoundTripper saves every renewal to the store, under the
	// store's lock.
	rt := transport.New(s, auth, func(o *transport.Options) { o.Store = fs })
	defer rt.Close()
	resp, err := (&http.Client{Transport: rt}).Get(fake.URL() + sessiontest.APIPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// The next run restores the session from the files.
	restored, err := store.Restore(ctx, fs, s.ID(), &creds)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(restored.Kind(), "session; logins:", fake.Stats().Logins)
	// Output:
	// 200 OK
	// permanent session; logins: 1
}
