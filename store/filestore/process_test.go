package filestore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/transport"
)

// Environment variables that make the test binary run as a helper
// process of a test instead of running the tests.
const (
	envHelper   = "FILESTORE_TEST_HELPER" // the helper's mode: count, login, resume or share
	envDir      = "FILESTORE_TEST_DIR"
	envURL      = "FILESTORE_TEST_URL"
	envSession  = "FILESTORE_TEST_SESSION"
	envRounds   = "FILESTORE_TEST_ROUNDS"
	envDuration = "FILESTORE_TEST_DURATION"
)

const testUser = "user-1"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envHelper); mode != "" {
		os.Exit(runHelper(mode))
	}
	goleak.VerifyTestMain(m)
}

// helperReport is what a helper process prints on stdout as JSON.
type helperReport struct {
	SessionID string
	Requests  int64
	Failures  int64
	Refreshes int64
	Logins    int64
}

// runHelper runs one helper mode and returns the exit code. Failures go
// to stderr.
func runHelper(mode string) int {
	fs, err := filestore.New(os.Getenv(envDir))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var rep helperReport
	switch mode {
	case "count":
		rounds, _ := strconv.Atoi(os.Getenv(envRounds))
		err = countUnderLock(fs, rounds)
	case "login":
		rep, err = loginAndRun(fs)
	case "resume":
		rep, err = resumeAndRun(fs, stopAfterRefreshes(1))
	case "share":
		d, _ := time.ParseDuration(os.Getenv(envDuration))
		rep, err = resumeAndRun(fs, stopAfterTime(time.Now().Add(d)), renewOnExpiry)
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 1
	}
	return 0
}

// countUnderLock adds one to the version of the record "counter",
// rounds times, each time under the store's lock.
func countUnderLock(fs *filestore.Store, rounds int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range rounds {
		unlock, err := fs.Lock(ctx, "counter", time.Minute)
		if err != nil {
			return err
		}
		rec, err := fs.Load(ctx, "counter")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			unlock()
			return err
		}
		rec.SessionID = "counter"
		rec.Version++
		err = fs.Save(ctx, rec)
		unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// loginAndRun logs in, saves the new session to fs and sends requests
// until the session has been refreshed twice.
func loginAndRun(fs *filestore.Store) (helperReport, error) {
	ctx := context.Background()
	auth, err := knowledge.NewClient(os.Getenv(envURL))
	if err != nil {
		return helperReport{}, err
	}
	creds := testCredentials()
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		return helperReport{}, err
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		return helperReport{}, err
	}
	if err := fs.Save(ctx, store.RecordOf(s, 1)); err != nil {
		return helperReport{}, err
	}
	return run(s, auth, fs, stopAfterRefreshes(2))
}

// resumeAndRun restores the session named by envSession from fs, with
// no login, and sends requests until stop returns true.
func resumeAndRun(fs *filestore.Store, stop func(refreshes int64) bool, opts ...transport.Option) (helperReport, error) {
	auth, err := knowledge.NewClient(os.Getenv(envURL))
	if err != nil {
		return helperReport{}, err
	}
	creds := testCredentials()
	s, err := store.Restore(context.Background(), fs, os.Getenv(envSession), &creds)
	if err != nil {
		return helperReport{}, err
	}
	return run(s, auth, fs, stop, opts...)
}

func testCredentials() session.Credentials {
	return session.Credentials{TenantAPIKey: sessiontest.DefaultTenantAPIKey, ExternalUserID: testUser}
}

// renewOnExpiry turns off background renewal before expiry and its
// jitter, so that processes sharing a session all need a new token at
// the same moment, its expiry, and only the store's lock keeps them
// from refreshing it together.
func renewOnExpiry(o *transport.Options) {
	o.Window = time.Millisecond
	o.Jitter = -1
}

func stopAfterRefreshes(n int64) func(int64) bool {
	return func(refreshes int64) bool { return refreshes >= n }
}

