package main

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/umconform/umconform/reference"
)

// lines counts the lines a person reads of a command's output, both streams.
func lines(res childResult) int {
	return strings.Count(res.stdout+res.stderr, "\n")
}

// TestManyChecksBreakingOneRuleAreOneBlock: l3-resurrects, the profile the README
// suggests trying, breaks L3 and L4 (and their EWS twins E10 and E11) once per call. Each
// rule is one block in the console, not one per call, whatever answer number each call
// broke it at, and the whole console is at most 60 lines.
func TestManyChecksBreakingOneRuleAreOneBlock(t *testing.T) {
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--profile", "l3-resurrects", "--report-dir", dir)
	out := res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", res.code, out)
	}
	if n := lines(res); n > 60 {
		t.Errorf("%d lines, want at most 60:\n%s", n, out)
	}
	for _, id := range []string{"L3", "L4", "E10", "E11"} {
		heads := regexp.MustCompile(`(?m)^(FAILED|WARNING) `+id+` \((MUST|SHOULD)\) broken by (\d+) checks: Connected/None$`).FindAllStringSubmatch(out, -1)
		if len(heads) != 1 || heads[0][3] == "1" {
			t.Errorf("%s: blocks %q, want one block counting several checks:\n%s", id, heads, out)
		}
	}
	if strings.Contains(out, "T1           MUST    PASSED") || !strings.Contains(out, "Passed every check (the other 48 requirements") {
		t.Errorf("the requirements that passed each have a row:\n%s", out)
	}
}

// TestExpectationsMetByAFixedServer: an expectations file made from a broken run (S2
// broken by every call and fixture), used against the fixed server, says once that the
// checks it expected to fail passed, names each entry to remove, does not call them
// broken, and fits in 40 lines; compare of the two runs says the regression once, in at
// most 60.
func TestExpectationsMetByAFixedServer(t *testing.T) {
	dir := t.TempDir()
	broken, fixed := filepath.Join(dir, "broken"), filepath.Join(dir, "fixed")
	if res := umconform(t, nil, "run", "--profile", "s2-ringing", "--report-dir", broken); res.code != 1 {
		t.Fatalf("the broken run: exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := umconform(t, nil, "expectations", filepath.Join(broken, "report.json"))
	if res.code != 0 {
		t.Fatalf("expectations: exit %d: %s", res.code, res.stderr)
	}
	exp := filepath.Join(dir, "exp.yaml")
	if err := os.WriteFile(exp, []byte(res.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	entries := strings.Count(res.stdout, "- requirement: S2")
	res = umconform(t, nil, "run", "--expectations", exp, "--report-dir", fixed)
	out := res.stdout + res.stderr
	if res.code != 0 {
		t.Fatalf("the fixed run: exit %d, want 0 (an unexpected pass warns):\n%s", res.code, out)
	}
	if n := lines(res); n > 40 {
		t.Errorf("%d lines, want at most 40:\n%s", n, out)
	}
	head := regexp.MustCompile(`(?m)^UNEXPECTED PASS S2 \(MUST\) passed by (\d+) checks that the expectations file expects to fail: remove their entries$`).FindStringSubmatch(out)
	if head == nil || head[1] != strconv.Itoa(entries) || strings.Count(out, "UNEXPECTED PASS") != 1 {
		t.Errorf("want one block of %d unexpected passes:\n%s", entries, out)
	}
	if strings.Contains(out, "broken by") || strings.Contains(out, "…") {
		t.Errorf("checks that passed are called broken, or names are cut off:\n%s", out)
	}
	// Every entry to remove is named, by its line in the file.
	for _, m := range regexp.MustCompile(`(?m)^- requirement`).FindAllStringIndex(readFile(t, exp), -1) {
		line := strings.Count(readFile(t, exp)[:m[0]], "\n") + 1
		if !strings.Contains(out, "exp.yaml:"+strconv.Itoa(line)+")") && !strings.Contains(out, "exp.yaml:"+strconv.Itoa(line)+" ") {
			t.Errorf("the entry at exp.yaml:%d is not named:\n%s", line, out)
		}
	}

	res = umconform(t, nil, "compare", filepath.Join(fixed, "report.json"), filepath.Join(broken, "report.json"))
	out = res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("compare: exit %d, want 1:\n%s", res.code, out)
	}
	if n := lines(res); n > 60 {
		t.Errorf("compare: %d lines, want at most 60:\n%s", n, out)
	}
	if n := strings.Count(out, "  REGRESSION S2 (MUST) broken by "); n != 1 || !strings.Contains(out, "(warning → failed)\n") {
		t.Errorf("compare: want the regression of S2 in one group:\n%s", out)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUnreachableTargetStopsAtOnce: a target the first request cannot reach (refused,
// or a TLS handshake this machine does not trust) stops the run at once: exit 2 in at
// most 10 lines that name the cause and what to check, no progress marks, and reports
// that say the run did not start while still accounting for every check.
func TestUnreachableTargetStopsAtOnce(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	closed.Close()
	h, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()
	for name, tc := range map[string]struct{ target, advice string }{
		"refused":           {refused + reference.LegacyPath, "nothing listens at " + closed.Addr().String()},
		"refused, two APIs": {refused, "nothing listens at " + closed.Addr().String()},
		"tls":               {tlsSrv.URL, "--ca-file"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			res := umconform(t, nil, "run", "--target", tc.target, "--dial-string", "+15550100", "--entry-id", "AAMk", "--report-dir", dir)
			out := res.stdout + res.stderr
			if res.code != 2 {
				t.Errorf("exit %d, want 2:\n%s", res.code, out)
			}
			if n := lines(res); n > 10 {
				t.Errorf("%d lines, want at most 10:\n%s", n, out)
			}
			if !strings.Contains(res.stderr, "unreachable") || !strings.Contains(res.stderr, "the run did not start") || !strings.Contains(res.stderr, tc.advice) {
				t.Errorf("stderr does not name the cause and %q:\n%s", tc.advice, res.stderr)
			}
			if strings.Contains(out, "Running ") || strings.Contains(out, "rerun:") {
				t.Errorf("progress or per-check blocks of a run that did not start:\n%s", out)
			}
			run := readRun(t, filepath.Join(dir, "report.json"))
			if run.Stopped == "" || !run.NotStarted() || len(run.Checks) < 100 {
				t.Errorf("report.json: stopped %q, %d checks; want the cause and every check, as errors", run.Stopped, len(run.Checks))
			}
			if html := readFile(t, filepath.Join(dir, "report.html")); !strings.Contains(html, "<dt>Did not start</dt>") || strings.Count(html, `<details class="check`) != 1 {
				t.Errorf("report.html does not say the run did not start in one group")
			}
		})
	}
}
