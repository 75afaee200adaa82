# make run: the conformance suite against the embedded reference server, reports in reports/.
# make test: the project's own tests (vet, then every package with the race detector).
# Both install the C toolchain and libxml2 headers first when they are missing.

GO ?= go
BIN := bin/umconform
REPORT_DIR ?= reports

.PHONY: all deps browser-deps build run test vet bench clean

all: build

# libxml2 is reached through cgo: without gcc, pkg-config and the libxml2 headers nothing
# builds (CGO_ENABLED=0 is not an option). A fresh machine may have empty package lists,
# hence the update before the install.
deps:
	@if command -v gcc >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libxml-2.0; then \
		exit 0; \
	fi; \
	echo "make: installing gcc, pkg-config and libxml2-dev (needed by cgo for libxml2)"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
		echo "make: cannot install packages: not root and no sudo; install gcc, pkg-config and libxml2-dev, then retry" >&2; exit 1; \
	fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: no apt-get here; install gcc, pkg-config and the libxml2 development headers with your package manager" >&2; exit 1; \
	fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gcc pkg-config libxml2-dev >/dev/null \
		|| { echo "make: apt-get could not install gcc pkg-config libxml2-dev" >&2; exit 1; }

# The HTML report is tested in a real browser (reports/html_browser_test.go), so the tests
# need Debian's chromium; the test fails, never skips, when it is missing.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	echo "make: installing chromium (the HTML report test opens the report in a headless browser)"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
		echo "make: cannot install chromium: not root and no sudo; install Debian's chromium package (/usr/bin/chromium), then retry" >&2; exit 1; \
	fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: no apt-get here; install chromium so that /usr/bin/chromium exists, then retry" >&2; exit 1; \
	fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
		|| { echo "make: apt-get could not install chromium; install it so that /usr/bin/chromium exists, then retry" >&2; exit 1; }

build: deps
	$(GO) build -o $(BIN) .

run: build
	./$(BIN) run --report-dir $(REPORT_DIR)

vet: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

test: vet browser-deps
	$(GO) test -race -count=1 ./...

bench: deps
	bash bench/validate.sh
	bash bench/run.sh 1000 10000

clean:
	rm -rf bin
