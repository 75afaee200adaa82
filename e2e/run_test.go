package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/xsdcheck"
	"github.com/umconform/umconform/reference"
)

// startChild starts umconform in a child process and returns it with its standard output
// as a pipe, for tests that act while it runs; standard error is collected.
func startChild(ctx context.Context, t *testing.T, args ...string) (*exec.Cmd, io.ReadCloser, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(childEnv(), "UMCONFORM_AS_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stdout, stderr
}

// childEnv is this process's environment without GITHUB_STEP_SUMMARY: a run appends its
// summary there, and the test runs' summaries do not belong on a CI job's page. A test
// that wants one sets its own.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GITHUB_STEP_SUMMARY=") })
}

type childResult struct {
	code           int
	stdout, stderr string
}

// umconform runs the command in a child process with extra environment variables.
func umconform(t *testing.T, env []string, args ...string) childResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(childEnv(), "UMCONFORM_AS_MAIN=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("umconform %v: %v", args, err)
	}
	return childResult{code, stdout.String(), stderr.String()}
}

// junitCase is the part of a JUnit testcase these tests read.
type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	SystemOut string `xml:"system-out"`
	Failure   *struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error *struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"error"`
}

// prop reads one of the "name: value" lines (requirement, level, verdict, fixture,
// fixture.file) that open a testcase's system-out.
func (c junitCase) prop(name string) string {
	for _, l := range strings.Split(c.SystemOut, "\n") {
		n, v, ok := strings.Cut(l, ": ")
		if !ok {
			break
		}
		if n == name {
			return v
		}
	}
	return ""
}

type junitFile struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name  string      `xml:"name,attr"`
		Cases []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

func (j junitFile) cases() []junitCase {
	var all []junitCase
	for _, s := range j.Suites {
		all = append(all, s.Cases...)
	}
	return all
}

func readJUnit(t *testing.T, dir string) junitFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	var j junitFile
	if err := xml.Unmarshal(raw, &j); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if n := len(j.cases()); n != j.Tests || n == 0 {
		t.Fatalf("junit.xml: %d testcases, tests attribute %d", n, j.Tests)
	}
	return j
}

// verdicts maps each requirement to the verdicts its checks got.
func verdicts(j junitFile) map[string][]string {
	m := map[string][]string{}
	for _, c := range j.cases() {
		for _, id := range strings.Fields(c.prop("requirement")) {
			m[id] = append(m[id], c.prop("verdict"))
		}
	}
	return m
}

// onlyMay tells whether every requirement of ids is a MAY.
func onlyMay(ids []string) bool {
	cat := catalogue.Default()
	for _, id := range ids {
		if r, _ := cat.Lookup(id); r.Level != catalogue.MAY {
			return false
		}
	}
	return len(ids) > 0
}

func hasShould(ids []string) bool {
	cat := catalogue.Default()
	for _, id := range ids {
		if r, _ := cat.Lookup(id); r.Level == catalogue.SHOULD {
			return true
		}
	}
	return false
}

// TestEveryProfileIsJudgedRight is the kill matrix: against each broken profile of the
// reference server the run exits 1 with the profile's requirement among the failed checks
// (as a <failure>, not an <error>); against the correct server and every legal variant
// the run passes with no failure and no error. No run places more calls than a whole run
// against the correct server: a broken answer is judged, never a reason to call again.
func TestEveryProfileIsJudgedRight(t *testing.T) {
	wholeRunCalls := -1 // set by the correct server's run, which comes first
	for _, p := range reference.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			// The correct server's run is not parallel: it ends inside t.Run, before the loop
			// releases the parallel runs, which compare their calls with it.
			if p.Name != reference.ProfileExchange {
				t.Parallel()
			}
			dir := t.TempDir()
			// Legal profiles get a generous timeout so that a loaded CI machine running the
			// race detector cannot turn a slow answer into an X5 failure; broken profiles
			// that stall (X2, X5) must trip it, so theirs is short.
			timeout := "2s"
			if p.Legal {
				timeout = "8s"
			}
			args := []string{"run", "--profile", p.Name, "--report-dir", dir, "--timeout", timeout}
			if hasShould(p.Breaks) {
				args = append(args, "--strict") // a SHOULD break fails only in strict mode
			}
			if !p.Legal {
				// A broken profile needs only the checks of what it breaks to prove the
				// kill; the correct and legal profiles run everything, to show no false alarm.
				args = append(args, "--label-filter", strings.Join(append(append([]string(nil), p.Breaks...), p.Implied...), " || "))
			}
			var env []string
			if breaksAuth(p.Breaks) {
				// The auth profiles break their rules in the authentication mode, which the
				// embedded server takes on with the run's credentials (access_test.go).
				args, env = append(args, accountArgs...), accountEnv
			}
			res := umconform(t, env, args...)
			j := readJUnit(t, dir)
			v := verdicts(j)
			switch calls := readReportCalls(t, dir).CallsPlaced; {
			case p.Name == reference.ProfileExchange:
				wholeRunCalls = calls
			case wholeRunCalls >= 0 && calls > wholeRunCalls:
				t.Errorf("the run placed %d calls, more than the %d of a whole run against the correct server", calls, wholeRunCalls)
			}
			if p.Legal {
				if res.code != 0 || j.Failures != 0 || j.Errors != 0 {
					t.Fatalf("legal profile: exit %d, %d failures, %d errors\n%s", res.code, j.Failures, j.Errors, tail(res.stdout))
				}
				return
			}
			// A broken MAY requirement is information (E14): the check catches it, and the
			// run passes.
			want := 1
			if onlyMay(p.Breaks) {
				want = 0
			}
			if res.code != want {
				t.Errorf("exit %d, want %d\n%s", res.code, want, tail(res.stdout))
			}
			for _, id := range p.Breaks {
				verdict := "failed"
				if r, _ := catalogue.Default().Lookup(id); r.Level == catalogue.MAY {
					verdict = "info"
				}
				if !slices.Contains(v[id], verdict) {
					t.Errorf("profile breaks %s but no %s check is %s; %s verdicts: %v", id, id, verdict, id, v[id])
				}
			}
			for _, c := range j.cases() {
				if c.prop("verdict") == "failed" && (c.Failure == nil || c.Error != nil) {
					t.Errorf("%s: verdict failed must be a <failure> only", c.Name)
				}
				if c.prop("verdict") == "error" && (c.Error == nil || c.Failure != nil) {
					t.Errorf("%s: verdict error must be an <error> only", c.Name)
				}
			}
		})
	}
}

// TestShouldBreaksWarnOutsideStrictMode: a SHOULD requirement broken without --strict is a
// warning that does not fail the run.
func TestShouldBreaksWarnOutsideStrictMode(t *testing.T) {
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--profile", "r2-rejects-bom", "--report-dir", dir)
	j := readJUnit(t, dir)
	if res.code != 0 || j.Failures != 0 {
		t.Fatalf("exit %d with %d failures, want 0 and none", res.code, j.Failures)
	}
	if !slices.Contains(verdicts(j)["R2"], "warning") || !strings.Contains(res.stdout, "\nWARNING R2 (SHOULD) broken by ") {
		t.Errorf("R2 not reported as a warning:\n%s", tail(res.stdout))
	}
}

// sourcePaths finds what would betray the machine that built the binary: a Go source
// location (spec.go:263), the module's folder on this machine, GOPATH, the module path.
func sourcePaths(t *testing.T) *regexp.Regexp {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	alts := []string{`\.go:\d+`, regexp.QuoteMeta(wd), regexp.QuoteMeta("github.com/umconform/umconform")}
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		alts = append(alts, regexp.QuoteMeta(gopath))
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// TestConsoleOfABrokenValue: against a target with one broken value (CallState Ringing)
// the console shows progress, the requirement table, one block for the broken requirement
// with one sample and the other fixtures named, the totals and the report paths: at most
// 60 lines, with no source path of the machine that built the binary. The same run
// writes a junit.xml that Jenkins' strictest JUnit schema accepts, and its Markdown
// summary to --summary-md and to GitHub's job summary.
func TestConsoleOfABrokenValue(t *testing.T) {
	dir := t.TempDir()
	step := filepath.Join(t.TempDir(), "step_summary")
	if err := os.WriteFile(step, []byte("# an earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "summary.md")
	// The UM endpoint alone, as a --target of the UM web service is run: the embedded server
	// offers EWS too, whose fourteen passing requirements would add as many table rows. And
	// no auth checks, which a run without credentials lists as skipped, with their reasons;
	// nor the generated requests, whose three passing requirements and seed line would add
	// as many lines.
	res := umconform(t, []string{"GITHUB_STEP_SUMMARY=" + step}, "run", "--profile", "s2-ringing", "--label-filter", "!ews && !auth && !generated", "--report-dir", dir, "--summary-md", md)
	out := res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, out)
	}
	if n := strings.Count(out, "\n"); n > 60 {
		t.Errorf("%d lines of output, want at most 60:\n%s", n, out)
	}
	if loc := sourcePaths(t).FindString(out); loc != "" {
		t.Errorf("the output names %q, a source path of the machine that built the binary:\n%s", loc, out)
	}
	block := regexp.MustCompile(`\nFAILED S2 \(MUST\) broken by (\d+) checks: CallState 'Ringing' is not one of the 8 values\n` +
		`  S2: CallState is one of the 8 values; EventCause one of the 5\n` +
		`  for example \[S2\] (gci-\S+): .*\n(    .*\n)+` +
		`  also (\d+) others: (.*)\n`).FindStringSubmatch(out)
	if block == nil || strings.Count(out, "\nFAILED ") != 1 {
		t.Fatalf("want one block for S2 with a replayed fixture as its sample and the others on one line:\n%s", out)
	}
	others := strings.Split(block[5], ", ")
	if n, _ := strconv.Atoi(block[1]); n < 8 || strconv.Itoa(n-1) != block[4] || len(others) != n-1 || slices.Contains(others, block[2]) {
		t.Errorf("the block counts %s checks, names %s others (%d listed), sample %s", block[1], block[4], len(others), block[2])
	}
	if !regexp.MustCompile(`(?m)^Running \d+ specs: [•F]+ \d+\.\ds$`).MatchString(out) {
		t.Errorf("the output lacks the progress line:\n%s", out)
	}
	for _, want := range []string{"S2           MUST    FAILED", "    response (HTTP 200): <?xml",
		"checks against http://127.0.0.1:", "Reports: " + dir + "/junit.xml, " + dir + "/report.json, " + dir + "/report.html, " + md + ", the job summary (GITHUB_STEP_SUMMARY)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}

	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	problems, err := xsdcheck.Problems(filepath.Join("reports", "testdata", "junit-10.xsd"), junit)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("junit.xml does not validate against Jenkins' junit-10.xsd:\n%s", strings.Join(problems, "\n"))
	}
	for _, c := range readJUnit(t, dir).cases() {
		if c.prop("requirement") == "S2" && c.prop("verdict") == "failed" && (c.Failure == nil || c.Classname != "umconform.schema.S2") {
			t.Errorf("%s: a failed S2 check must be a <failure> of class umconform.schema.S2: %+v", c.Name, c)
		}
	}

	summary, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(summary), "\n### FAILED S2 (MUST) broken by "+block[1]+" checks: CallState 'Ringing' is not one of the 8 values\n") ||
		!regexp.MustCompile(`\n\| S2 \| MUST \| \*\*FAILED\*\* \| \d+ \| `+block[1]+` \| 0 \| 0 \|\n`).Match(summary) {
		t.Errorf("--summary-md lacks the table row or the group:\n%s", summary)
	}
	page, err := os.ReadFile(step)
	if err != nil {
		t.Fatal(err)
	}
	if string(page) != "# an earlier step\n"+string(summary) {
		t.Errorf("GITHUB_STEP_SUMMARY must keep what was there and gain the summary:\n%s", page)
	}
	if loc := sourcePaths(t).Find(append(append(summary, junit...), mustRead(t, filepath.Join(dir, "report.html"))...)); loc != nil {
		t.Errorf("a report names %q, a source path of the machine that built the binary", loc)
	}
}

// TestVerboseConsole: --verbose (here UMCONFORM_VERBOSE) prints each failed spec in full
// as Ginkgo reports it, and every failed check after the table, still without a source
// path.
func TestVerboseConsole(t *testing.T) {
	res := umconform(t, []string{"UMCONFORM_VERBOSE=true"}, "run", "--profile", "s2-ringing", "--label-filter", "S2", "--report-dir", t.TempDir())
	out := res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, out)
	}
	failed := regexp.MustCompile(`broken by (\d+) checks`).FindStringSubmatch(out)
	if failed == nil {
		t.Fatalf("no group of failures:\n%s", out)
	}
	n, _ := strconv.Atoi(failed[1])
	// A spec replays up to 64 fixtures, so Ginkgo's blocks (one per failed spec) are
	// fewer than the failed checks; each block shows every check it failed, counted next.
	if got := strings.Count(out, "  [FAILED] S2 (MUST) broken: "); got < 1 || got > n {
		t.Errorf("%d of Ginkgo's failure blocks, want one per failed spec (%d checks failed)", got, n)
	}
	if got := strings.Count(out, "    actual:   CallState 'Ringing' is not one of the 8 values\n"); got < 2*n {
		t.Errorf("each failed check must be shown in full by Ginkgo and after the table: %d, want %d", got, 2*n)
	}
	if strings.Contains(out, " also ") {
		t.Error("verbose output names the others of a group instead of showing them")
	}
	if loc := sourcePaths(t).FindString(out); loc != "" {
		t.Errorf("the output names %q, a source path of the machine that built the binary:\n%s", loc, tail(out))
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func listedChecks(t *testing.T, args ...string) int {
	t.Helper()
	res := umconform(t, nil, append([]string{"run", "--list"}, args...)...)
	var n int
	last := lastLine(res.stdout)
	if _, err := fmt.Sscanf(last, "%d", &n); err != nil || res.code != 0 || last != plural.Count(n, "check")+" selected" {
		t.Fatalf("--list: exit %d, last line %q", res.code, last)
	}
	return n
}

// TestDeadTargetsErrorEveryCase: a refused connection and a target that never answers
// each give exit 2, a clear message, and a JUnit file that lists every case as an error.
func TestDeadTargetsErrorEveryCase(t *testing.T) {
	targetArgs := []string{"--dial-string", "+15550100", "--entry-id", "AAMk", "--timeout", "300ms"}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String() + "/EWS/UM2007Legacy.asmx"
	closed.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() { // accept and never answer
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for name, target := range map[string]string{"refused": closedURL, "silent": "http://" + silent.Addr().String() + "/EWS/UM2007Legacy.asmx"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			want := listedChecks(t, append([]string{"--target", target}, targetArgs...)...)
			res := umconform(t, nil, append([]string{"run", "--target", target, "--report-dir", dir}, targetArgs...)...)
			if res.code != 2 {
				t.Errorf("exit %d, want 2", res.code)
			}
			if !strings.Contains(res.stderr, "unreachable") {
				t.Errorf("stderr does not say the target is unreachable:\n%s", res.stderr)
			}
			j := readJUnit(t, dir)
			if len(j.cases()) != want || j.Errors != want || j.Failures != 0 {
				t.Errorf("JUnit: %d cases, %d errors, %d failures; want %d errors", len(j.cases()), j.Errors, j.Failures, want)
			}
		})
	}
}

// TestBrokenFixtureIsReportedNotLost: a user's malformed fixture is an erroring case that
// names its file; the rest of the run goes on, and the run exits 2.
func TestBrokenFixtureIsReportedNotLost(t *testing.T) {
	fx := t.TempDir()
	bad := filepath.Join(fx, "my-broken.json")
	os.WriteFile(bad, []byte(`{"id":"my-broken","title":"t","requirements":["C1"],"source":"s","expect":{"outcome":"sucess"}}`), 0o644)
	os.WriteFile(filepath.Join(fx, "my-broken.request.http"), []byte("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n<a/>"), 0o644)
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--fixtures", fx, "--report-dir", dir)
	if res.code != 2 {
		t.Errorf("exit %d, want 2", res.code)
	}
	if !strings.Contains(res.stderr, bad) {
		t.Errorf("stderr does not name %s:\n%s", bad, res.stderr)
	}
	j := readJUnit(t, dir)
	found := false
	for _, c := range j.cases() {
		if c.Error != nil && strings.Contains(c.Error.Text, bad) && strings.Contains(c.Error.Text, "sucess") {
			found = true
		}
	}
	if !found || j.Errors != 1 || j.Failures != 0 {
		t.Errorf("want exactly one error case naming %s; %d errors, %d failures", bad, j.Errors, j.Failures)
	}
	// A filter selects checks; it does not hide a fixture that could not be loaded.
	filtered := t.TempDir()
	if res := umconform(t, nil, "run", "--fixtures", fx, "--report-dir", filtered, "--label-filter", "T1"); res.code != 2 {
		t.Errorf("with --label-filter T1: exit %d, want 2", res.code)
	}
	if j := readJUnit(t, filtered); j.Errors != 1 {
		t.Errorf("with --label-filter T1: %d error cases, want the broken fixture's", j.Errors)
	}
}

// TestSecretsNeverReachReports runs against an https reference server that demands Basic
// credentials, with a password, an API-key header and a cookie, and then looks for each
// secret in every byte the run wrote.
func TestSecretsNeverReachReports(t *testing.T) {
	h, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const user, password, apiKey, cookie = "CONTOSO\\tester", "pw-7f3a9c-secret", "key-91b2e4", "session=ck-55d1aa"
	var authed, unauthed atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			unauthed.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="um"`)
			http.Error(w, "401", http.StatusUnauthorized)
			return
		}
		authed.Add(1)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte(password+"\n"), 0o600)

	for name, env := range map[string][]string{"password file": nil, "password variable": {"UMCONFORM_PASSWORD=" + password}} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"run", "--target", srv.URL + reference.LegacyPath, "--dial-string", reference.DefaultDialString,
				"--entry-id", reference.DefaultEntryID, "--ca-file", ca, "--auth", "basic", "--username", user,
				"--header", "X-Api-Key: " + apiKey, "--header", "Cookie: " + cookie, "--report-dir", dir,
				// The reference server's answered call holds until Disconnect: poll it briefly.
				"--poll-interval", "10ms", "--poll-limit", "20"}
			if env == nil {
				args = append(args, "--password-file", pwFile)
			}
			res := umconform(t, env, args...)
			if res.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", res.code, tail(res.stdout), res.stderr)
			}
			basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
			outputs := map[string]string{"stdout": res.stdout, "stderr": res.stderr}
			filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() {
					b, _ := os.ReadFile(path)
					outputs[path] = string(b)
				}
				return nil
			})
			for where, text := range outputs {
				for _, secret := range []string{password, apiKey, "ck-55d1aa", basic} {
					if strings.Contains(text, secret) {
						t.Errorf("%s holds the secret %q", where, secret)
					}
				}
			}
			if !strings.Contains(outputs[filepath.Join(dir, "report.json")], "[redacted]") {
				t.Error("the JSON evidence shows no redacted header: were the extra headers recorded at all?")
			}
		})
	}
	// Unauthenticated on purpose, in each of the two runs: the auth checks' question without
	// credentials and with a wrong password, and their PlayOnPhone without credentials.
	if authed.Load() == 0 || unauthed.Load() != 2*3 {
		t.Errorf("authenticated requests %d, unauthenticated %d (want the auth checks' 3 a run): Basic auth was not applied to every other request", authed.Load(), unauthed.Load())
	}
	_ = tls.VersionTLS12
}

func TestRunUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  []string
		want []string
	}{
		{[]string{"run", "--target", "https://um.contoso.com/EWS/UM2007Legacy.asmx"}, nil,
			[]string{"no dial string: pass --dial-string or set UMCONFORM_DIAL_STRING", "no entry id"}},
		{[]string{"run", "--target", "um.contoso.com"}, nil, []string{"want a full URL"}},
		{[]string{"run", "--auth", "basic"}, nil, []string{"--auth basic needs --username", "needs a password: set UMCONFORM_PASSWORD or pass --password-file"}},
		{[]string{"run", "--auth", "kerberos"}, nil, []string{`--auth "kerberos": want none, basic or ntlm`}},
		{[]string{"run", "--second-username", "bob"}, nil, []string{"--second-username needs --auth basic or --auth ntlm", "set UMCONFORM_SECOND_PASSWORD or pass --second-password-file"}},
		{[]string{"run", "--target", "http://um.contoso.com", "--dial-string", "+1555", "--entry-id", "AAMk", "--auth", "basic", "--username", "alice", "--second-username", "bob"},
			accountEnv, []string{"--auth basic over http://um.contoso.com/EWS/UM2007Legacy.asmx would send the password in clear text"}},
		{[]string{"run", "--header", "no colon"}, nil, []string{"want 'Name: value'"}},
		{[]string{"run"}, []string{"UMCONFORM_TIMEOUT=soon"}, []string{`UMCONFORM_TIMEOUT="soon": want a duration`}},
		{[]string{"run", "--password", "x"}, nil, []string{"flag provided but not defined: -password"}},
		{[]string{"run", "extra"}, nil, []string{`unexpected argument "extra"`}},
	}
	for _, c := range cases {
		res := umconform(t, c.env, c.args...)
		if res.code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, res.code)
		}
		for _, w := range c.want {
			if !strings.Contains(res.stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, res.stderr)
			}
		}
	}
}

