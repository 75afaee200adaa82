package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/umconform/umconform/reports"
)

// validateReportFile checks a report.json written by a run against
// schema/report.schema.json. A JSON Schema library does it (santhosh-tekuri/jsonschema:
// maintained, passes the official test suite for draft 2020-12) because hand-written
// checks of a schema drift from it and miss what it says.
func validateReportFile(t *testing.T, path string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join("schema", "report.schema.json"))
	if err != nil {
		t.Fatalf("compiling the report schema: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no JSON report: %v", err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s does not validate against schema/report.schema.json:\n%v", path, err)
	}
}

func compareFiles(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(append([]string{"compare"}, args...), nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeReport(t *testing.T, run reports.Run) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	if err := reports.WriteFile(path, run, reports.WriteJSON); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompareCommandExitCodes(t *testing.T) {
	pass := reports.Run{Target: "http://a", Checks: []reports.Check{
		{Name: "[T2] responses are text/xml", Requirements: []string{"T2"}, Verdict: reports.Passed},
		{Name: "[S1] the response validates", Requirements: []string{"S1"}, Verdict: reports.Passed},
	}}
	fail := pass
	fail.Checks = slices.Clone(pass.Checks)
	fail.Checks[0].Verdict = reports.Failed
	base, broken := writeReport(t, pass), writeReport(t, fail)

	if code, out, _ := compareFiles(t, base, base); code != 0 || !strings.Contains(out, "0 regressions") {
		t.Errorf("identical reports: exit %d, want 0\n%s", code, out)
	}
	code, out, _ := compareFiles(t, base, broken)
	if code != 1 || !strings.Contains(out, "REGRESSION T2 (MUST) broken by 1 check (passed → failed)\n    [T2] responses are text/xml\n") || !strings.Contains(out, "1 regression, ") {
		t.Errorf("a failed check: exit %d, want 1 and exactly the T2 regression\n%s", code, out)
	}
	if code, out, _ := compareFiles(t, broken, base); code != 0 || !strings.Contains(out, "FIXED T2 (MUST) passed by 1 check (failed → passed)\n    [T2]") {
		t.Errorf("a fixed check: exit %d, want 0 and the fix\n%s", code, out)
	}

	junit := filepath.Join(t.TempDir(), "junit.xml")
	if err := reports.WriteFile(junit, pass, reports.WriteJUnit); err != nil {
		t.Fatal(err)
	}
	// A report cut off inside its checks (a disk that filled, a copy that stopped) is
	// refused naming the file and the check, never compared as far as it goes.
	whole, err := os.ReadFile(broken)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(truncated, whole[:bytes.Index(whole, []byte(`"[S1]`))+20], 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := compareFiles(t, base, truncated); code != 2 || !strings.Contains(stderr, truncated+": reading report: checks[1]: the file ends early") {
		t.Errorf("a truncated report: exit %d with %q, want 2 and the file and check named", code, stderr)
	}
	for name, args := range map[string][]string{
		"missing file": {base, filepath.Join(t.TempDir(), "none.json")},
		"JUnit file":   {junit, base},
		"one report":   {base},
		"bad flag":     {"--nope", base, base},
	} {
		if code, _, stderr := compareFiles(t, args...); code != 2 || stderr == "" {
			t.Errorf("%s: exit %d with %q, want 2 and a message", name, code, stderr)
		}
	}
}

// TestCompareAcrossProfiles is the upgrade workflow against the reference server: a run
// against the correct server is the baseline; a legal variant that only spells its
// prefixes differently is no regression and no response difference; a server broken in
// one requirement regresses exactly the checks that fail against it, all of that
// requirement. Every report.json the runs write validates against the schema.
func TestCompareAcrossProfiles(t *testing.T) {
	dirs := map[string]string{}
	for _, profile := range []string{"exchange", "legal-prefix-s", "c2-wrong-exception-type"} {
		dir := t.TempDir()
		umconform(t, nil, "run", "--profile", profile, "--report-dir", dir, "--timeout", "2s")
		for _, name := range []string{"junit.xml", "report.json", "report.html"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Fatalf("%s run: %v", profile, err)
			}
		}
		validateReportFile(t, filepath.Join(dir, "report.json"))
		dirs[profile] = filepath.Join(dir, "report.json")
	}

	code, out, stderr := compareFiles(t, dirs["exchange"], dirs["legal-prefix-s"])
	if code != 0 || !strings.Contains(out, "0 regressions, 0 fixes, 0 other changes, 0 checks added, 0 removed, 0 responses differ") {
		t.Errorf("legal prefix variant: exit %d, want 0 and no difference at all\n%s%s", code, out, stderr)
	}

	code, out, stderr = compareFiles(t, dirs["exchange"], dirs["c2-wrong-exception-type"])
	if code != 1 {
		t.Errorf("broken profile: exit %d, want 1\n%s%s", code, out, stderr)
	}
	f, err := os.Open(dirs["c2-wrong-exception-type"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	broken, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, c := range broken.Checks {
		if c.Verdict == reports.Failed || c.Verdict == reports.Error {
			failed = append(failed, c.Name)
		}
	}
	var regressed []string
	diff, err := reports.CompareFiles(dirs["exchange"], dirs["c2-wrong-exception-type"], reports.DefaultVolatile())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range diff.Regressions {
		regressed = append(regressed, c.Name)
	}
	// The console groups them: every group is of C2, and counts them all.
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^  REGRESSION (\S+) \(MUST\) broken by (\d+) checks?: .*\((?:passed|warning) → (?:failed|error)\)$`).FindAllStringSubmatch(out, -1) {
		k, _ := strconv.Atoi(m[2])
		n += k
		if m[1] != "C2" {
			t.Errorf("regression outside C2: %s", m[0])
		}
	}
	if n != len(failed) {
		t.Errorf("the console's groups count %d regressions, want %d:\n%s", n, len(failed), out)
	}
	slices.Sort(failed)
	if len(failed) == 0 || !slices.Equal(regressed, failed) {
		t.Errorf("regressions %q, want exactly the failed checks %q", regressed, failed)
	}
}
