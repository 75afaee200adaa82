package e2e

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/expect"
	"github.com/umconform/umconform/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden help texts, e2e/testdata/help/*.txt, from the commands")

// helpWidth is the widest line a help text may have, in columns.
const helpWidth = 100

// helps is the top-level help and every command's, as the binary invoked as prog prints
// them, by golden file name. The settings come from no UMCONFORM_* variable.
func helps(t *testing.T, prog string) map[string]string {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "UMCONFORM_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	out := map[string]string{}
	help := func(golden string, args ...string) {
		var stdout, stderr bytes.Buffer
		if code := cli.Main(t.Context(), prog, args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, &stderr)
		}
		out[golden] = stdout.String() + stderr.String()
	}
	help("umconform", "--help")
	for _, name := range cli.Commands() {
		help(strings.ReplaceAll(name, " ", "-"), append(strings.Fields(name), "--help")...)
	}
	return out
}

// TestHelpGolden: every help text is as e2e/testdata/help holds it, so that a change of
// any is seen in review. go test ./e2e -run TestHelpGolden -update rewrites them.
func TestHelpGolden(t *testing.T) {
	// The default of expectations --expires is a date 90 days from today.
	expires := time.Now().AddDate(0, 0, expect.DefaultLifetime).Format(expect.DateLayout)
	for name, text := range helps(t, "umconform") {
		text = strings.ReplaceAll(text, expires, "TODAY+90")
		path := filepath.Join("e2e", "testdata", "help", name+".txt")
		if *update {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (go test ./e2e -run TestHelpGolden -update writes it)", err)
			continue
		}
		if text != string(want) {
			t.Errorf("%s --help differs from %s (go test ./e2e -run TestHelpGolden -update, then review the diff):\n%s",
				name, path, text)
		}
	}
}

// TestHelpFitsAHundredColumns: no line of any help text is wider than 100 columns, as the
// binary prints it under its usual name and under a longer one.
func TestHelpFitsAHundredColumns(t *testing.T) {
	for _, prog := range []string{"umconform", "./bin/umconform"} {
		for name, text := range helps(t, prog) {
			for i, line := range strings.Split(text, "\n") {
				if n := columns(line); n > helpWidth {
					t.Errorf("%s: %s --help, line %d: %d columns, want at most %d:\n%s", prog, name, i+1, n, helpWidth, line)
				}
			}
		}
	}
}

// columns is how many columns line takes on a terminal, tabs reaching the next multiple
// of 8 (the flags' descriptions are indented by one).
func columns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += 8 - n%8
		} else {
			n++
		}
	}
	return n
}

// TestHelpNamesBothAPIs: the top-level help and serve's name both APIs the harness checks
// and the reference server serves, each with its operations and path.
func TestHelpNamesBothAPIs(t *testing.T) {
	all := helps(t, "umconform")
	for _, name := range []string{"umconform", "serve"} {
		for _, want := range []string{"UM web service", "GetCallInfo", "/EWS/UM2007Legacy.asmx",
			"EWS", "GetPhoneCallInformation", "/EWS/Exchange.asmx"} {
			if !strings.Contains(all[name], want) {
				t.Errorf("%s --help does not name %q:\n%s", name, want, all[name])
			}
		}
	}
}

// TestHelpNeedsNoSourceTree: a user with only the binary has no fixtures/README.md or
// reference/README.md; no help sends them there.
func TestHelpNeedsNoSourceTree(t *testing.T) {
	for name, text := range helps(t, "umconform") {
		if strings.Contains(text, "README") {
			t.Errorf("%s --help points to a README, which a user of the binary lacks:\n%s", name, text)
		}
	}
}

// TestHintsNameTheBinaryAsInvoked: the commands the binary suggests start as the user
// started it (bin/umconform, as make build leaves it), and counts of one are singular.
func TestHintsNameTheBinaryAsInvoked(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(builtBinary(t), filepath.Join(dir, "bin", "umconform")); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		cmd := exec.Command("bin/umconform", args...)
		cmd.Dir, cmd.Env = dir, childEnv()
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	if code, out := run("version", "--bogus"); code != 2 || !strings.Contains(out, "Run 'bin/umconform version --help' for the flags.") {
		t.Errorf("a bad flag: exit %d, want 2 and a hint naming bin/umconform:\n%s", code, out)
	}
	if code, out := run("--help"); code != 0 || !strings.Contains(out, "Usage: bin/umconform COMMAND") || !strings.Contains(out, "Run 'bin/umconform COMMAND --help'") {
		t.Errorf("--help: exit %d, want 0 and bin/umconform in the usage:\n%s", code, out)
	}
	if code, out := run("record", "--help"); code != 0 || !strings.Contains(out, "'bin/umconform fixtures lint DIR'") {
		t.Errorf("record --help: exit %d, want 0 and its hints naming bin/umconform:\n%s", code, out)
	}
	if code, out := run("run", "--label-filter", "C1 &&"); code != 2 || !strings.Contains(out, "see bin/umconform run --list") {
		t.Errorf("a bad --label-filter: exit %d, want 2 and a hint naming bin/umconform:\n%s", code, out)
	}
	// One check, which one call serves, against a server that breaks it.
	code, out := run("run", "--profile", "t2-text-plain", "--label-filter", "gci-doc-request && T2", "--report-dir", "reports")
	for _, want := range []string{"Running 1 spec: F", "rerun:    bin/umconform run --profile t2-text-plain",
		"Calls placed: 1 PlayOnPhone request, "} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("a run of one failing check: exit %d, want 1 and %q:\n%s", code, want, out)
		}
	}
	// The expectations file made of that run, and the messages about a wrong one.
	if code, out := run("expectations", "reports/report.json"); code != 0 || !strings.Contains(out, "Use: bin/umconform run --expectations FILE") {
		t.Errorf("expectations: exit %d, want 0 and its Use: line naming bin/umconform:\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("- requirement: NOPE\n  reason: known\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run("run", "--expectations", "bad.yaml"); code != 2 || !strings.Contains(out, "use an ID bin/umconform requirements lists") {
		t.Errorf("an unknown requirement in --expectations: exit %d, want 2 and a hint naming bin/umconform:\n%s", code, out)
	}
}
