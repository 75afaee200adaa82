#!/usr/bin/env bash
# bench/lifecycle.sh: waiting in parallel (issue 12, item 4).
#
# Against a server whose calls never end by themselves (umconform serve, profile exchange:
# a call to +15550100 is answered and stays Connected until disconnected) and with the
# default polling of a real target (--poll-interval 200ms, --poll-limit 150: one traced
# call waits about 30 s before the harness ends it), it times, as whole processes:
#   full:   a default run (replay, lifecycle, robustness)
#   trace:  one lifecycle trace alone (--focus on the single call's checks)
#   replay: everything but the lifecycle suite (--label-filter '!lifecycle')
# and prints full / (1.2 x trace + replay). The goal is at most 1: the lifecycle's waiting
# overlaps the replay instead of following it.
#
# Environment: RUNS (timed runs per command, default 3), OUT (results folder). Loopback only.
# Run from the repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
. bench/lib.sh

runs=${RUNS:-3}
out=${OUT:-$(mktemp -d /tmp/umconform-lifecycle.XXXXXX)}
mkdir -p "$out"
need_cgo
go build -o "$out/umconform" .

port=$((20000 + RANDOM % 20000))
"$out/umconform" serve --listen "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	grep -q "Listening\|listening\|http://" "$out/serve.log" 2>/dev/null && break
	sleep 0.1
done

target="http://127.0.0.1:$port/EWS/UM2007Legacy.asmx"
run=("$out/umconform" run --target "$target" --dial-string +15550100 --entry-id AAMkAHVtY29uZm9ybS1yZWZlcmVuY2Utdm9pY2UtbWFpbC1pdGVtAA== --report-dir "$out/reports")

echo "machine: $(machine)"
full=$(timed_runs "$runs" full "${run[@]}")
trace=$(timed_runs "$runs" trace "${run[@]}" --focus 'call to \+15550100: ')
replay=$(timed_runs "$runs" replay "${run[@]}" --label-filter '!lifecycle')
awk -v f="$full" -v t="$trace" -v r="$replay" 'BEGIN {
	printf "full run %.2f s, one trace %.2f s, replay %.2f s (medians of '"$runs"')\n", f, t, r
	printf "full / (1.2 x trace + replay) = %.2f (goal: at most 1)\n", f / (1.2 * t + r)
}'
