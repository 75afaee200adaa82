# Shared helpers of the bench scripts; sourced, not run.

# need_pkgs CMD:PACKAGE... installs the Debian packages whose command is missing
# (apt-get update once per script run: a fresh machine may have empty package lists).
need_pkgs() {
	local missing=() pair
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "bench: need ${missing[*]}; not root and no sudo" >&2; return 1; }
		sudo=sudo
	fi
	command -v apt-get >/dev/null 2>&1 || { echo "bench: need ${missing[*]}; no apt-get here" >&2; return 1; }
	echo "bench: installing ${missing[*]}" >&2
	if [ -z "${BENCH_APT_UPDATED:-}" ]; then
		$sudo apt-get update -qq >/dev/null
		BENCH_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# need_cgo installs what cgo needs for libxml2 (as the Makefile's deps target does).
need_cgo() {
	if command -v gcc >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libxml-2.0; then
		return 0
	fi
	need_pkgs gcc:gcc pkg-config:pkg-config
	pkg-config --exists libxml-2.0 || need_pkgs __no_such_command__:libxml2-dev
}

# median reads numbers, one a line, and prints their median.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed_runs RUNS LABEL CMD... runs CMD RUNS times (output discarded, a failure stops the
# script) and prints the median wall time in seconds. Used when hyperfine is missing.
timed_runs() {
	local runs=$1 label=$2 i t0 t1
	shift 2
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo "bench: $label failed: $*" >&2; return 1; }
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
	done | median
}

machine() {
	echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -sr), $(go version | cut -d' ' -f3), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}