// TestListAndFilters: --list contacts nothing and honours --label-filter, also from its
// environment variable.
func TestListAndFilters(t *testing.T) {
	all := listedChecks(t)
	must := listedChecks(t, "--label-filter", "MUST")
	c2 := listedChecks(t, "--label-filter", "C2")
	if !(0 < c2 && c2 < must && must < all) {
		t.Errorf("all %d, MUST %d, C2 %d: filters do not narrow", all, must, c2)
	}
	// Filters select checks, not exchanges: a negation drops the T1 check of every
	// fixture and keeps the fixture's other checks.
	t1, notT1 := listedChecks(t, "--label-filter", "T1"), listedChecks(t, "--label-filter", "!T1")
	if t1 == 0 || t1+notT1 != all {
		t.Errorf("T1 selects %d checks and !T1 %d; together %d, want all %d", t1, notT1, t1+notT1, all)
	}
	if res := umconform(t, nil, "run", "--list", "--label-filter", "T1 &&"); res.code != 2 || !strings.Contains(res.stderr, `--label-filter "T1 &&": `) {
		t.Errorf("a malformed label filter: exit %d, want 2 with a message\n%s", res.code, res.stderr)
	}
	if res := umconform(t, nil, "run", "--list", "--focus", "[T1"); res.code != 2 || !strings.Contains(res.stderr, "focus") {
		t.Errorf("a malformed focus: exit %d, want 2 with a message\n%s", res.code, res.stderr)
	}
	// Each listed check names each of its labels once.
	for _, line := range strings.Split(umconform(t, nil, "run", "--list").stdout, "\n") {
		_, labels, ok := strings.Cut(line, "  [")
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSuffix(labels, "]"), ", ") {
			if seen[l] {
				t.Errorf("label %q listed twice: %s", l, line)
				break
			}
			seen[l] = true
		}
	}
	focus := listedChecks(t, "--focus", `\[T1\] gci-doc-request:`)
	if focus != 1 {
		t.Errorf("--focus selected %d checks, want the one T1 check of gci-doc-request", focus)
	}
	res := umconform(t, []string{"UMCONFORM_LABEL_FILTER=C2"}, "run", "--list", "--target", "http://192.0.2.1/x", "--dial-string", "1", "--entry-id", "e")
	if !strings.Contains(res.stdout, fmt.Sprintf("%d checks selected", c2)) {
		t.Errorf("UMCONFORM_LABEL_FILTER not applied:\n%s", tail(res.stdout))
	}
	reportDir := filepath.Join(t.TempDir(), "reports")
	if n := listedChecks(t, "--report-dir", reportDir); n != all {
		t.Errorf("--list with --report-dir selected %d checks, want %d", n, all)
	}
	if _, err := os.Stat(reportDir); !os.IsNotExist(err) {
		t.Errorf("--list wrote %s (stat: %v); it must leave the last run's reports alone", reportDir, err)
	}
	help := umconform(t, nil, "run", "--help")
	for _, flag := range []string{"--target", "UMCONFORM_TARGET", "UMCONFORM_PASSWORD", "UMCONFORM_STRICT", "UMCONFORM_REPORT_DIR"} {
		if !strings.Contains(help.stderr, strings.TrimPrefix(flag, "--")) {
			t.Errorf("--help does not name %s", flag)
		}
	}
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestSeveralTargets: one run against several targets writes each target's reports in its
// own folder and a requirement × target matrix that shows which target broke what.
func TestSeveralTargets(t *testing.T) {
	dir := t.TempDir()
	targets := filepath.Join(t.TempDir(), "targets")
	os.WriteFile(targets, []byte("# vendors\nbad=embedded:t2-text-plain\n\n"), 0o644)
	res := umconform(t, nil, "run", "--target", "ref=embedded", "--targets-file", targets, "--report-dir", dir, "--label-filter", "T1 || T2")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 (bad breaks T2)\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	ref, bad := readJUnit(t, filepath.Join(dir, "ref")), readJUnit(t, filepath.Join(dir, "bad"))
	if ref.Failures != 0 || bad.Failures == 0 || len(ref.cases()) != len(bad.cases()) {
		t.Errorf("ref %d failures, bad %d failures; %d vs %d cases", ref.Failures, bad.Failures, len(ref.cases()), len(bad.cases()))
	}
	raw, err := os.ReadFile(filepath.Join(dir, "matrix.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Targets []struct {
			Name, Report string
		}
		Requirements []struct {
			ID       string
			Verdicts map[string]string
		}
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for _, r := range m.Requirements {
		got[r.ID] = r.Verdicts
	}
	if got["T2"]["ref"] != "passed" || got["T2"]["bad"] != "failed" || got["T1"]["bad"] != "passed" || len(got["C1"]) != 0 {
		t.Errorf("matrix rows T1 %v, T2 %v, C1 %v", got["T1"], got["T2"], got["C1"])
	}
	if len(m.Targets) != 2 || m.Targets[1].Report != "bad/report.json" {
		t.Errorf("matrix targets %+v", m.Targets)
	}
	html, err := os.ReadFile(filepath.Join(dir, "matrix.html"))
	if err != nil || !strings.Contains(string(html), "t2-text-plain") {
		t.Errorf("matrix.html missing or without the targets: %v", err)
	}
	if !strings.Contains(res.stdout, "REQUIREMENT  LEVEL   REF     BAD") {
		t.Errorf("no matrix on the console:\n%s", tail(res.stdout))
	}
	for _, args := range [][]string{
		{"--target", "a=embedded", "--target", "a=embedded:t2-text-plain"},
		{"--target", "x y=embedded"},
		{"--target", "a=embedded:no-such-profile"},
	} {
		if res := umconform(t, nil, append([]string{"run", "--list"}, args...)...); res.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, res.code)
		}
	}
}

