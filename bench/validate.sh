#!/usr/bin/env bash
# bench/validate.sh: the validator's speed and memory (issue 2).
#
#  1. Go benchmarks of package schema, in ROUNDS rounds of -count=1 each so that a burst of
#     load on a shared machine hits both sides of a comparison alike:
#     BenchmarkValidate vs BenchmarkRawBinding (target: Validate >= 0.85x the raw binding's
#     throughput), the Parallel variants, and BenchmarkSoak (100 000 documents, target: RSS
#     growth < 10 MB). Summarised with benchstat (pinned, from the Go module proxy) when it
#     can be fetched, always with medians computed here.
#  2. 1000 GetCallInfo responses generated from a template (the 8 CallState and 5 EventCause
#     values in turn; every 10th broken: a lower-case or unknown state, swapped children, a
#     missing EventCause), validated by one process each, start-up included:
#        umconform validate --kind response FILE...      vs
#        xmllint --noout --schema schema/xsd/umconform.xsd FILE...
#     (target: umconform faster), with hyperfine, or repeated timed runs without it.
#
#  3. With STATIC=1, the same against the fully static build of make dist (build/static.sh):
#     its schema benchmarks interleaved with the dynamic build's, and its validate in the
#     same hyperfine session (target: as fast as the dynamic build, within noise).
#
# Environment: ROUNDS (default 6), RUNS (timed runs per command, default 10), OUT (results
# folder, default a new temporary folder), STATIC (1: compare the static build too). Run
# from the repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
. bench/lib.sh

rounds=${ROUNDS:-6}
runs=${RUNS:-10}
out=${OUT:-$(mktemp -d /tmp/umconform-bench.XXXXXX)}
mkdir -p "$out"
benchstat_version=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

need_cgo
need_pkgs xmllint:libxml2-utils
need_pkgs hyperfine:hyperfine || echo "bench: no hyperfine; timing with repeated runs of date" >&2

summary="$out/validate-summary.txt"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine: $(machine)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "libxml2: $(pkg-config --modversion libxml-2.0), $(xmllint --version 2>&1 | head -1)"
} >"$summary"

echo "== building (not timed)"
go build -o "$out/umconform" .
go test -c -o "$out/schema.test" ./schema
static=${STATIC:-}
if [ -n "$static" ]; then
	bash build/static.sh "$out/umconform-static" >/dev/null
	TEST_PKG=./schema bash build/static.sh "$out/schema-static.test" >/dev/null
fi

echo "== Go benchmarks: $rounds rounds"
raw="$out/gobench.txt"
: >"$raw"
for ((r = 1; r <= rounds; r++)); do
	(cd schema && timeout 300 "$out/schema.test" -test.run '^$' -test.benchmem -test.count 1 -test.benchtime 1s \
		-test.bench '^Benchmark(Validate|RawBinding|ValidateParallel|RawBindingParallel)$') | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$raw"
	if [ -n "$static" ]; then # the same benchmark of the static build, renamed for the summary
		(cd schema && timeout 300 "$out/schema-static.test" -test.run '^$' -test.benchmem -test.count 1 -test.benchtime 1s \
			-test.bench '^Benchmark(Validate|ValidateParallel)$') | grep -E '^Benchmark' | sed 's/^BenchmarkValidate/BenchmarkStaticValidate/' >>"$raw"
	fi
done
for ((r = 1; r <= 2; r++)); do
	(cd schema && timeout 300 "$out/schema.test" -test.run '^$' -test.count 1 -test.benchtime 1x -test.bench '^BenchmarkSoak$') | grep -E '^Benchmark' >>"$raw"
done
if timeout 300 go run "$benchstat_version" "$raw" >"$out/benchstat.txt" 2>"$out/benchstat.err"; then
	cat "$out/benchstat.txt"
else
	echo "bench: benchstat unavailable ($(head -1 "$out/benchstat.err")); medians only" >&2
fi

# med NAME: median ns/op of benchmark NAME (GOMAXPROCS suffix ignored)
med() { awk -v b="$1" '{ n = $1; sub(/-[0-9]+$/, "", n) } n == b { for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") print $i }' "$raw" | median; }
metric() { awk -v m="$1" '$1 ~ /^BenchmarkSoak/ { for (i = 2; i < NF; i++) if ($(i + 1) == m) print $i }' "$raw" | sort -g | tail -1; }
v=$(med BenchmarkValidate)
rb=$(med BenchmarkRawBinding)
vp=$(med BenchmarkValidateParallel)
rp=$(med BenchmarkRawBindingParallel)
growth=$(metric MB-rss-growth)
peak=$(metric MB-rss-peak)
awk -v v="$v" -v rb="$rb" -v vp="$vp" -v rp="$rp" -v g="$growth" -v p="$peak" -v rounds="$rounds" 'BEGIN {
	printf "medians of %d rounds: Validate %.0f ns/op (%.0f docs/s), RawBinding %.0f ns/op (%.0f docs/s): %.2fx (target >= 0.85x: %s)\n",
		rounds, v, 1e9 / v, rb, 1e9 / rb, rb / v, (rb / v >= 0.85 ? "met" : "MISSED")
	printf "RunParallel (GOMAXPROCS goroutines): Validate %.0f ns/op (%.0f docs/s), RawBinding %.0f ns/op (%.0f docs/s): %.2fx\n",
		vp, 1e9 / vp, rp, 1e9 / rp, rp / vp
	printf "soak, 100000 documents, worst of 2: RSS growth %.1f MB, peak RSS %.1f MB (target growth < 10 MB: %s)\n",
		g, p, (g < 10 ? "met" : "MISSED") }' | tee -a "$summary"

