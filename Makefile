# make run: the conformance suite against the embedded reference server, reports in
# umconform-reports/ (REPORT_DIR).
# make test: the project's own tests (vet, then every package; the race detector on all
# but the command-line tests, which run a few whole runs under it).
# Both install the C toolchain and libxml2 headers first when they are missing.

GO ?= go
BIN := bin/umconform
REPORT_DIR ?= umconform-reports
# The version every build stamps in (umconform version, and reports' harness_version).
VERSION_PKG := github.com/umconform/umconform/internal/version
VERSION_LDFLAGS = -X $(VERSION_PKG).version=$$(git describe --always --dirty 2>/dev/null || echo unknown) \
	-X $(VERSION_PKG).commit=$$(git rev-parse HEAD 2>/dev/null || echo unknown)

.PHONY: all deps test-deps build run test vet bench clean dist dist-deps

all: build

# $(call apt_install,CHECK,PACKAGES,WHY): when the shell test CHECK fails, install the Debian
# PACKAGES with apt-get, saying WHY; a clear message when that cannot be done. A fresh
# machine may have empty package lists, hence the update before the install.
define apt_install
	@if $(1); then exit 0; fi; \
	echo "make: installing $(2) ($(3))"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
		echo "make: cannot install $(2): not root and no sudo; install them, then retry" >&2; exit 1; \
	fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: no apt-get here; install $(2) with your package manager, then retry" >&2; exit 1; \
	fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(2) >/dev/null \
		|| { echo "make: apt-get could not install $(2); install them, then retry" >&2; exit 1; }
endef

# libxml2 is reached through cgo: without gcc, pkg-config and the libxml2 headers nothing
# builds (CGO_ENABLED=0 is not an option).
deps:
	$(call apt_install,command -v gcc >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libxml-2.0,gcc pkg-config libxml2-dev,needed by cgo for libxml2)

# make dist links libxml2 statically from Debian's own archives: libxml2.a and what it
# calls (ICU, zlib, liblzma) and ICU's C++ runtime. build/static.sh says why.
DIST_ARCHIVES := libxml2.a libicuuc.a libicudata.a libicui18n.a libz.a liblzma.a libstdc++.a libc.a
dist-deps: deps
	$(call apt_install,for a in $(DIST_ARCHIVES); do [ -f "$$(gcc -print-file-name=$$a)" ] || exit 1; done,libxml2-dev libicu-dev zlib1g-dev liblzma-dev libstdc++-12-dev libc6-dev,static archives for make dist)

# The HTML report test opens the report in headless chromium; the WSDL test loads the
# reference server's WSDL in node-soap, which needs Node.js and npm.
test-deps:
	$(call apt_install,[ -x /usr/bin/chromium ],chromium,the HTML report test opens the report in a headless browser)
	$(call apt_install,command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1,nodejs npm,the WSDL test calls the reference server through node-soap)

# -trimpath: the binary names no file of the machine that built it, in a panic or anywhere.
build: deps
	$(GO) build -ldflags "$(VERSION_LDFLAGS)" -trimpath -o $(BIN) .

run: build
	./$(BIN) run --report-dir $(REPORT_DIR)

# make dist: a fully static umconform for linux/amd64 (no Go, C compiler or libxml2
# needed where it runs), its SHA-256 beside it. Reproducible: the same commit gives the
# same bytes. docs/DIST.md: how it is linked and what it needs at run time (nothing).
DIST_BIN := dist/umconform-linux-amd64
dist: dist-deps
	bash build/static.sh $(DIST_BIN) amd64

vet: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

# The empty-root test (e2e/emptyroot_test.go) runs the static binary of make dist, built
# once. Every library package runs with the race detector; suites' own tests run whole
# suites against the reference server under it. The end-to-end tests (e2e/) start the test
# binary as umconform, hundreds of times: under -race each child is about three times
# slower (765 s against 250 s), so they run without it, but for a few whole runs that
# exercise the concurrent paths (replay ahead of the checks, an interrupt, the call budget).
# build/test.sh prints a line as each package ends, and the output of a run that failed.
RACE_E2E := ^(TestReplaysOnlySelectedFixtures|TestInterruptExitsTwoWhateverFailedBefore|TestCallBudget)$$
test: vet test-deps dist
	bash build/test.sh $(GO) $(DIST_BIN) '$(RACE_E2E)'

bench: deps
	bash bench/validate.sh
	bash bench/run.sh 1000 10000
	bash bench/lifecycle.sh
	bash bench/overlap.sh
	$(GO) test -run '^$$' -bench HostileTargets -benchtime 1x ./e2e

clean:
	rm -rf bin dist