// TestInterruptedRunAccountsForEveryCase: SIGINT in the middle of a run still writes the
// reports, with the checks that never ran listed as errors, and the run exits 2.
func TestInterruptedRunAccountsForEveryCase(t *testing.T) {
	args := []string{"--profile", "x5-slow-unknown-callid", "--timeout", "5s"}
	want := listedChecks(t, args...)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, stdout, stderr := startChild(ctx, t, append([]string{"run", "--report-dir", dir}, args...)...)
	// The profile stalls unknown CallIds for the whole timeout: interrupt once the suite runs.
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "specs") {
		n, err := stdout.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			t.Fatalf("the run ended before it could be interrupted:\n%s\n%s", out.String(), stderr.String())
		}
	}
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	out.Write(rest)
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 2 {
		t.Errorf("exit %d, want 2\n%s", code, tail(out.String()))
	}
	j := readJUnit(t, dir)
	notRun := 0
	for _, c := range j.cases() {
		if c.Error != nil && strings.Contains(c.Error.Text, "not run: the run was interrupted") {
			notRun++
		}
	}
	if len(j.cases()) != want || notRun == 0 || j.Failures != 0 {
		t.Errorf("JUnit after an interrupt: %d cases (want %d), %d not run, %d failures", len(j.cases()), want, notRun, j.Failures)
	}
}