func stopAfterTime(end time.Time) func(int64) bool {
	return func(int64) bool { return time.Now().After(end) }
}

// run sends requests through a RoundTripper that keeps s in fs, until
// stop returns true or 20 s have passed. Before it closes the
// RoundTripper, it waits until fs holds the session's current tokens,
// so that no renewal is cut short.
func run(s *session.Session, auth transport.Authenticator, fs *filestore.Store, stop func(int64) bool, opts ...transport.Option) (helperReport, error) {
	var refreshes atomic.Int64
	rt := transport.New(s, auth, append([]transport.Option{func(o *transport.Options) {
		o.Store = fs
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Hooks.Refresh = func(transport.Event) { refreshes.Add(1) }
	}}, opts...)...)
	client := &http.Client{Transport: rt}
	rep := helperReport{SessionID: s.ID()}
	for deadline := time.Now().Add(20 * time.Second); !stop(refreshes.Load()); {
		if time.Now().After(deadline) {
			rt.Close()
			return rep, errors.New("stop condition not reached within 20 s")
		}
		rep.Requests++
		if err := get(client, os.Getenv(envURL)+sessiontest.APIPath); err != nil {
			rep.Failures++
			fmt.Fprintln(os.Stderr, "request failed:", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	err := waitSaved(fs, s)
	rt.Close()
	stats := rt.Stats()
	rep.Refreshes, rep.Logins = stats.Refreshes, stats.Logins
	return rep, err
}

func get(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// waitSaved waits up to 5 s until fs holds the current access token of
// s, or a newer one saved by another process.
func waitSaved(fs *filestore.Store, s *session.Session) error {
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		rec, err := fs.Load(context.Background(), s.ID())
		if err == nil && !rec.Expiry.Before(s.Expiry()) {
			return nil
		}
	}
	return errors.New("store does not hold the session's current tokens after 5 s")
}

// startHelper starts the test binary as a helper process in mode with
// the given environment variables added.
func startHelper(t *testing.T, mode string, env ...string) *helperProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, envHelper+"="+mode)...)
	p := &helperProcess{mode: mode, cmd: cmd}
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

type helperProcess struct {
	mode           string
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

// wait waits for p to exit, fails the test unless it succeeded, and
// returns its report.
func (p *helperProcess) wait(t *testing.T) helperReport {
	t.Helper()
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("helper %s: %v\nstderr:\n%s", p.mode, err, p.stderr.String())
	}
	var rep helperReport
	if p.mode != "count" {
		if err := json.Unmarshal(p.stdout.Bytes(), &rep); err != nil {
			t.Fatalf("helper %s printed %q: %v", p.mode, p.stdout.String(), err)
		}
	}
	return rep
}

// checkNoSecrets fails the test if any token or key that fake issued
// appears in the output of a helper.
func checkNoSecrets(t *testing.T, fake *sessiontest.Server, helpers ...*helperProcess) {
	t.Helper()
	for _, p := range helpers {
		out := p.stdout.String() + p.stderr.String()
		for _, secret := range fake.IssuedSecrets() {
			if strings.Contains(out, secret) {
				t.Errorf("output of helper %s contains a secret", p.mode)
			}
		}
	}
}

func newFake(t *testing.T, opts ...func(*sessiontest.Options)) *sessiontest.Server {
	t.Helper()
	opts = append([]func(*sessiontest.Options){func(o *sessiontest.Options) { o.TokenLifetime = 2 * time.Second }}, opts...)
	fake := sessiontest.NewServer(opts...)
	t.Cleanup(fake.Close)
	return fake
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	const processes, rounds = 4, 40
	var helpers []*helperProcess
	for range processes {
		helpers = append(helpers, startHelper(t, "count", envDir+"="+dir, envRounds+"="+strconv.Itoa(rounds)))
	}
	for _, p := range helpers {
		p.wait(t)
	}
	fs, err := filestore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := fs.Load(context.Background(), "counter")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != processes*rounds {
		t.Errorf("counter = %d; want %d: increments were lost, so the lock let two processes in",
			rec.Version, processes*rounds)
	}
}

func TestResumeInSecondProcess(t *testing.T) {
	fake := newFake(t)
	dir := filepath.Join(t.TempDir(), "sessions")
	env := []string{envDir + "=" + dir, envURL + "=" + fake.URL()}

	login := startHelper(t, "login", env...)
	first := login.wait(t)
	if first.Refreshes < 2 || first.Failures != 0 || first.Logins != 0 {
		t.Errorf("first process: %+v; want 2 or more refreshes, no failures, no logins after the first", first)
	}
	wantID := session.ID(fake.URL(), sessiontest.DefaultTenant, testUser)
	if first.SessionID != wantID {
		t.Fatalf("first process session id = %s; want %s", first.SessionID, wantID)
	}

	resume := startHelper(t, "resume", append(env, envSession+"="+first.SessionID)...)
	second := resume.wait(t)
	if second.Refreshes < 1 || second.Failures != 0 || second.Logins != 0 {
		t.Errorf("second process: %+v; want 1 or more refreshes, no failures, no login", second)
	}

	stats := fake.Stats()
	if stats.Logins != 1 {
		t.Errorf("server logins = %d; want 1: the second process must resume without logging in", stats.Logins)
	}
	if stats.RefreshReuse != 0 || stats.RefreshFailures != 0 {
		t.Errorf("server refresh reuse = %d, failures = %d; want 0 and 0", stats.RefreshReuse, stats.RefreshFailures)
	}
	if got, want := stats.Refreshes, first.Refreshes+second.Refreshes; got != want {
		t.Errorf("server refreshes = %d; want %d, the sum of both processes", got, want)
	}
	checkNoSecrets(t, fake, login, resume)
}

func TestSharedSessionAcrossProcesses(t *testing.T) {
	// A slow refresh widens the time in which a process without the
	// lock would send the same refresh token as another.
	fake := newFake(t, func(o *sessiontest.Options) { o.RefreshLatency = 200 * time.Millisecond })
	dir := filepath.Join(t.TempDir(), "sessions")
	fs, err := filestore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := loginAndSave(t, fake, fs)

	env := []string{envDir + "=" + dir, envURL + "=" + fake.URL(), envSession + "=" + s.ID(), envDuration + "=4s"}
	const processes = 3
	var helpers []*helperProcess
	for range processes {
		helpers = append(helpers, startHelper(t, "share", env...))
	}
	var refreshes int64
	for _, p := range helpers {
		rep := p.wait(t)
		if rep.Failures != 0 || rep.Logins != 0 {
			t.Errorf("helper: %+v; want no failures and no logins", rep)
		}
		refreshes += rep.Refreshes
	}
	stats := fake.Stats()
	if stats.Logins != 1 || stats.RefreshReuse != 0 || stats.RefreshFailures != 0 {
		t.Errorf("server logins = %d, refresh reuse = %d, refresh failures = %d; want 1, 0, 0",
			stats.Logins, stats.RefreshReuse, stats.RefreshFailures)
	}
	if refreshes == 0 || stats.Refreshes != refreshes {
		t.Errorf("server refreshes = %d, helpers' = %d; want equal and above 0", stats.Refreshes, refreshes)
	}
	checkNoSecrets(t, fake, helpers...)
}

// loginAndSave logs in to fake as testUser and saves the permanent
// session to fs at version 1.
func loginAndSave(t *testing.T, fake *sessiontest.Server, fs *filestore.Store) *session.Session {
	t.Helper()
	auth, err := knowledge.NewClient(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	creds := testCredentials()
	tokens, err := auth.Login(context.Background(), creds)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.NewPermanent(tokens, creds)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Save(context.Background(), store.RecordOf(s, 1)); err != nil {
		t.Fatal(err)
	}
	return s
}
