package e2e

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// The rough edges a newcomer meets on a first run: each is a usage error (exit 2) said in
// one plain line, before anything is started or sent.

// TestBadLabelFilterIsCheckedFirst: a filter that does not parse is reported before the
// embedded server starts, in plain text (Ginkgo's message carries {{red}} colour codes).
func TestBadLabelFilterIsCheckedFirst(t *testing.T) {
	res := umconform(t, nil, "run", "--label-filter", "((", "--report-dir", t.TempDir())
	out := res.stdout + res.stderr
	if res.code != 2 {
		t.Errorf("exit %d, want 2", res.code)
	}
	if strings.Contains(out, "{{") || strings.Contains(out, "Started the embedded") || !strings.Contains(res.stderr, `--label-filter "((": `) {
		t.Errorf("want one plain line about the filter, before anything starts:\n%s", out)
	}
}

// TestSchemeMismatchIsOneLine: an http:// URL to a TLS server (Go's answers 400, IIS
// resets) and an https:// URL to a plain one are a wrong setting, not a target's failure:
// one line saying which and the URL to use, then exit 2.
func TestSchemeMismatchIsOneLine(t *testing.T) {
	h, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()
	plain := httptest.NewServer(h)
	defer plain.Close()
	for _, c := range []struct{ url, want string }{
		{strings.Replace(tlsSrv.URL, "https://", "http://", 1) + reference.LegacyPath, "speaks TLS: use " + tlsSrv.URL + reference.LegacyPath},
		{strings.Replace(plain.URL, "http://", "https://", 1) + reference.LegacyPath, "answers plain HTTP, not TLS: use " + plain.URL + reference.LegacyPath},
	} {
		res := umconform(t, nil, "run", "--target", c.url, "--dial-string", reference.DefaultDialString,
			"--entry-id", reference.DefaultEntryID, "--report-dir", t.TempDir())
		if res.code != 2 || strings.Count(res.stderr, "\n") != 1 || !strings.Contains(res.stderr, c.want) || strings.Contains(res.stdout, "FAILED") {
			t.Errorf("%s: exit %d, want 2 and one line saying %q\nstderr:\n%s\nstdout:\n%s", c.url, res.code, c.want, res.stderr, tail(res.stdout))
		}
	}
}

// TestBadFlagIsTwoLines: a mistyped flag is said with where to look, not buried under the
// whole usage; --help still prints it.
func TestBadFlagIsTwoLines(t *testing.T) {
	for _, cmd := range []string{"run", "serve", "validate", "record", "requirements", "merge", "compare", "expectations"} {
		var stdout, stderr strings.Builder
		if code := dispatch([]string{cmd, "--no-such-flag"}, nil, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exit %d, want 2", cmd, code)
		}
		want := "umconform " + cmd + ": flag provided but not defined: -no-such-flag\nRun 'umconform " + cmd + " --help' for the flags.\n"
		if stderr.String() != want {
			t.Errorf("%s: stderr\n%s\nwant\n%s", cmd, stderr.String(), want)
		}
	}
	var stdout, stderr strings.Builder
	if code := dispatch([]string{"run", "--help"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-label-filter") {
		t.Errorf("run --help: exit %d, %d bytes of usage", code, stderr.Len())
	}
}

// TestExpectationsFromAFullRunServeAFilteredRun: the expectations file of a full run (its
// entries about calls placed too) serves the run the README recommends for production
// servers, !places-call: an entry a filter leaves out is no error. An entry about nothing
// the catalogue and corpus could produce still is.
func TestExpectationsFromAFullRunServeAFilteredRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "expectations.yaml")
	write := func(body string) {
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`- requirement: L2
  scenario: lifecycle-apart
  reason: the lab's server reports Other while ringing
  expires: 2999-01-01
- requirement: S2
  fixture: gci-doc-request
  reason: vendor ticket 1
  expires: 2999-01-01
`)
	args := []string{"run", "--label-filter", "!places-call && !ews && (S2 || L2)", "--list", "--expectations", file}
	if res := umconform(t, nil, args...); res.code != 0 {
		t.Errorf("an entry the filter leaves out: exit %d, want 0\n%s", res.code, res.stderr)
	}
	write(`- requirement: S2
  fixture: gci-no-such-fixture
  reason: a typo
  expires: 2999-01-01
`)
	if res := umconform(t, nil, args...); res.code != 2 || !strings.Contains(res.stderr, "S2 on fixture gci-no-such-fixture matches no") {
		t.Errorf("an entry about no check there is: exit %d, want 2 naming it\n%s", res.code, res.stderr)
	}
}

