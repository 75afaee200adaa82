#!/usr/bin/env bash
# bench/generated.sh: what the generated requests cost a default run (issue 35).
#
# Times, as whole processes with start-up included and in turns (before, after, after,
# before, ...), a default run against the embedded reference server:
#   before: umconform built from BEFORE (a git revision, default main), which has no
#           generated requests
#   after:  umconform built from the working tree
# and prints the medians of wall and CPU time (user + system), their ratio, and each
# run's checks and calls placed. The goal: after/before at most 1.10 (wall), calls equal.
#
# Environment: RUNS (timed runs per command, default 7), BEFORE (revision, default main),
# OUT (results folder, default a new temporary folder). Loopback only. Run from the
# repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
. bench/lib.sh

runs=${RUNS:-7}
before=${BEFORE:-main}
out=${OUT:-$(mktemp -d /tmp/umconform-generated.XXXXXX)}
mkdir -p "$out/before-src"

need_cgo
need_pkgs /usr/bin/time:time

echo "== building $before and the working tree (not timed)"
git archive "$before" | tar -x -C "$out/before-src"
(cd "$out/before-src" && go build -o "$out/before" .)
go build -o "$out/after" .

echo "machine: $(machine)"
# one NAME: a run, its wall and CPU seconds appended to NAME.wall and NAME.cpu
one() {
	local name=$1
	/usr/bin/time -f "%e %U %S" -o "$out/$name.time" "$out/$name" run --report-dir "$out/$name-reports" >"$out/$name.out" 2>&1 ||
		{ echo "bench: the $name run failed (exit $?): see $out/$name.out" >&2; exit 1; }
	awk '{ print $1 }' "$out/$name.time" >>"$out/$name.wall"
	awk '{ printf "%.2f\n", $2 + $3 }' "$out/$name.time" >>"$out/$name.cpu"
}
for ((i = 0; i < runs; i++)); do
	if ((i % 2)); then one after; one before; else one before; one after; fi
done
for name in before after; do
	printf "%-6s wall %6.2f s  cpu %5.2f s  %s; %s\n" "$name" "$(median <"$out/$name.wall")" "$(median <"$out/$name.cpu")" \
		"$(grep -o '^[0-9]* checks' "$out/$name.out")" "$(grep -o 'Calls placed: [0-9]*' "$out/$name.out")"
done
awk -v a="$(median <"$out/after.wall")" -v b="$(median <"$out/before.wall")" -v c="$(median <"$out/after.cpu")" -v d="$(median <"$out/before.cpu")" \
	'BEGIN { printf "after/before: wall %.3f, cpu %.3f (goal: wall at most 1.10)\n", a / b, c / d }'
echo "results: $out"
