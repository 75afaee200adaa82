#!/usr/bin/env bash
# make test's go test runs: the library packages under the race detector, and the
# end-to-end tests (e2e/) without it, at the same time. Alone, each keeps about one core
# busy: go test runs e2e's serial tests one after another. The kill matrix
# (TestEveryProfileIsJudgedRight, a run per reference profile) goes in a third go test of
# its own: inside the e2e run it came after the serial tests, which kept the machine a
# third idle (132% of 2 cores, 6 min 32 s); beside them it fills that room.
#
# Progress: a line as each package finishes ("ok  PKG  12.3s" or "FAIL  PKG"), from either
# run (go test prints a package's line once those listed before it have theirs). The rest
# of each run's output is kept, and a run that failed is printed whole once both have
# ended, so that a failure reads as go test wrote it, not interleaved with the other run's.
# Usage: build/test.sh GO DIST_BIN RACE_E2E
set -uo pipefail
go=$1 dist_bin=$2 race_e2e=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gotest LOG COMMAND...: COMMAND (a go test), its output kept in LOG and its packages'
# result lines printed as they come; the exit code is COMMAND's.
gotest() {
	local log=$1
	shift
	"$@" 2>&1 | tee "$log" | grep --line-buffered -E '^(ok|FAIL)[[:space:]]+[^[:space:]]'
	return "${PIPESTATUS[0]}"
}

libs=$("$go" list ./... | grep -vx -e 'github.com/umconform/umconform' -e 'github.com/umconform/umconform/e2e')
echo "make test: the library packages under -race, the end-to-end tests (e2e) and their kill matrix at once, a line as each ends"
# shellcheck disable=SC2086 # one word per package
gotest "$tmp/libs" "$go" test -race -count=1 $libs &
libs_pid=$!
kill=TestEveryProfileIsJudgedRight
gotest "$tmp/kill" "$go" test -count=1 -timeout 20m -run "^$kill\$" ./e2e &
kill_pid=$!
gotest "$tmp/e2e" env UMCONFORM_DIST_BIN="$dist_bin" "$go" test -count=1 -timeout 20m -skip "^$kill\$" ./e2e
e2e=$?
wait "$kill_pid"
killm=$?
wait "$libs_pid"
lib=$?
if [ "$killm" -ne 0 ]; then
	echo "make test: the kill matrix ($kill) failed; its output:"
	cat "$tmp/kill"
fi
if [ "$lib" -ne 0 ]; then
	echo "make test: the library packages failed; their output:"
	cat "$tmp/libs"
fi
if [ "$e2e" -ne 0 ]; then
	echo "make test: the end-to-end tests failed; their output:"
	cat "$tmp/e2e"
fi
# A few whole runs under the race detector, once the rest is done (see the Makefile).
echo "make test: whole runs under -race: $race_e2e"
"$go" test -race -count=1 -run "$race_e2e" ./e2e
race=$?
if [ "$lib" -ne 0 ] || [ "$e2e" -ne 0 ] || [ "$killm" -ne 0 ] || [ "$race" -ne 0 ]; then
	echo "make test: failed (library packages: exit $lib, end-to-end tests: exit $e2e, kill matrix: exit $killm, whole runs under -race: exit $race)" >&2
	exit 1
fi