// ntlmServer wraps h in the NTLM handshake IIS runs for Exchange: a request without
// credentials gets 401 "NTLM", a negotiate message (type 1) gets a challenge (type 2), and
// an authenticate message (type 3) for user is served. It counts served requests.
func ntlmServer(t *testing.T, h http.Handler, user string, served *atomic.Int32) *httptest.Server {
	challenge := make([]byte, 48)
	copy(challenge, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(challenge[8:], 2)
	binary.LittleEndian.PutUint32(challenge[16:], 48)         // empty target name at the end
	binary.LittleEndian.PutUint32(challenge[20:], 0xa2898205) // unicode, NTLM, extended session security, target info, 128, 56
	copy(challenge[24:], "\x01\x23\x45\x67\x89\xab\xcd\xef")
	binary.LittleEndian.PutUint32(challenge[44:], 48) // empty target info
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "NTLM ")
		msg, err := base64.StdEncoding.DecodeString(token)
		if !ok || err != nil || len(msg) < 12 || string(msg[:8]) != "NTLMSSP\x00" {
			w.Header().Set("WWW-Authenticate", "NTLM")
			http.Error(w, "401", http.StatusUnauthorized)
			return
		}
		switch binary.LittleEndian.Uint32(msg[8:]) {
		case 1:
			w.Header().Set("WWW-Authenticate", "NTLM "+base64.StdEncoding.EncodeToString(challenge))
			http.Error(w, "401", http.StatusUnauthorized)
		case 3:
			// UserName is the fifth field: length at 36, offset at 40, UTF-16LE.
			n, off := int(binary.LittleEndian.Uint16(msg[36:])), int(binary.LittleEndian.Uint32(msg[40:]))
			if off+n > len(msg) {
				http.Error(w, "bad authenticate message", http.StatusBadRequest)
				return
			}
			u := make([]uint16, n/2)
			for i := range u {
				u[i] = binary.LittleEndian.Uint16(msg[off+2*i:])
			}
			if got := string(utf16.Decode(u)); !strings.EqualFold(got, user) {
				t.Errorf("NTLM authenticate message for user %q, want %q", got, user)
				http.Error(w, "401", http.StatusUnauthorized)
				return
			}
			served.Add(1)
			h.ServeHTTP(w, r)
		default:
			http.Error(w, "unexpected NTLM message", http.StatusBadRequest)
		}
	}))
}