if [ -n "$static" ]; then
	sv=$(med BenchmarkStaticValidate)
	sp=$(med BenchmarkStaticValidateParallel)
	awk -v v="$v" -v sv="$sv" -v vp="$vp" -v sp="$sp" -v rounds="$rounds" 'BEGIN {
		printf "static build (make dist), medians of %d rounds: Validate %.0f ns/op vs dynamic %.0f ns/op: %.2fx; RunParallel %.0f vs %.0f ns/op: %.2fx\n",
			rounds, sv, v, v / sv, sp, vp, vp / sp }' | tee -a "$summary"
fi

echo "== 1000 files: umconform validate vs xmllint"
docs="$out/responses"
rm -rf "$docs"
mkdir -p "$docs"
states=(Idle Connecting Alerted Connected Disconnected Incoming Transferring Forwarding)
causes=(None UserBusy NoAnswer Other Unavailable)
for ((i = 0; i < 1000; i++)); do
	s=${states[i % 8]} c=${causes[i % 5]}
	inner="        <CallState>$s</CallState>
        <EventCause>$c</EventCause>"
	if ((i % 10 == 9)); then # broken: one rule each
		case $((i / 10 % 4)) in
		0) inner="        <CallState>${s,,}</CallState>
        <EventCause>$c</EventCause>" ;;
		1) inner="        <CallState>Ringing</CallState>
        <EventCause>$c</EventCause>" ;;
		2) inner="        <EventCause>$c</EventCause>
        <CallState>$s</CallState>" ;;
		3) inner="        <CallState>$s</CallState>" ;;
		esac
	fi
	printf '%s\n' '<?xml version="1.0" encoding="utf-8"?>' \
		'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' \
		'  <soap:Body>' \
		'    <GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">' \
		'      <GetCallInfoResponse>' "$inner" '      </GetCallInfoResponse>' \
		'    </GetCallInfoResponse>' '  </soap:Body>' '</soap:Envelope>' >"$(printf '%s/r%04d.xml' "$docs" "$i")"
done
xsd=$PWD/schema/xsd/umconform.xsd
# Both must find the same 100 invalid files before their times mean anything.
ours=$(cd "$docs" && "$out/umconform" validate --kind response ./*.xml 2>&1 >/dev/null | tail -1 || true)
theirs=$(cd "$docs" && xmllint --noout --schema "$xsd" ./*.xml 2>&1 | grep -c ' fails to validate$' || true)
echo "umconform: $ours; xmllint: $theirs files fail to validate" | tee -a "$summary"
[[ "$ours" == "1000 file(s): 900 valid, 100 invalid, 0 unreadable" && "$theirs" == 100 ]] || { echo "bench: the two validators disagree or the template is wrong" >&2; exit 1; }

ucmd="$out/umconform validate --kind response ./*.xml"
xcmd="xmllint --noout --schema $xsd ./*.xml"
if command -v hyperfine >/dev/null 2>&1; then
	scmd=()
	[ -n "$static" ] && scmd=(-n umconform-static "$out/umconform-static validate --kind response ./*.xml")
	(cd "$docs" && hyperfine --style basic -i --runs "$runs" --warmup 2 --export-csv "$out/hyperfine-validate.csv" \
		-n umconform "$ucmd" -n xmllint "$xcmd" "${scmd[@]}") >"$out/hyperfine-validate.txt"
	u=$(awk -F, '$1 == "umconform" { print $4 }' "$out/hyperfine-validate.csv") # column 4: median
	x=$(awk -F, '$1 == "xmllint" { print $4 }' "$out/hyperfine-validate.csv")
	s=$(awk -F, '$1 == "umconform-static" { print $4 }' "$out/hyperfine-validate.csv")
else
	u=$(cd "$docs" && timed_runs "$runs" umconform sh -c "$ucmd; [ \$? -le 1 ]")
	x=$(cd "$docs" && timed_runs "$runs" xmllint sh -c "$xcmd; [ \$? -le 3 ]")
	s=
	[ -n "$static" ] && s=$(cd "$docs" && timed_runs "$runs" umconform-static sh -c "$out/umconform-static validate --kind response ./*.xml; [ \$? -le 1 ]")
fi
awk -v u="$u" -v x="$x" 'BEGIN {
	printf "1000 files, median of runs, start-up included: umconform validate %.1f ms, xmllint %.1f ms: xmllint/umconform %.2fx (target > 1: %s)\n",
		u * 1000, x * 1000, x / u, (x > u ? "met" : "MISSED") }' | tee -a "$summary"
if [ -n "$static" ]; then
	awk -v u="$u" -v s="$s" 'BEGIN {
		printf "1000 files, static build (make dist): %.1f ms vs dynamic %.1f ms: dynamic/static %.2fx\n", s * 1000, u * 1000, u / s }' | tee -a "$summary"
fi
echo "results: $out (summary: $summary)"
