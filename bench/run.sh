#!/usr/bin/env bash
# bench/run.sh N...: the harness against its floor (issue 4, item 7).
#
# For each N (default: 1000 10000) it generates N recorded exchanges by copying the
# embedded corpus round-robin (every fixture in fixtures/corpus in ID order, each copy with a
# new ID bench-NNNNNN-ORIGINAL), then times, as whole processes with start-up included and
# in turns (harness, floor, floor, harness, ...):
#   harness: umconform run --fixtures DIR --label-filter '/^bench-/'   (embedded reference server)
# and reports the medians of wall and CPU time (user + system) and the worst peak RSS of each.
#   floor:   bench/floor -fixtures DIR   (same request bytes, same server code in-process,
#            same schema package validating every answer it reads; nothing else)
# The label filter selects exactly the N generated fixtures' checks (no embedded-corpus or
# scenario checks). The floor places and ends a call for each copy of a fixture that binds
# a live CallId (3 requests); the harness shares one call among the copies that only read
# it, as it does against a real server, so it sends fewer requests than its floor and the
# ratios flatter it (docs/PERFORMANCE.md).
#
# Environment: RUNS (timed runs per command, default 9), OUT (results folder, default a new
# temporary folder). Loopback only. Run from the repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
. bench/lib.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
for n in "${sizes[@]}"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -ge 100 ] && [ "$n" -le 100000 ] || { echo "usage: bench/run.sh [N...] with 100 <= N <= 100000" >&2; exit 2; }
done
runs=${RUNS:-9}
out=${OUT:-$(mktemp -d /tmp/umconform-bench.XXXXXX)}
mkdir -p "$out"

need_cgo
need_pkgs /usr/bin/time:time # GNU time: peak RSS beside the times

echo "== building (not timed)"
go build -o "$out/umconform" .
go build -o "$out/floor" ./bench/floor

# generate N DIR: N copies of the corpus, round-robin, with new IDs. Request bytes are copied
# untouched (tee); only the metadata's id changes.
generate() {
	local n=$1 dir=$2 i j id new
	mkdir -p "$dir"
	local ids=()
	for f in fixtures/corpus/*.json; do ids+=("$(basename "$f" .json)"); done
	local k=${#ids[@]}
	for ((j = 0; j < k; j++)); do
		id=${ids[j]}
		local json targets=()
		json=$(<"fixtures/corpus/$id.json")
		local canon="" c=-1 cj round
		if [[ "$json" =~ \"variant_of\":\ \"([a-z0-9-]+)\" ]]; then
			canon=${BASH_REMATCH[1]}
			for ((cj = 0; cj < k; cj++)); do [ "${ids[cj]}" != "$canon" ] || c=$cj; done
			[ "$c" -ge 0 ] || { echo "bench: $id is a variant of $canon, which is not in the corpus" >&2; return 1; }
		fi
		for ((i = j; i < n; i += k)); do
			printf -v new 'bench-%06d-%s' "$i" "$id"
			local meta=${json/\"id\": \"$id\"/\"id\": \"$new\"}
			if [ -n "$canon" ]; then
				# variant_of names the canonical copy of the same round (round 0 for a partial round)
				round=$(( (i / k) * k + c ))
				[ "$round" -lt "$n" ] || round=$c
				printf -v cnew 'bench-%06d-%s' "$round" "$canon"
				meta=${meta/\"variant_of\": \"$canon\"/\"variant_of\": \"$cnew\"}
			fi
			printf '%s\n' "$meta" >"$dir/$new.json"
			targets+=("$dir/$new.request.http")
		done
		[ ${#targets[@]} -eq 0 ] || tee "${targets[@]}" <"fixtures/corpus/$id.request.http" >/dev/null
	done
	local bound
	bound=$(grep -rl --include='*.json' '"bind_call_id"' "$dir" | wc -l) # 100 000 names are too many for one command line
	echo "generated $n exchanges in $dir from $k corpus fixtures: $bound bind a live call (3 requests each), $((n - bound)) do not (1 request)"
}

summary="$out/run-summary.txt"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine: $(machine)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} >"$summary"

for n in "${sizes[@]}"; do
	dir="$out/fixtures-$n"
	rm -rf "$dir"
	echo "== N=$n"
	generate "$n" "$dir" | tee -a "$summary"
	harness=("$out/umconform" run --fixtures "$dir" --label-filter '/^bench-/' --report-dir "$out/reports-$n")
	floor=("$out/floor" -fixtures "$dir" -corpus fixtures/corpus)
	# One untimed run of each proves every check passes, shows the counts and warms the caches.
	timeout 1200 "${harness[@]}" >"$out/harness-$n.log" 2>&1 || { echo "harness run failed (exit $?), see $out/harness-$n.log" >&2; tail -20 "$out/harness-$n.log" >&2; exit 1; }
	if grep -q "broken fixture" "$out/harness-$n.log"; then echo "bench: generated fixtures did not load, see $out/harness-$n.log" >&2; exit 1; fi
	grep -E '^[0-9]+ checks against' "$out/harness-$n.log" | tee -a "$summary"
	timeout 1200 "${floor[@]}" | tee -a "$summary"
	# The timed runs interleave the two commands, swapping which goes first each round. This
	# VM drifts by a fifth over minutes; timing every harness run before every floor run (as
	# hyperfine does) put that drift into the ratio: 1.44x in blocks against 1.30x
	# interleaved, the same binaries within the same quarter hour.
	times="$out/times-$n.txt"
	: >"$times"
	for ((r = 0; r < runs; r++)); do
		order=(harness floor)
		((r % 2 == 0)) || order=(floor harness)
		for which in "${order[@]}"; do
			if [ "$which" = harness ]; then cmd=("${harness[@]}"); else cmd=("${floor[@]}"); fi
			# wall, user and system seconds (start-up included) and peak RSS in KiB
			/usr/bin/time -a -o "$times" -f "$which %e %U %S %M" timeout 1200 "${cmd[@]}" >/dev/null 2>&1 || { echo "bench: $which run failed: ${cmd[*]}" >&2; exit 1; }
		done
	done
	h=$(awk '$1 == "harness" { print $2 }' "$times" | median)
	f=$(awk '$1 == "floor" { print $2 }' "$times" | median)
	hcpu=$(awk '$1 == "harness" { print $3 + $4 }' "$times" | median)
	fcpu=$(awk '$1 == "floor" { print $3 + $4 }' "$times" | median)
	hrss=$(awk '$1 == "harness" { print $5 }' "$times" | sort -n | tail -1)
	frss=$(awk '$1 == "floor" { print $5 }' "$times" | sort -n | tail -1)
	awk -v n="$n" -v h="$h" -v f="$f" -v hc="$hcpu" -v fc="$fcpu" -v hr="$hrss" -v fr="$frss" -v runs="$runs" 'BEGIN {
		printf "N=%d  harness median %.3f s (%.1f µs/exchange, CPU %.2f s, peak RSS %.0f MiB)  floor median %.3f s (%.1f µs/exchange, CPU %.2f s, peak RSS %.0f MiB)  wall ratio %.2fx (target <= 1.3x: %s)  CPU ratio %.2fx (target <= 1.5x: %s; %d interleaved runs each)\n",
			n, h, h / n * 1e6, hc, hr / 1024, f, f / n * 1e6, fc, fr / 1024, h / f, (h / f <= 1.3 ? "met" : "MISSED"), hc / fc, (hc / fc <= 1.5 ? "met" : "MISSED"), runs }' | tee -a "$summary"
done
echo "results: $out (summary: $summary)"