// TestNTLMAuthentication runs against a server that demands NTLM, as Exchange's IIS does:
// every request completes the handshake, and the password appears in no output.
func TestNTLMAuthentication(t *testing.T) {
	h, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Int32
	srv := ntlmServer(t, h, "umtest", &served)
	defer srv.Close()
	const password = "ntlm-pw-3c9d1e"
	dir := t.TempDir()
	res := umconform(t, []string{"UMCONFORM_PASSWORD=" + password}, "run", "--target", srv.URL+reference.LegacyPath,
		"--auth", "ntlm", "--username", `CONTOSO\umtest`, "--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
		"--label-filter", "T1 || C2", "--report-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	if served.Load() == 0 {
		t.Fatal("no request completed the NTLM handshake")
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(password)) {
				t.Errorf("%s holds the password", path)
			}
		}
		return nil
	})
	if strings.Contains(res.stdout+res.stderr, password) {
		t.Error("the console shows the password")
	}
}

// TestTLSVerification: an https target with an unknown certificate is unreachable (exit 2,
// TLS named) unless --ca-file trusts it or --insecure-skip-verify is given.
func TestTLSVerification(t *testing.T) {
	h, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	base := []string{"run", "--target", srv.URL + reference.LegacyPath, "--dial-string", reference.DefaultDialString,
		"--entry-id", reference.DefaultEntryID, "--label-filter", "T1", "--report-dir", t.TempDir()}
	if res := umconform(t, nil, base...); res.code != 2 || !strings.Contains(res.stderr, "certificate") {
		t.Errorf("unknown certificate: exit %d, stderr %q", res.code, res.stderr)
	}
	if res := umconform(t, nil, append(base, "--insecure-skip-verify")...); res.code != 0 {
		t.Errorf("--insecure-skip-verify: exit %d\n%s", res.code, res.stderr)
	}
	if res := umconform(t, []string{"UMCONFORM_INSECURE_SKIP_VERIFY=true"}, base...); res.code != 0 {
		t.Errorf("UMCONFORM_INSECURE_SKIP_VERIFY=true: exit %d\n%s", res.code, res.stderr)
	}
}

