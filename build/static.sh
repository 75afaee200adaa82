#!/usr/bin/env bash
# build/static.sh OUT [GOARCH]: a fully static umconform for linux/GOARCH (default: this
# machine's), written to OUT with its SHA-256 in OUT.sha256. `make dist` calls it; the
# Makefile's dist-deps target installs what it needs.
#
# How libxml2 is linked, and why (docs/DIST.md has the measurements):
#  - Debian's own static archives (libxml2.a, with ICU, zlib and liblzma, which Debian's
#    libxml2 is built with): the same libxml2 2.9.14, built the same way, as the dynamic
#    build uses, so a static binary and `make build` give the same verdicts.
#  - libxml2 calls pthread through weak symbols (it works without threads when they are
#    absent). A static link resolves nothing that no object asks for strongly, so those
#    stay null and the first schema compile crashes. -Wl,-u,NAME forces each weak pthread_*
#    symbol that `nm` finds in libxml2.a into the link.
#  - netgo, osusergo: Go's own resolver and user lookup, not glibc's, which would want
#    shared libraries and /etc at run time.
#  - -trimpath, no build paths, no VCS time: two builds of one commit are byte-identical.
# Environment: CC (the C compiler for GOARCH; default gcc, or aarch64-linux-gnu-gcc for
# arm64), SYSROOT (a folder holding Debian's -dev packages of GOARCH, unpacked), VERSION and COMMIT (default: git describe and git rev-parse), TEST_PKG (build
# that package's test binary instead, linked the same way: bench/validate.sh compares).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: build/static.sh OUT [GOARCH]}
arch=${2:-$(go env GOARCH)}
case "$arch" in
amd64) triplet=x86_64-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
*) echo "build/static.sh: no static build for linux/$arch" >&2; exit 2 ;;
esac
if [ "$arch" = "$(go env GOHOSTARCH)" ]; then cc=${CC:-gcc}; else cc=${CC:-$triplet-gcc}; fi
command -v "$cc" >/dev/null || { echo "build/static.sh: no C compiler $cc for linux/$arch" >&2; exit 2; }

# The static archives this link needs: in SYSROOT (Debian's packages of another
# architecture, unpacked by build/sysroot.sh), else where the compiler looks.
sysroot=${SYSROOT:-}
archive() {
	if [ -n "$sysroot" ] && [ -f "$sysroot/usr/lib/$triplet/$1" ]; then echo "$sysroot/usr/lib/$triplet/$1"; else "$cc" -print-file-name="$1"; fi
}
libs=()
[ -n "$sysroot" ] && libs+=("-L$sysroot/usr/lib/$triplet")
for a in xml2 icui18n icuuc icudata z lzma stdc++ m; do
	[ -f "$(archive "lib$a.a")" ] || { echo "build/static.sh: no lib$a.a for linux/$arch; make dist-deps (or dist-deps-arm64) installs them" >&2; exit 2; }
	libs+=("-l$a")
done
libxml2_a=$(archive libxml2.a)
weak=$(nm "$libxml2_a" 2>/dev/null | awk '$1 == "w" && $2 ~ /^pthread_/ { print "-Wl,-u," $2 }' | sort -u | tr '\n' ' ')
[ -n "$weak" ] || echo "build/static.sh: note: $libxml2_a names no weak pthread_* symbol" >&2

version=${VERSION:-$(git describe --always --dirty 2>/dev/null || echo unknown)}
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
pkg=github.com/umconform/umconform/internal/version

mkdir -p "$(dirname "$out")"
# cgo's pkg-config names the headers; the libraries come from the -extldflags below, in
# link order (libxml2 before what it calls), with ICU's C++ runtime last.
if [ -n "${TEST_PKG:-}" ]; then gocmd=(test -c); target=$TEST_PKG; else gocmd=(build); target=.; fi
CGO_ENABLED=1 GOOS=linux GOARCH="$arch" CC="$cc" \
	PKG_CONFIG_SYSROOT_DIR="$sysroot" PKG_CONFIG_LIBDIR="$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig" \
	go "${gocmd[@]}" -trimpath -buildvcs=false -tags netgo,osusergo \
	-ldflags "-s -w -buildid= -X $pkg.version=$version -X $pkg.commit=$commit -linkmode external -extldflags '-static $weak ${libs[*]} -lpthread'" \
	-o "$out" "$target" 2> >(grep -v -e "statically linked applications requires at runtime" -e '^/usr/bin/.*ld: .*: in function' -e '^(\.text' -e '^# github.com/umconform/umconform$' >&2)
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" >"$(basename "$out").sha256")
echo "$out: linux/$arch, version $version, sha256 $(cut -d' ' -f1 "$out.sha256")"
