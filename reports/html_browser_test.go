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

// htmlRun is sampleRun with three more S2 failures that share one violation, each a
// minified response as the embedded reference server sends them.
func htmlRun() Run {
	run := sampleRun()
	for _, id := range []string{"gci-minified-1", "gci-minified-2", "gci-minified-3"} {
		c := ringingCheck(id, 1, "Ringing")
		c.Evidence.Response = minifiedRinging
		c.Evidence.Violations = []string{"1: /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState: Element '{http://schemas.microsoft.com/exchange/services/2006/messages}CallState': [facet 'enumeration'] The value 'Ringing' is not an element of the set"}
		run.Checks = append(run.Checks, c)
	}
	return run
}

// TestHTMLReportInBrowser opens a report with failed checks in headless chromium and
// checks what a person would see: the summary counts, then the requirement table whose
// rows link to their failures, then the failures grouped, each group expanded with one
// check in full: its requirement, expected and actual, the response with the violation
// marked on its line (a minified response indented, the bytes as sent kept below) and the
// request; the other checks of the group named. It keeps a screenshot of the page.
func TestHTMLReportInBrowser(t *testing.T) {
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(artifacts, "report.html")
	if err := WriteFile(page, htmlRun(), WriteHTML); err != nil {
		t.Fatal(err)
	}

	dom := browser(t, page, "--dump-dom")
	if !strings.Contains(string(dom), "</html>") {
		t.Fatalf("chromium returned no DOM:\n%s", dom)
	}
	text := visibleText(dom)
	summary := "8 checks: 2 passed, 4 failed, 1 warning, 0 info, 1 error"
	i, k, j := strings.Index(text, summary), strings.Index(text, "Checks that did not pass (6, in 4 groups of identical violations)"), strings.Index(text, "Requirements transport ID Level Requirement Verdict")
	if i < 0 || k < i || j < k {
		t.Fatalf("the page must show the summary, then the failures, then the requirement table (at %d, %d, %d); page text:\n%s", i, k, j, text)
	}
	// The S2 row links to its two groups, and each link leads to an open group.
	row := regexp.MustCompile(`(?s)S2</td>.*?</tr>`).Find(dom)
	links := regexp.MustCompile(`href="#([^"]+)">(\d+ failed)</a>`).FindAllSubmatch(row, -1)
	if len(links) != 2 || string(links[0][2]) != "1 failed" || string(links[1][2]) != "3 failed" {
		t.Fatalf("the S2 row must link to its two groups (1 and 3 failed checks): %q", row)
	}
	for _, l := range links {
		if !regexp.MustCompile(`<details class="check failed" id="` + string(l[1]) + `" open(="")?>`).Match(dom) {
			t.Errorf("the S2 row links to #%s, which is not an open group", l[1])
		}
	}
	failed := text[k:j]
	for _, want := range []string{
		"FAILED S2 (MUST) broken by 1 check: 'Ringing' is not a valid value of the atomic type 'CallStateType'",
		"S2 (MUST, schema) : CallState is one of the 8 values; EventCause one of the 5",
		"expected CallState one of the 8 values and EventCause one of the 5",
		"6 <CallState>Ringing</CallState>", // the response with line numbers
		"▲ 'Ringing' is not a valid value", // the violation marked under its line
		"Request sent : POST /EWS/UM2007Legacy.asmx HTTP/1.1",
		// The three minified responses: one group, one sample, the others named.
		"FAILED S2 (MUST) broken by 3 checks: CallState 'Ringing' is not one of the 8 values",
		"[S2] gci-minified-1: a replayed request",
		"Response (HTTP 200), sent on 1 line and indented here for reading, 1 violation(s) marked",
		"6 <CallState>Ringing</CallState> ▲ Element '{http://schemas.microsoft.com/exchange/services/2006/messages}CallState': [facet 'enumeration']",
		"The same in 2 other checks",
		"[S2] gci-minified-2: a replayed request · response line 1 /soap:Envelope",
		"[S2] gci-minified-3: a replayed request",
	} {
		if !strings.Contains(failed, want) {
			t.Errorf("the failures do not show %q; their text:\n%s", want, failed)
		}
	}
	// Marked: the CallState line of the indented response, not its first line.
	listing := regexp.MustCompile(`(?s)sent on 1 line.*?</table>`).Find(dom)
	marked := regexp.MustCompile(`<tr class="mark"><td class="n">(\d+)</td><td>([^<]*)</td>`).FindAllSubmatch(listing, -1)
	if len(marked) != 1 || string(marked[0][1]) != "6" || !strings.Contains(string(marked[0][2]), "&lt;CallState&gt;Ringing") {
		t.Errorf("the minified response must be marked on its CallState line only: %q", marked)
	}
	// The bytes as sent are kept, in a collapsed block.
	asText := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;") // how a DOM writes a text node
	if !strings.Contains(string(dom), asText.Replace(minifiedRinging)) {
		t.Error("the page does not keep the minified response as sent")
	}

	// One screenshot shows the whole page: the summary, the failures and the requirement
	// table (TestHTMLFirstScreen measures the first screen).
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