// TestTruncatedResponsesAreErrorsNamingTheCase: a target that promises more bytes than it
// sends gets per-case errors that say the response was truncated from the checks that read
// the message (T1 here), never their failures; T7, which judges the framing, fails it, since
// the answer was cut short on every attempt.
func TestTruncatedResponsesAreErrorsNamingTheCase(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 500\r\n\r\n<soap:Envelope xmlns:soap=")
		buf.Flush()
	}))
	defer srv.Close()
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--target", srv.URL+reference.LegacyPath, "--dial-string", reference.DefaultDialString,
		"--entry-id", reference.DefaultEntryID, "--label-filter", "T1 && (gci-callid-unknown || gci-doc-request)", "--timeout", "2s", "--report-dir", dir)
	if res.code != 2 {
		t.Errorf("exit %d, want 2\n%s", res.code, tail(res.stdout))
	}
	j := readJUnit(t, dir)
	if j.Failures != 0 || j.Errors != len(j.cases()) {
		t.Fatalf("%d failures, %d errors of %d cases; want only errors", j.Failures, j.Errors, len(j.cases()))
	}
	for _, c := range j.cases() {
		if !strings.Contains(c.Error.Text, "truncated") || c.prop("fixture") == "" {
			t.Errorf("%s: error does not say truncated or names no fixture: %s", c.Name, c.Error.Text)
		}
	}
	// The same answer cut short on every attempt is the target's: T7 fails (exit 1).
	dir = t.TempDir()
	res = umconform(t, nil, "run", "--target", srv.URL+reference.LegacyPath, "--dial-string", reference.DefaultDialString,
		"--entry-id", reference.DefaultEntryID, "--label-filter", "T7 && gci-callid-unknown", "--timeout", "2s", "--report-dir", dir)
	if res.code != 1 || !slices.Contains(verdicts(readJUnit(t, dir))["T7"], "failed") {
		t.Errorf("T7 on an answer truncated every time: exit %d, want 1 with T7 failed\n%s", res.code, tail(res.stdout))
	}
}

