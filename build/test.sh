#!/usr/bin/env bash
# make test's go test runs: the library packages under the race detector, and the
# command-line tests (the root package) without it, at the same time. Alone, each keeps
# about one core busy: go test runs the root package's serial tests one after another.
# Each run's output is kept whole and printed when the run ends, so that a failure
# reads as go test wrote it, not interleaved with the other run's.
# Usage: build/test.sh GO DIST_BIN RACE_E2E
set -uo pipefail
go=$1 dist_bin=$2 race_e2e=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

libs=$("$go" list ./... | grep -vx 'github.com/umconform/umconform')
# shellcheck disable=SC2086 # one word per package
"$go" test -race -count=1 $libs >"$tmp/libs" 2>&1 &
libs_pid=$!
UMCONFORM_DIST_BIN=$dist_bin "$go" test -count=1 -timeout 20m . >"$tmp/cli" 2>&1
cli=$?
wait "$libs_pid"
lib=$?
cat "$tmp/libs" "$tmp/cli"
# A few whole runs under the race detector, once the rest is done (see the Makefile).
"$go" test -race -count=1 -run "$race_e2e" .
e2e=$?
if [ "$lib" -ne 0 ] || [ "$cli" -ne 0 ] || [ "$e2e" -ne 0 ]; then
	echo "make test: failed (library packages: exit $lib, command-line tests: exit $cli, whole runs under -race: exit $e2e)" >&2
	exit 1
fi
