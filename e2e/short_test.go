package e2e

import (
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// lines counts the lines a person reads of a command's output, both streams.
func lines(res childResult) int {
	return strings.Count(res.stdout+res.stderr, "\n")
}

// TestManyChecksBreakingOneRuleAreOneBlock: l3-resurrects, the profile the README
// suggests trying, breaks L3 and L4 (and their EWS twins E10 and E11) once per call. Each
// rule is one block in the console, not one per call or per API, whatever answer number
// each call broke it at, and the whole console is at most 60 lines.
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
	// A rule and its EWS twin, broken the same way on both APIs, are one block.
	for _, ids := range []string{"L3, E10", "L4, E11"} {
		heads := regexp.MustCompile(`(?m)^(FAILED|WARNING) `+ids+` \((MUST|SHOULD)\) broken by (\d+) checks: Connected/None$`).FindAllStringSubmatch(out, -1)
		if len(heads) != 1 || heads[0][3] == "1" {
			t.Errorf("%s: blocks %q, want one block counting several checks:\n%s", ids, heads, out)
		}
	}
	if n := regexp.MustCompile(`(?m)^(FAILED|WARNING) `).FindAllString(out, -1); len(n) != 2 {
		t.Errorf("%d blocks, want 2 (L3 with E10, L4 with E11):\n%s", len(n), out)
	}
	if strings.Contains(out, "T1           MUST    PASSED") || !regexp.MustCompile(`\nPassed every check \(the other \d+ requirements, \d+ checks\): T1 T2 `).MatchString(out) {
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

// productServerTLS is a server that is not umconform's reference server, though it
// answers as it does: the reference's handler under another host name in its CallIds, its
// EWS ServerVersionInfo that of another build, over https with Basic authentication for
// users (the auth checks need two accounts). It returns the URL and the file of the CA
// that signed its certificate, for --ca-file. A bundle of a run against it is a product's.
func productServerTLS(t *testing.T, users map[string]string) (url, caFile string) {
	t.Helper()
	h, err := reference.NewHandler(reference.Options{FQDN: "um.acme.example", Step: 20 * time.Millisecond, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := strings.ReplaceAll(rec.Body.String(), `MajorBuildNumber="1497" MinorBuildNumber="2" Version="Exchange2013_SP1"`,
			`MajorBuildNumber="1473" MinorBuildNumber="3" Version="V2_23"`)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	srv.StartTLS()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, ca
}

// productRunFlags run against productServer as fast as against the embedded server.
var productRunFlags = []string{"--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
	"--poll-interval", "10ms", "--poll-limit", "30"}

// TestVerifyKnowsTheReferenceServer: a bundle of a run against umconform's own reference
// server, embedded or served behind a URL (umconform serve's handler, its host name in the
// CallIds and its ServerVersionInfo), is no product's evidence: verify says so first and
// exits 1, though the run passed. TestBundleOfACompleteRunVerifies shows a bundle of a
// server that is not the reference still passes.
func TestVerifyKnowsTheReferenceServer(t *testing.T) {
	h, err := reference.NewHandler(reference.Options{Step: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	served := httptest.NewServer(h)
	defer served.Close()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"embedded": {nil, "REFERENCE SERVER: the target was umconform's embedded reference server"},
		"served":   {append([]string{"--target", served.URL}, productRunFlags...), "REFERENCE SERVER: the target's answers carry "},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "b.zip")
			args := append(append([]string{"run", "--report-dir", filepath.Join(dir, "reports"), "--bundle", path}, bundleProductFlags...), tc.args...)
			if res := umconform(t, nil, args...); res.code != 0 {
				t.Fatalf("run: exit %d, want 0\n%s%s", res.code, tail(res.stdout), res.stderr)
			}
			v := umconform(t, nil, "verify", path)
			out := strings.SplitN(v.stdout, "\n", 3)
			if v.code != 1 || len(out) < 3 || !strings.HasPrefix(out[1], tc.want) {
				t.Errorf("verify: exit %d, want 1 and %q first:\n%s%s", v.code, tc.want, v.stdout, v.stderr)
			}
			if !strings.Contains(v.stdout, "VERDICT: NOT A PASS. The bundle is intact, but:\n  - "+tc.want) {
				t.Errorf("the verdict does not give the reference server first:\n%s", v.stdout)
			}
		})
	}
}

// TestRequirementsCountsAreARunsCounts: the checks umconform requirements counts for each
// requirement are those a default run (against the embedded reference server) judges:
// one computation, where a check whose labels repeated its requirement counted twice
// (T1: 96 against 76) and the lifecycle checks were one call's against the run's seven.
func TestRequirementsCountsAreARunsCounts(t *testing.T) {
	req := umconform(t, nil, "requirements", "--wide")
	if req.code != 0 {
		t.Fatalf("requirements: exit %d\n%s", req.code, req.stderr)
	}
	listed := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z]\d+)\s+(?:MUST|SHOULD|MAY)\s+(\d+)\s`).FindAllStringSubmatch(req.stdout, -1) {
		listed[m[1]], _ = strconv.Atoi(m[2])
	}
	dir := t.TempDir()
	if res := umconform(t, nil, "run", "--report-dir", dir); res.code != 0 {
		t.Fatalf("run: exit %d\n%s", res.code, res.stderr)
	}
	judged := map[string]int{}
	for _, c := range readRun(t, filepath.Join(dir, "report.json")).Checks {
		for _, id := range c.Requirements {
			judged[id]++
		}
	}
	if len(listed) == 0 || len(listed) != len(judged) {
		t.Fatalf("requirements lists %d requirements, the run judged %d", len(listed), len(judged))
	}
	for id, n := range listed {
		if judged[id] != n {
			t.Errorf("%s: requirements counts %d checks, the run judged %d", id, n, judged[id])
		}
	}
}