// TestReplaysOnlySelectedFixtures: the harness replays fixtures ahead of their checks, and
// must send exactly what the selected checks need, never the rest of the corpus: against a
// real server every PlayOnPhone rings a phone.
func TestReplaysOnlySelectedFixtures(t *testing.T) {
	ref, err := reference.Start(context.Background(), reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	refURL, err := url.Parse(ref.URL())
	if err != nil {
		t.Fatal(err)
	}
	var posts atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: refURL.Scheme, Host: refURL.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	// requestsFor is what replaying these fixtures sends: the fixture, and a PlayOnPhone
	// and a Disconnect around it when it binds a live call. Before any check, the
	// pre-flight tries the settings: its PlayOnPhone is the call the fixtures share when
	// one binds a call; otherwise it asks once about a call no server issued, to learn
	// that the URL and credentials reach a SOAP endpoint.
	requestsFor := func(keep func(fixtures.Fixture) bool) int32 {
		var n int32
		placesCall := false
		for _, f := range corpus {
			if keep(f) {
				n++
				if f.BindCallID != "" {
					n += 2
					placesCall = true
				}
			}
		}
		if !placesCall {
			n++ // the pre-flight's question
		}
		return n
	}
	cases := []struct {
		name string
		args []string
		want int32
	}{
		{"one check", []string{"--focus", `\[T1\] gci-doc-request:`}, requestsFor(func(f fixtures.Fixture) bool { return f.ID == "gci-doc-request" })},
		{"one requirement", []string{"--label-filter", "C2"}, requestsFor(func(f fixtures.Fixture) bool { return slices.Contains(f.Requirements, "C2") })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			posts.Store(0)
			args := append([]string{"run", "--target", srv.URL + reference.LegacyPath, "--dial-string", reference.DefaultDialString,
				"--entry-id", reference.DefaultEntryID, "--report-dir", t.TempDir()}, c.args...)
			res := umconform(t, nil, args...)
			if res.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", res.code, tail(res.stdout), res.stderr)
			}
			if c.want < 1 {
				t.Fatalf("the filter selects no fixture of the corpus: the case proves nothing")
			}
			if got := posts.Load(); got != c.want {
				t.Errorf("%d POST requests reached the target, want %d: fixtures were replayed that no selected check judges", got, c.want)
			}
		})
	}
}

// TestUsersCopyOfTheCorpusPasses replays a user's folder holding the whole embedded corpus
// under IDs that sort before every embedded one, as bench/run.sh does: the folder loads
// while the run replays it, and a fixture that binds a live call still finds the embedded
// PlayOnPhone, which has not been reached in ID order yet.
func TestUsersCopyOfTheCorpusPasses(t *testing.T) {
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	fx := t.TempDir()
	for _, f := range corpus {
		var meta map[string]any
		raw, err := os.ReadFile(f.File)
		if err == nil {
			err = json.Unmarshal(raw, &meta)
		}
		if err != nil {
			t.Fatal(err)
		}
		meta["id"] = "aa-" + f.ID
		if f.VariantOf != "" {
			meta["variant_of"] = "aa-" + f.VariantOf
		}
		out, _ := json.Marshal(meta)
		os.WriteFile(filepath.Join(fx, "aa-"+f.ID+".json"), out, 0o644)
		os.WriteFile(filepath.Join(fx, "aa-"+f.ID+".request.http"), f.Request, 0o644)
	}
	dir := t.TempDir()
	res := umconform(t, nil, "run", "--fixtures", fx, "--label-filter", "/^aa-/", "--report-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	replayed := map[string]bool{}
	for _, c := range readJUnit(t, dir).cases() {
		replayed[c.prop("fixture")] = true
	}
	for _, f := range corpus {
		if !replayed["aa-"+f.ID] {
			t.Errorf("aa-%s: no check reported", f.ID)
		}
	}
}
