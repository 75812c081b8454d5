// Package bench measures the cost of sessionkit's transport beside
// golang.org/x/oauth2's Transport and a bare base transport.
//
// It is a module of its own, so x/oauth2 never becomes a dependency of
// the library. The benchmarks send nothing over the network: the base
// transport returns a canned response. The load program in cmd/load
// measures latency and deduplication against a loopback server.
// docs/performance.md in the main module lists the commands and the
// results.
package bench
