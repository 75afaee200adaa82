#!/usr/bin/env bash
# bench/overlap.sh: a real target's run in about the time of one call (issue 33).
#
# Against `umconform serve` standing in for an Exchange host (dial string +15550100: calls
# are answered and stay up until disconnected) with the default polling of a real target
# (200 ms apart, each call followed for 30 s), it times, as whole processes, with its
# output going to a file (a non-terminal, as in CI):
#   both:       both APIs on one host (--target http://HOST)
#   um, ews:    each API alone (--target http://HOST/EWS/UM2007Legacy.asmx, .../Exchange.asmx)
#   both+100ms: both APIs through bench/delayproxy, which adds 100 ms to every answer
# Every run goes through delayproxy (0 ms added but for the last), which counts the most
# requests in flight at once and the PlayOnPhone requests of each API. For each run it
# prints the wall time, those counts, the exit code, and the progress lines the run printed
# before its table.
#
# Targets: both <= 45 s, both+100ms <= 60 s with <= 4 in flight, each API alone <= 35 s,
# <= 8 PlayOnPhone per API, >= 3 progress lines in a run of that length.
#
# Environment: RUNS (timed runs per case, default 1: a run lasts 30-60 s), OUT (results
# folder). Loopback only. Run from the repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
. bench/lib.sh

runs=${RUNS:-1}
out=${OUT:-$(mktemp -d /tmp/umconform-overlap.XXXXXX)}
mkdir -p "$out"
need_cgo
go build -o "$out/umconform" .
go build -o "$out/delayproxy" ./bench/delayproxy

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# wait_line FILE PATTERN waits up to 5 s for PATTERN in FILE.
wait_line() {
	for _ in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: no '$2' in $1" >&2
	return 1
}

port=$((20000 + RANDOM % 20000))
"$out/umconform" serve --listen "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
pids+=($!)
wait_line "$out/serve.log" "listening on"
item=$(sed -n 's/^umconform serve: mailbox item (--entry-id) //p' "$out/serve.log" | head -1)

# one NAME DELAY PATH times one run through a fresh proxy adding DELAY, at PATH of the host.
one() {
	local name=$1 delay=$2 path=$3 i
	for ((i = 1; i <= runs; i++)); do
		"$out/delayproxy" -listen 127.0.0.1:0 -upstream "http://127.0.0.1:$port" -delay "$delay" >"$out/proxy-$name-$i.log" 2>&1 &
		local proxy=$!
		wait_line "$out/proxy-$name-$i.log" "listening on"
		local host t0 t1 code=0
		host=$(sed -n 's/^delayproxy: listening on //p' "$out/proxy-$name-$i.log")
		t0=$(date +%s.%N)
		"$out/umconform" run --target "$host$path" --dial-string +15550100 --entry-id "$item" \
			--report-dir "$out/reports-$name-$i" >"$out/run-$name-$i.log" 2>&1 || code=$?
		t1=$(date +%s.%N)
		kill -TERM "$proxy"
		wait "$proxy" || true
		local counts progress
		counts=$(tail -1 "$out/proxy-$name-$i.log")
		progress=$(sed '/^REQUIREMENT/q' "$out/run-$name-$i.log" | grep -c '^  \[' || true)
		awk -v a="$t0" -v b="$t1" -v n="$name" -v c="$counts" -v x="$code" -v p="$progress" \
			'BEGIN { printf "%-11s %6.1f s  exit %s  %s  progress lines %s\n", n, b - a, x, c, p }'
	done
}

echo "machine: $(machine)"
one both 0ms ""
one um 0ms /EWS/UM2007Legacy.asmx
one ews 0ms /EWS/Exchange.asmx
one both+100ms 100ms ""
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); logs in $out"
