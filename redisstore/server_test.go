package redisstore_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process of one test, on a loopback port
// that stays the same across Stop and Start. Not safe for concurrent
// use.
type redisServer struct {
	t    *testing.T
	path string
	dir  string
	Addr string

	cmd *exec.Cmd
	out *syncBuffer
}

// startRedis starts a redis-server of the test's own, bound to
// 127.0.0.1 with persistence off, and stops it when the test ends. Like
// the tests on the shared server, it skips unless SESSIONKIT_REDIS_ADDR
// is set, so that a plain go test runs no Redis.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	redisAddr(t)
	path, err := exec.LookPath("redis-server")
	if err != nil {
		skipWithoutRedis(t, "redis-server is not on PATH")
	}
	s := &redisServer{t: t, path: path, dir: t.TempDir(), Addr: freeLoopbackAddr(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server and waits until it responds to PING.
func (s *redisServer) Start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.out = &syncBuffer{}
	s.cmd = exec.Command(s.path,
		"--bind", "127.0.0.1", "--port", port,
		"--save", "", "--appendonly", "no",
		"--dir", s.dir, "--daemonize", "no")
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	client := redis.NewClient(fastFailOptions(s.Addr))
	defer client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := client.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("redis-server on %s did not answer within 5 s: %v\n%s", s.Addr, err, s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts the server down with SIGTERM and waits for it to exit. It
// does nothing when the server is not running.
func (s *redisServer) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a
// moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// syncBuffer is a bytes.Buffer that a process can write while a test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