// TestJUnitTimeIsTheExchangeTime: each testcase takes the time of the exchange its check
// judged, not the microseconds of judging it.
func TestJUnitTimeIsTheExchangeTime(t *testing.T) {
	h, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			time.Sleep(150 * time.Millisecond)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--target", srv.URL+reference.LegacyPath, "--dial-string", reference.DefaultDialString,
		"--entry-id", reference.DefaultEntryID, "--label-filter", "(T1 || T2 || T3) && !places-call && !ews", "--report-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var suites struct {
		Cases []struct {
			Name string  `xml:"name,attr"`
			Time float64 `xml:"time,attr"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(mustRead(t, filepath.Join(dir, "junit.xml")), &suites); err != nil {
		t.Fatal(err)
	}
	// Three checks judge each exchange, fetched ahead of them: the first to judge it
	// once waited for it, the others found it ready.
	if len(suites.Cases) < 9 {
		t.Fatalf("%d testcases, want many", len(suites.Cases))
	}
	for _, c := range suites.Cases {
		if c.Time < 0.150 || c.Time > 5 {
			t.Errorf("%s: time %.3f s, want its exchange's (at least 0.150 s)", c.Name, c.Time)
		}
	}
}

// TestFailureCarriesItsRerun: a failure on the console carries the request sent and a
// command that makes that check again, and only it, against the same target.
//
// A fixture replayed on the call that read-only requests share is judged on that call as
// it was then: its failure says when the call was placed and what it was last reported as,
// on the console, in report.json and in the JUnit failure, since a rerun places a new call.
func TestFailureCarriesItsRerun(t *testing.T) {
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--profile", "s2-ringing", "--label-filter", "S2 && !ews", "--report-dir", dir)
	if res.code != 1 || !strings.Contains(res.stdout, "    request:  POST /EWS/UM2007Legacy.asmx HTTP/1.1") {
		t.Fatalf("exit %d, want 1 and the request sent\n%s", res.code, res.stdout)
	}
	state := regexp.MustCompile(`^the shared call \S+, placed [0-9.]+(µs|ms|s) before this request, (not yet asked about|last reported \w+/\w+.* [0-9.]+(µs|ms|s) before it)$`)
	if m := regexp.MustCompile(`(?m)^    call:     (.*)$`).FindStringSubmatch(res.stdout); m == nil || !state.MatchString(m[1]) {
		t.Errorf("the console does not say the shared call's state with the failure on it:\n%s", tail(res.stdout))
	}
	var report struct {
		Checks []struct {
			Verdict  string `json:"verdict"`
			Fixture  string `json:"fixture"`
			Evidence struct {
				CallState string `json:"call_state"`
			} `json:"evidence"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "report.json")), &report); err != nil {
		t.Fatal(err)
	}
	withState := 0
	for _, c := range report.Checks {
		if c.Verdict == "failed" && c.Evidence.CallState != "" {
			withState++
			if !state.MatchString(c.Evidence.CallState) {
				t.Errorf("report.json: %s: call_state %q", c.Fixture, c.Evidence.CallState)
			}
		}
	}
	if withState == 0 {
		t.Error("report.json: no failed check says the shared call's state")
	}
	if !strings.Contains(string(mustRead(t, filepath.Join(dir, "junit.xml"))), "call: the shared call ") {
		t.Error("junit.xml: no failure says the shared call's state")
	}
	_, cmd, ok := strings.Cut(res.stdout, "    rerun:    umconform ")
	cmd, _, _ = strings.Cut(cmd, "\n")
	if !ok {
		t.Fatalf("no rerun command:\n%s", res.stdout)
	}
	sh := exec.Command("sh", "-c", `"$BIN" `+cmd+` --report-dir "$DIR"`)
	sh.Env = append(childEnv(), "UMCONFORM_AS_MAIN=1", "BIN="+os.Args[0], "DIR="+t.TempDir())
	out, err := sh.CombinedOutput()
	if code := sh.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "\n1 check against ") {
		t.Errorf("umconform %s: exit %d (%v), want 1 and one check\n%s", cmd, code, err, out)
	}
}

// TestMatrixNamesTargetsAndTheirOwnTime: the matrix page heads each column with the name
// the targets file gives, and each target's report has its own duration, not the run's.
func TestMatrixNamesTargetsAndTheirOwnTime(t *testing.T) {
	dir := t.TempDir()
	targets := filepath.Join(t.TempDir(), "targets")
	os.WriteFile(targets, []byte("vendor-a=embedded\nvendor-b=embedded:t2-text-plain\n"), 0o644)
	res := umconform(t, nil, "run", "--targets-file", targets, "--report-dir", dir, "--label-filter", "(T1 || T2) && !ews")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stderr)
	}
	page := string(mustRead(t, filepath.Join(dir, "matrix.html")))
	for _, name := range []string{"vendor-a", "vendor-b"} {
		if !regexp.MustCompile(`<th title="http://127\.0\.0\.1:\d+/EWS/UM2007Legacy\.asmx[^"]*">` + name + `</th>`).MatchString(page) {
			t.Errorf("matrix.html does not head a column %s", name)
		}
	}
	var a, b struct {
		Duration float64 `json:"duration_seconds"`
	}
	json.Unmarshal(mustRead(t, filepath.Join(dir, "vendor-a", "report.json")), &a)
	json.Unmarshal(mustRead(t, filepath.Join(dir, "vendor-b", "report.json")), &b)
	if a.Duration <= 0 || b.Duration <= 0 || a.Duration == b.Duration {
		t.Errorf("durations %v and %v: want each target's own", a.Duration, b.Duration)
	}
}

// TestEmptyFixturesFolderIsAUsageError: an empty --fixtures folder is a wrong setting
// said before anything starts, not a "broken fixture" error among the checks.
func TestEmptyFixturesFolderIsAUsageError(t *testing.T) {
	empty := t.TempDir()
	res := umconform(t, nil, "run", "--fixtures", empty, "--report-dir", t.TempDir())
	if res.code != 2 || !strings.Contains(res.stderr, "holds no fixture") || strings.Contains(res.stderr+res.stdout, "broken fixture") || strings.Contains(res.stdout, "Started") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
