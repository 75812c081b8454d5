package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/knowledge"
	"github.com/sessionkit/sessionkit/redisstore"
	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/sessiontest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/transport"
)

// Environment of a child process of a fleet test. The API key travels
// apart from the configuration, which the parent may print.
const (
	envChildConfig = "SESSIONKIT_FLEET_CHILD"
	envChildAPIKey = "SESSIONKIT_API_KEY"
)

// fleetUser is the external user id of the session all children share.
const fleetUser = "fleet-user"

// childConfig is the configuration the parent passes to a child, as
// JSON in envChildConfig.
type childConfig struct {
	Index         int
	ServiceURL    string
	RedisAddr     string
	KeyPrefix     string
	EncryptionKey []byte
	LockTTL       time.Duration // transport.Options.RefreshTimeout
	RunFor        time.Duration
	Workers       int
	ResultPath    string
}

// childResult is what a child reports, as JSON in its result file.
type childResult struct {
	Requests       int
	Failures       int
	FailureSamples []string // the first few errors, with their time
	FirstFailure   time.Time
	LastFailure    time.Time
	// MaxGap is the longest time without a successful request, from
	// the start of the run to its end.
	MaxGap         time.Duration
	BootstrapLogin bool // this child logged in and stored the session
	Stats          transport.Stats
}

// TestHelperProcess is one process of a fleet test. The parent runs the
// test binary again with only this test and envChildConfig set.
func TestHelperProcess(t *testing.T) {
	raw := os.Getenv(envChildConfig)
	if raw == "" {
		t.Skip("runs only as a child process of the fleet tests")
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("invalid %s: %v", envChildConfig, err)
	}
	res, err := runChild(cfg, os.Getenv(envChildAPIKey))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.ResultPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runChild shares one permanent session through Redis and sends
// requests with it until cfg.RunFor has passed.
func runChild(cfg childConfig, apiKey string) (childResult, error) {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).
		With("process", cfg.Index)
	client := redis.NewClient(fastFailOptions(cfg.RedisAddr))
	defer client.Close()
	st, err := redisstore.New(client, func(o *redisstore.Options) {
		o.KeyPrefix = cfg.KeyPrefix
		o.EncryptionKey = cfg.EncryptionKey
		o.Logger = logger
	})
	if err != nil {
		return childResult{}, err
	}

	auth, err := knowledge.NewClient(cfg.ServiceURL, func(o *knowledge.Options) {
		o.UserAgent = fmt.Sprintf("fleet-%d", cfg.Index)
	})
	if err != nil {
		return childResult{}, err
	}
	creds := session.Credentials{TenantAPIKey: apiKey, ExternalUserID: fleetUser}
	id := session.ID(cfg.ServiceURL, sessiontest.DefaultTenant, fleetUser)
	tokens, loggedIn, err := loadOrLogin(st, auth, id, creds, cfg.LockTTL, logger)
	if err != nil {
		return childResult{}, err
	}
	sess, err := session.NewPermanent(tokens, creds)
	if err != nil {
		return childResult{}, err
	}

	rt := transport.New(sess, auth, func(o *transport.Options) {
		o.Store = st
		o.RefreshTimeout = cfg.LockTTL
		o.MinBackoff = 200 * time.Millisecond
		o.MaxBackoff = time.Second
		o.Logger = logger
	})
	defer rt.Close()
	res := sendRequests(&http.Client{Transport: rt}, cfg)
	res.BootstrapLogin = loggedIn
	res.Stats = rt.Stats()
	return res, nil
}

// loadOrLogin returns the stored tokens of the session, or logs in and
// stores the result when there are none. It holds the session's lock
// meanwhile, so that of processes starting together only one logs in.
// Without Redis it logs in on its own.
func loadOrLogin(st *redisstore.Store, auth *knowledge.Client, id string, creds session.Credentials,
	ttl time.Duration, logger *slog.Logger) (session.Tokens, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ttl)
	defer cancel()
	if unlock, err := st.Lock(ctx, id, ttl); err != nil {
		logger.Warn("startup lock failed; logging in without it", "error", err)
	} else {
		defer unlock()
	}
	if rec, err := st.Load(ctx, id); err == nil {
		return rec.Tokens(), false, nil
	}
	tokens, err := auth.Login(ctx, creds)
	if err != nil {
		return session.Tokens{}, false, err
	}
	rec := store.Record{SessionID: id, Kind: session.Permanent, AccessToken: tokens.AccessToken,
		RefreshToken: tokens.RefreshToken, Version: 1, UpdatedAt: time.Now()}
	if err := st.Save(ctx, rec); err != nil {
		logger.Warn("storing the new session failed", "error", err)
	}
	return tokens, true, nil
}

// sendRequests runs cfg.Workers loops that each send a request to the
// protected endpoint every 10 ms, and counts the outcomes.
func sendRequests(client *http.Client, cfg childConfig) childResult {
	start := time.Now()
	tl := &tally{lastSuccess: start}
	deadline := start.Add(cfg.RunFor)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				tl.add(get(client, cfg.ServiceURL+sessiontest.APIPath))
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return tl.finish()
}

// get sends one request and returns its error, or an error for a
// status other than 200.
func get(client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// tally counts request outcomes. Safe for concurrent use.
type tally struct {
	mu          sync.Mutex // guards res and lastSuccess
	res         childResult
	lastSuccess time.Time
}

// finish returns the counts, with the time from the last success to the
// end counted as a gap too.
func (tl *tally) finish() childResult {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.res.MaxGap = max(tl.res.MaxGap, time.Since(tl.lastSuccess))
	return tl.res
}

func (tl *tally) add(err error) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	now := time.Now()
	tl.res.Requests++
	if err == nil {
		tl.res.MaxGap = max(tl.res.MaxGap, now.Sub(tl.lastSuccess))
		tl.lastSuccess = now
		return
	}
	tl.res.Failures++
	if tl.res.FirstFailure.IsZero() {
		tl.res.FirstFailure = now
	}
	tl.res.LastFailure = now
	if len(tl.res.FailureSamples) < 5 {
		tl.res.FailureSamples = append(tl.res.FailureSamples, now.Format(time.StampMilli)+" "+err.Error())
	}
}
