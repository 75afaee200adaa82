package reports

import (
	"context"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium is where Debian's chromium package puts the browser; `make test` installs it
// (target test-deps) when it is missing.
const chromium = "/usr/bin/chromium"

// artifacts is where the browser test keeps what a person may want to look at after a
// run (the screenshot and the page it shows). It is ignored by git: PNGs do not belong in
// the history, and CI can collect the folder.
const artifacts = "testdata/artifacts"

// browser runs headless chromium on a file with the given extra arguments and returns its
// standard output. Every flag that would reach the network (updates, sync, QUIC, first-run
// pages) is off, so the test proves the page renders with no fetch at all.
func browser(t *testing.T, page string, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the HTML report is tested in a real browser and %s is missing (%v): run `make test`, which installs Debian's chromium (target test-deps), or apt-get install chromium", chromium, err)
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromium, append(append(base, args...), "file://"+abs)...)
	cmd.WaitDelay = 10 * time.Second // chromium's helpers may hold the pipes open
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

var (
	tags   = regexp.MustCompile(`<[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// visibleText is the DOM's text as a person reads it: tags become spaces.
func visibleText(dom []byte) string {
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(string(dom), " ")), " "))
}

// TestHTMLReportInBrowser opens a report with a failed check in headless chromium and
// checks what a person would see: the summary counts first, and the failed check
// expanded with its requirement, expected and actual, the marked response line and the
// request. It keeps a screenshot of the page as it opens.
func TestHTMLReportInBrowser(t *testing.T) {
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(artifacts, "report.html")
	if err := WriteFile(page, sampleRun(), WriteHTML); err != nil {
		t.Fatal(err)
	}

	dom := browser(t, page, "--dump-dom")
	if !strings.Contains(string(dom), "</html>") {
		t.Fatalf("chromium returned no DOM:\n%s", dom)
	}
	text := visibleText(dom)
	summary := "5 checks: 2 passed, 1 failed, 1 warnings, 0 info, 1 errors"
	if i, j := strings.Index(text, summary), strings.Index(text, "Checks that did not pass"); i < 0 || j < i {
		t.Errorf("the summary %q is not shown first; page text:\n%s", summary, text)
	}
	// The failed check is expanded by the page itself, not by a click.
	if !regexp.MustCompile(`<details class="check failed" id="run0-check1" open(="")?>`).Match(dom) {
		t.Errorf("the failed check is not an open <details> in the DOM")
	}
	failed := text[strings.Index(text, "Checks that did not pass"):strings.Index(text, "Requirements by area")]
	for _, want := range []string{
		"FAILED [S2] getcallinfo-ringing: CallState and EventCause are in range",
		"S2 (MUST, schema) : CallState is one of the 8 values; EventCause one of the 5",
		"expected CallState one of the 8 values and EventCause one of the 5",
		"actual 'Ringing' is not a valid value of the atomic type 'CallStateType'",
		"6 <CallState>Ringing</CallState>", // the response with line numbers
		"▲ 'Ringing' is not a valid value", // the violation marked under its line
		"Request sent : POST /EWS/UM2007Legacy.asmx HTTP/1.1",
	} {
		if !strings.Contains(failed, want) {
			t.Errorf("the failed check does not show %q; its text:\n%s", want, failed)
		}
	}

	// One screenshot shows what a person sees on opening the report: the summary, then the
	// failed check already expanded.
	shot, err := filepath.Abs(filepath.Join(artifacts, "report.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(shot)
	browser(t, page, "--screenshot="+shot, "--window-size=1280,1600")
	info, err := os.Stat(shot)
	if err != nil || info.Size() < 10_000 {
		t.Fatalf("no screenshot at %s (%v)", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
