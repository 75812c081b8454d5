#!/usr/bin/env bash
# Runs the benchmarks and the load program behind docs/performance.md
# and prints their tables.
#
# Usage: bench/measure.sh [OUTDIR]
#
# OUTDIR receives the raw results (default: a new temporary directory).
# PARTS selects what runs, from "fastpath managed load" (default: all
# three). ROUNDS sets the rounds of the fast-path benchmarks (default
# 10) and MANAGED_ROUNDS those of the manager benchmarks with 1,000,000
# sessions (default 3, each with -test.count 3). A round runs every
# benchmark of its set once, so the rounds interleave the transports
# instead of running one after another. With the defaults the script
# takes about 20 minutes on 2 cores and needs 4 GiB of memory.
set -euo pipefail
cd "$(dirname "$0")"

out=${1:-$(mktemp -d)}
parts=${PARTS:-fastpath managed load}
rounds=${ROUNDS:-10}
managed_rounds=${MANAGED_ROUNDS:-3}
benchstat="go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"
mkdir -p "$out"

{
	go version
	echo "CPUs: $(nproc)"
	grep -m1 'model name' /proc/cpuinfo || true
} > "$out/machine.txt"
cat "$out/machine.txt"
go test -c -o "$out/bench.test" .

bench() {
	"$out/bench.test" -test.run '^$' -test.benchmem "$@"
}

if [[ " $parts " == *" fastpath "* ]]; then
	rm -f "$out"/{fastpath,paired,parallel}.txt
	for i in $(seq "$rounds"); do
		echo "fast-path round $i of $rounds" >&2
		bench -test.bench '^BenchmarkRoundTrip$' >> "$out/fastpath.txt"
		bench -test.bench '^BenchmarkRoundTripPaired$' >> "$out/paired.txt"
		bench -test.bench '^BenchmarkRoundTripParallel$' -test.cpu 1,2,4 >> "$out/parallel.txt"
	done
	$benchstat -col '/transport@(oauth2 sessionkit bare)' "$out/fastpath.txt"
	$benchstat "$out/paired.txt"
	$benchstat -row /transport -col /gomaxprocs "$out/parallel.txt"
fi

if [[ " $parts " == *" managed "* ]]; then
	rm -f "$out/managed.txt"
	for i in $(seq "$managed_rounds"); do
		echo "manager round $i of $managed_rounds" >&2
		SESSIONKIT_BENCH_1M=1 bench -test.bench 'Manage[dr]' -test.count 3 >> "$out/managed.txt"
	done
	$benchstat "$out/managed.txt"
fi

if [[ " $parts " == *" load "* ]]; then
	echo "load program" >&2
	go run ./cmd/load > "$out/load.txt"
	cat "$out/load.txt"
fi
echo "raw results: $out" >&2
