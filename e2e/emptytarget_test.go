package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyTargetIsAnError: a target variable or flag that is set but empty (a CI job whose
// ${{ vars.UM_URL }} is not defined) stops the run with exit 2 naming it; it never falls
// back to the embedded reference server, which would go green having tested nothing.
func TestEmptyTargetIsAnError(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"variable", []string{"UMCONFORM_TARGET="}, nil, "UMCONFORM_TARGET is set but empty"},
		{"blank variable", []string{"UMCONFORM_TARGET= "}, nil, "UMCONFORM_TARGET is set but empty"},
		{"EWS variable", []string{"UMCONFORM_EWS_TARGET="}, nil, "UMCONFORM_EWS_TARGET is set but empty"},
		{"targets file variable", []string{"UMCONFORM_TARGETS_FILE="}, nil, "UMCONFORM_TARGETS_FILE is set but empty"},
		{"flag", nil, []string{"--target", ""}, "--target is given but empty"},
		{"targets file flag", nil, []string{"--targets-file="}, "--targets-file is given but empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			res := umconform(t, c.env, append([]string{"run", "--report-dir", dir, "--label-filter", "C1"}, c.args...)...)
			if res.code != 2 {
				t.Errorf("exit %d, want 2\n%s\n%s", res.code, tail(res.stdout), res.stderr)
			}
			if !strings.Contains(res.stderr, c.want) {
				t.Errorf("stderr lacks %q:\n%s", c.want, res.stderr)
			}
			if strings.Contains(res.stdout, "embedded reference server") {
				t.Errorf("the embedded reference server was started:\n%s", tail(res.stdout))
			}
			if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
				t.Error("a report was written")
			}
		})
	}
}

// TestEmbeddedRunSaysSoInEveryReport: with no target configured at all the run checks the
// embedded reference server, and every report says so where it names the target.
func TestEmbeddedRunSaysSoInEveryReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	md := filepath.Join(dir, "summary.md")
	res := umconform(t, nil, "run", "--report-dir", dir, "--label-filter", "C1", "--summary-md", md)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	const said = "(embedded reference server, profile "
	if !strings.Contains(res.stdout, "checks against http://127.0.0.1") || !strings.Contains(res.stdout, said) {
		t.Errorf("console summary does not say it checked the embedded server:\n%s", tail(res.stdout))
	}
	for _, f := range []string{"junit.xml", "report.json", "report.html", "summary.md"} {
		if b := mustRead(t, filepath.Join(dir, f)); !strings.Contains(string(b), said) {
			t.Errorf("%s does not say the target was the embedded reference server", f)
		}
	}
}
