#!/usr/bin/env bash
# bench/reports.sh N...: peak memory of umconform compare and merge on reports of N
# exchanges (issue 25: they must stay flat as reports grow).
#
# For each N (default: 10000 100000) bench/reportgen writes, through the reports
# package's streamed writer, two runs of N exchanges (seven checks each, shaped like
# bench/run.sh's: 100 000 exchanges are 700 000 checks and about 450 MB of report.json)
# that differ in a few checks and responses, and the base run's four shards. Then, as
# whole processes, it measures with GNU time (wall s, user s, sys s, peak RSS KiB):
#   umconform compare BASE/report.json NEW/report.json
#   umconform merge --report-dir MERGED SHARDS/
# OLD=path/to/umconform measures another build (e.g. one before streaming) beside it.
#
# Environment: OUT (folder, default a new temporary folder; the reports of N = 100 000
# take about 2 GB), OLD. Run from the repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
. bench/lib.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 200000 ] || { echo "usage: bench/reports.sh [N...] with 1 <= N <= 200000" >&2; exit 2; }
done
out=${OUT:-$(mktemp -d /tmp/umconform-reports.XXXXXX)}
mkdir -p "$out"

need_cgo
need_pkgs /usr/bin/time:time

echo "== building (not timed)"
go build -o "$out/umconform" .
go build -o "$out/reportgen" ./bench/reportgen

builds=("$out/umconform")
[ -z "${OLD:-}" ] || builds+=("$OLD")

# measure LABEL CMD...: one line "LABEL wall user sys peakKiB exit"
measure() {
	local label=$1 code=0
	shift
	/usr/bin/time -o "$out/time" -f '%e %U %S %M' "$@" >/dev/null 2>"$out/stderr" || code=$?
	[ "$code" -le 1 ] || { echo "bench: $label failed ($code):" >&2; cat "$out/stderr" >&2; return 1; }
	printf '%-40s %s exit %d\n' "$label" "$(tail -1 "$out/time")" "$code"
}

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(machine)"
for n in "${sizes[@]}"; do
	dir="$out/n$n"
	rm -rf "$dir"
	echo "== N = $n: generating (not timed)"
	"$out/reportgen" -exchanges "$n" -out "$dir"
	du -sh "$dir/base/report.json" "$dir/shards"
	echo "command                                  wall user sys peak-RSS-KiB"
	for b in "${builds[@]}"; do
		tag=$([ "$b" = "$out/umconform" ] && echo this || echo old)
		measure "$tag compare N=$n" "$b" compare "$dir/base/report.json" "$dir/new/report.json"
		rm -rf "$dir/merged"
		measure "$tag merge (4 shards) N=$n" "$b" merge --report-dir "$dir/merged" "$dir/shards"
	done
	rm -rf "$dir"
done
