package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/reports"
)

// TestGeneratedChecksAreListedPerAPI: a default run lists at least 30 checks of generated
// requests for each API under --label-filter generated, and none under '!generated'.
func TestGeneratedChecksAreListedPerAPI(t *testing.T) {
	res := umconform(t, nil, "run", "--list", "--label-filter", "generated")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	um, ews := 0, 0
	for _, line := range strings.Split(res.stdout, "\n") {
		switch {
		case strings.Contains(line, "] gen-ews-"):
			ews++
		case strings.Contains(line, "] gen-"):
			um++
		}
	}
	if um < 30 || ews < 30 {
		t.Errorf("--label-filter generated lists %d UM and %d EWS checks of generated requests, want at least 30 each", um, ews)
	}
	if res := umconform(t, nil, "run", "--list", "--label-filter", "!generated"); strings.Contains(res.stdout, "] gen-") {
		t.Errorf("--label-filter '!generated' lists generated requests")
	}
}

// TestUnrecordedShapeServersPassTheRecordings: the servers that misbehave only on request
// shapes no recording has (the G profiles) pass every check of the recordings and the
// hand-made probes: without the generated requests the harness catches none of them (the
// kill matrix, TestEveryProfileIsJudgedRight, shows the generated requests catch each).
func TestUnrecordedShapeServersPassTheRecordings(t *testing.T) {
	n := 0
	for _, p := range reference.Profiles() {
		if len(p.Breaks) != 1 || !strings.HasPrefix(p.Breaks[0], "G") {
			continue
		}
		n++
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			res := umconform(t, nil, "run", "--profile", p.Name, "--report-dir", dir, "--timeout", "8s", "--label-filter", "!generated && !lifecycle")
			if j := readJUnit(t, dir); res.code != 0 || j.Failures != 0 || j.Errors != 0 {
				t.Errorf("exit %d, %d failures, %d errors without the generated requests\n%s", res.code, j.Failures, j.Errors, tail(res.stdout))
			}
		})
	}
	if n < 8 {
		t.Errorf("%d profiles misbehave on unrecorded shapes, want at least 8 (4 ways, both APIs)", n)
	}
}

// requestBody is a request's evidence without its header section (the embedded server's
// port, in Host, differs between runs).
func requestBody(req string) string {
	_, body, _ := strings.Cut(req, "\r\n\r\n")
	return body
}

// TestGeneratedFailureRerunsTheSameRequest: a generated request that fails is reported with
// its request, the operator that made it, the seed, and a rerun command that sends exactly
// that request again (the seed included), and makes that check alone.
func TestGeneratedFailureRerunsTheSameRequest(t *testing.T) {
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--profile", "g1-um-html-on-unknown-attribute", "--seed", "7", "--label-filter", "generated && !ews", "--report-dir", dir)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, tail(res.stdout))
	}
	run := readRun(t, filepath.Join(dir, "report.json"))
	if !strings.Contains(run.Generated, "seed 7") {
		t.Errorf("report.json generated = %q, want it to name seed 7", run.Generated)
	}
	var failed *reports.Check
	for i, c := range run.Checks {
		if c.Verdict == reports.Failed && slicesContains(c.Requirements, "G1") {
			failed = &run.Checks[i]
			break
		}
	}
	if failed == nil {
		t.Fatalf("no failed G1 check\n%s", tail(res.stdout))
	}
	if !strings.Contains(failed.Name, "unknown-attribute at /GetCallInfo") && !strings.Contains(failed.Name, "unknown-attribute at /Disconnect") {
		t.Errorf("failed check %q does not name its operator and path", failed.Name)
	}
	if body := requestBody(failed.Evidence.Request); !strings.Contains(body, "</soap:Envelope>") {
		t.Errorf("the report does not hold the whole request:\n%s", failed.Evidence.Request)
	}
	m := regexp.MustCompile(`(?m)^    rerun:    (umconform run .*--seed 7 .*)$`).FindStringSubmatch(res.stdout)
	if m == nil {
		t.Fatalf("no rerun command naming --seed 7 in the output\n%s", res.stdout)
	}
	again := t.TempDir()
	sh := exec.Command("sh", "-c", `umconform() { "$UMCONFORM_BIN" "$@"; }; `+m[1]+` --report-dir "$DIR"`)
	sh.Env = append(childEnv(), "UMCONFORM_AS_MAIN=1", "UMCONFORM_BIN="+os.Args[0], "DIR="+again)
	out, _ := sh.CombinedOutput()
	rerun := readRun(t, filepath.Join(again, "report.json"))
	if len(rerun.Checks) != 1 {
		t.Fatalf("the rerun made %d checks, want the one\n%s", len(rerun.Checks), out)
	}
	got := rerun.Checks[0]
	if got.Verdict != reports.Failed || requestBody(got.Evidence.Request) != requestBody(failed.Evidence.Request) {
		t.Errorf("the rerun's check %s (%s) sent\n%s\nnot the failed request\n%s", got.Name, got.Verdict, got.Evidence.Request, failed.Evidence.Request)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestGeneratedRequestsPlaceNoCall: the generated requests add no PlayOnPhone to a default
// run (their X3 questions ask about the calls the run shares already), and with
// '!places-call' none at all.
func TestGeneratedRequestsPlaceNoCall(t *testing.T) {
	with, without, none := t.TempDir(), t.TempDir(), t.TempDir()
	umconform(t, nil, "run", "--report-dir", with)
	umconform(t, nil, "run", "--report-dir", without, "--label-filter", "!generated")
	umconform(t, nil, "run", "--report-dir", none, "--label-filter", "generated && !places-call")
	if a, b := readRun(t, filepath.Join(with, "report.json")).CallsPlaced, readRun(t, filepath.Join(without, "report.json")).CallsPlaced; a != b {
		t.Errorf("a default run placed %d calls, %d without the generated requests", a, b)
	}
	if n := readRun(t, filepath.Join(none, "report.json")).CallsPlaced; n != 0 {
		t.Errorf("the generated requests with '!places-call' placed %d calls", n)
	}
}

// TestGeneratedFixturesExport: the generated requests export as fixtures the linter
// accepts, for both APIs.
func TestGeneratedFixturesExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "generated")
	if res := umconform(t, nil, "fixtures", "export", "--seed", "3", dir); res.code != 0 {
		t.Fatalf("export: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := umconform(t, nil, "fixtures", "lint", dir)
	if res.code != 0 || !regexp.MustCompile(`no problems \([1-9]\d* UM, [1-9]\d* EWS\)`).MatchString(res.stdout) {
		t.Errorf("lint: exit %d\n%s", res.code, res.stdout)
	}
}
