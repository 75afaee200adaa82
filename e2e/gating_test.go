package e2e

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// readRun reads a whole report.json (compare and merge stream theirs: reports.JSONReader).
func readRun(t *testing.T, path string) reports.Run {
	t.Helper()
	run, err := reports.ReadJSONFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// verdictsByName maps each check of a run to its verdict.
func verdictsByName(run reports.Run) map[string]reports.Verdict {
	m := map[string]reports.Verdict{}
	for _, c := range run.Checks {
		m[c.Name] = c.Verdict
	}
	return m
}

// TestShardsMergeToTheUnshardedRun: four shards of a run against the reference server,
// merged, give the checks and verdicts of one unsharded run, against the correct profile
// and against a broken one whose failures fall both in replayed fixtures and in lifecycle
// scenarios.
func TestShardsMergeToTheUnshardedRun(t *testing.T) {
	for _, profile := range []string{"exchange", "s2-lowercase-state"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			full := umconform(t, nil, "run", "--profile", profile, "--report-dir", filepath.Join(dir, "full"))
			want := readRun(t, filepath.Join(dir, "full", "report.json"))
			seen := map[string]int{}
			for k := 1; k <= 4; k++ {
				out := filepath.Join(dir, "shards", fmt.Sprintf("shard-%d", k))
				res := umconform(t, []string{fmt.Sprintf("UMCONFORM_SHARD=%d/4", k)}, "run", "--profile", profile, "--report-dir", out)
				run := readRun(t, filepath.Join(out, "report.json"))
				if s := run.Selection; s == nil || s.Shard != k || s.Shards != 4 {
					t.Fatalf("shard %d records its selection as %+v", k, s)
				}
				if len(run.Checks) == 0 || len(run.Checks) == len(want.Checks) {
					t.Errorf("shard %d holds %d of %d checks", k, len(run.Checks), len(want.Checks))
				}
				if !strings.Contains(res.stdout, fmt.Sprintf("Partial run: shard %d of 4", k)) {
					t.Errorf("shard %d's summary does not say it is partial:\n%s", k, tail(res.stdout))
				}
				for _, c := range run.Checks {
					if prev, dup := seen[c.Name]; dup {
						t.Errorf("%s is in shards %d and %d", c.Name, prev, k)
					}
					seen[c.Name] = k
				}
			}
			merge := umconform(t, nil, "merge", "--report-dir", filepath.Join(dir, "merged"), filepath.Join(dir, "shards"))
			if merge.code != full.code {
				t.Errorf("merge exits %d, the unsharded run %d\n%s%s", merge.code, full.code, merge.stderr, tail(merge.stdout))
			}
			got := readRun(t, filepath.Join(dir, "merged", "report.json"))
			if !maps.Equal(verdictsByName(got), verdictsByName(want)) || len(got.Checks) != len(want.Checks) {
				t.Errorf("merged: %d checks, unsharded: %d; they differ", len(got.Checks), len(want.Checks))
				for _, c := range want.Checks {
					if v := verdictsByName(got)[c.Name]; v != c.Verdict {
						t.Errorf("  %s: merged %q, unsharded %q", c.Name, v, c.Verdict)
					}
				}
			}
			for i := range got.Checks { // in the same order, too
				if got.Checks[i].Name != want.Checks[i].Name {
					t.Fatalf("check %d is %s merged, %s unsharded", i, got.Checks[i].Name, want.Checks[i].Name)
				}
			}
			if len(got.Selection.MergedFrom) != 4 {
				t.Errorf("merged from %v", got.Selection.MergedFrom)
			}
			jFull, jMerged := readJUnit(t, filepath.Join(dir, "full")), readJUnit(t, filepath.Join(dir, "merged"))
			if jFull.Tests != jMerged.Tests || jFull.Failures != jMerged.Failures || jFull.Errors != jMerged.Errors {
				t.Errorf("junit.xml: merged %d/%d/%d tests/failures/errors, unsharded %d/%d/%d",
					jMerged.Tests, jMerged.Failures, jMerged.Errors, jFull.Tests, jFull.Failures, jFull.Errors)
			}
			if _, err := os.Stat(filepath.Join(dir, "merged", "report.html")); err != nil {
				t.Error(err)
			}
			if profile != "exchange" {
				var fixture, scenario bool
				for _, c := range got.Checks {
					if c.Verdict == reports.Failed {
						fixture, scenario = fixture || c.Fixture != "", scenario || c.Scenario != ""
					}
				}
				if full.code != 1 || !fixture || !scenario {
					t.Errorf("broken profile: exit %d, failed fixture checks %v, failed scenario checks %v; want 1, both", full.code, fixture, scenario)
				}
			} else if full.code != 0 {
				t.Errorf("correct profile: exit %d\n%s", full.code, tail(full.stdout))
			}
		})
	}
}

// listed runs --list with args and returns the names of the checks it prints.
func listed(t *testing.T, env []string, args ...string) []string {
	t.Helper()
	res := umconform(t, env, append([]string{"run", "--list"}, args...)...)
	if res.code != 0 {
		t.Fatalf("--list %v: exit %d\n%s", args, res.code, res.stderr)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		if name, _, ok := strings.Cut(line, "  ["); ok {
			names = append(names, name)
		}
	}
	return names
}

// TestRunDeclaresTheCorpusX3Probes: a run follows each of the corpus's malformed requests
// that name X3 with the healthy question, once. The replay's declaration is the robustness
// suite's only list of them (suites' probes).
func TestRunDeclaresTheCorpusX3Probes(t *testing.T) {
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	names := listed(t, nil)
	n := 0
	for _, f := range corpus {
		if f.Expect.Outcome == fixtures.Success || !slices.Contains(f.Requirements, "X3") {
			continue
		}
		n++
		want := "[X3] a live call is still answered correctly after " + f.ID + " ("
		if got := len(slices.DeleteFunc(slices.Clone(names), func(name string) bool { return !strings.HasPrefix(name, want) })); got != 1 {
			t.Errorf("%d checks %q..., want 1", got, want)
		}
	}
	if n == 0 {
		t.Fatal("the embedded corpus has no malformed request naming X3")
	}
}

// The shards of --list partition the checks, and keep each fixture's and each scenario's
// checks together.
func TestShardsPartitionTheChecks(t *testing.T) {
	all := listed(t, nil)
	var union []string
	calls := map[string][]int{} // the shard of each check of each lifecycle call
	for k := 1; k <= 3; k++ {
		names := listed(t, nil, "--shard", fmt.Sprintf("%d/3", k))
		union = append(union, names...)
		for _, name := range names {
			_, rest, _ := strings.Cut(name, "] ")
			if call, _, ok := strings.Cut(rest, ": "); ok && (strings.HasPrefix(call, "call to ") || strings.Contains(call, "concurrent calls")) {
				calls[call] = append(calls[call], k)
			}
		}
	}
	slices.Sort(all)
	slices.Sort(union)
	if !slices.Equal(all, union) {
		t.Fatalf("3 shards list %d checks, the whole run %d (or other ones)", len(union), len(all))
	}
	// The lifecycle checks of one call are one scenario: one shard has them all.
	if len(calls) < 3 {
		t.Fatalf("found the checks of %d lifecycle calls, want every one of the reference server's", len(calls))
	}
	for call, shards := range calls {
		if len(shards) != 15 || slices.ContainsFunc(shards, func(k int) bool { return k != shards[0] }) { // lifecycleChecks: L1-L5, S1-S3, X5, T5-T10
			t.Errorf("the checks of %q are in shards %v, want 15 in one", call, shards)
		}
	}
	for _, bad := range []string{"0/3", "4/3", "three"} {
		res := umconform(t, nil, "run", "--list", "--shard", bad)
		if res.code != 2 || !strings.Contains(res.stderr, "--shard "+fmt.Sprintf("%q", bad)+": want K/N") {
			t.Errorf("--shard %s: exit %d, %s", bad, res.code, res.stderr)
		}
	}
}

// merge refuses shards with a gap or of different harness versions, names the files, and
// writes nothing.
func TestMergeRefusesFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	for k := 1; k <= 3; k++ {
		umconform(t, nil, "run", "--label-filter", "T1", "--shard", fmt.Sprintf("%d/3", k), "--report-dir", filepath.Join(dir, fmt.Sprint(k)))
	}
	out := filepath.Join(dir, "merged")
	res := umconform(t, nil, "merge", "--report-dir", out, filepath.Join(dir, "1"), filepath.Join(dir, "3"))
	if res.code != 2 || !strings.Contains(res.stderr, "shard 2 of 3 is missing") {
		t.Errorf("gap: exit %d, %s", res.code, res.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "2", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other", "report.json")
	os.MkdirAll(filepath.Dir(other), 0o755)
	os.WriteFile(other, []byte(strings.Replace(string(raw), `"harness_version": "`, `"harness_version": "v0.0.1-`, 1)), 0o644)
	res = umconform(t, nil, "merge", "--report-dir", out, filepath.Join(dir, "1"), filepath.Join(dir, "other"), filepath.Join(dir, "3", "report.json"))
	if res.code != 2 || !strings.Contains(res.stderr, other+` has harness version "v0.0.1-`) {
		t.Errorf("versions: exit %d, %s", res.code, res.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused merge wrote %s", out)
	}
	os.RemoveAll(filepath.Dir(other))
	if res := umconform(t, nil, "merge", "--report-dir", out, dir); res.code != 0 || len(readRun(t, filepath.Join(out, "report.json")).Checks) == 0 {
		t.Errorf("the three shards: exit %d: %s", res.code, res.stderr)
	}
	// Merged again into the same folder, among the inputs: the earlier merge is not an input.
	if res := umconform(t, nil, "merge", "--report-dir", out, dir); res.code != 0 {
		t.Errorf("merged twice: exit %d: %s", res.code, res.stderr)
	}
}

// TestExpectations: a baseline of a broken server's failures, written by umconform
// expectations, turns them into expected failures that do not fail the run; against a
// fixed server the same file warns (fails with --strict); an expired entry no longer
// applies; a bad file is a usage error that names the file, the line and the fix.
func TestExpectations(t *testing.T) {
	dir := t.TempDir()
	filter := []string{"--label-filter", "S2 || L3"}
	before := umconform(t, nil, append([]string{"run", "--profile", "s2-lowercase-state", "--report-dir", filepath.Join(dir, "before")}, filter...)...)
	failed := 0
	for _, c := range readRun(t, filepath.Join(dir, "before", "report.json")).Checks {
		if c.Verdict == reports.Failed {
			failed++
		}
	}
	if before.code != 1 || failed == 0 {
		t.Fatalf("broken profile: exit %d, %d failed", before.code, failed)
	}

	gen := umconform(t, nil, "expectations", filepath.Join(dir, "before", "report.json"))
	if gen.code != 0 || !strings.Contains(gen.stdout, "expires: "+time.Now().AddDate(0, 0, 90).Format("2006-01-02")) {
		t.Fatalf("expectations: exit %d, %s\n%s", gen.code, gen.stderr, gen.stdout)
	}
	gen = umconform(t, nil, "expectations", "--expires", "2099-12-31", filepath.Join(dir, "before", "report.json"))
	baseline := filepath.Join(dir, "baseline.yaml")
	if err := os.WriteFile(baseline, []byte(gen.stdout), 0o644); err != nil {
		t.Fatal(err)
	}

	after := umconform(t, []string{"UMCONFORM_EXPECTATIONS=" + baseline}, append([]string{"run", "--profile", "s2-lowercase-state", "--report-dir", filepath.Join(dir, "after")}, filter...)...)
	if after.code != 0 || !strings.Contains(after.stdout, fmt.Sprintf("EXPECTED FAILURES: %d checks", failed)) {
		t.Fatalf("with the baseline: exit %d\n%s%s", after.code, after.stderr, tail(after.stdout))
	}
	if strings.Contains(after.stdout, "[FAILED]") {
		t.Error("Ginkgo's progress shows an expected failure as [FAILED]")
	}
	expected := 0
	for _, c := range readRun(t, filepath.Join(dir, "after", "report.json")).Checks {
		if c.Verdict == reports.ExpectedFailure {
			expected++
			if c.Expectation == nil || c.Expectation.Expires != "2099-12-31" || !strings.HasPrefix(c.Expectation.Source, baseline+":") {
				t.Errorf("%s: expectation %+v", c.Name, c.Expectation)
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "after", "junit.xml"))
	if expected != failed || strings.Count(string(raw), `<skipped message="expected failure: baseline of `) != failed || readJUnit(t, filepath.Join(dir, "after")).Failures != 0 {
		t.Errorf("%d expected failures in report.json, %d <skipped> in junit.xml; want %d each", expected, strings.Count(string(raw), "<skipped"), failed)
	}

	fixed := umconform(t, nil, append([]string{"run", "--profile", "exchange", "--expectations", baseline, "--report-dir", filepath.Join(dir, "fixed")}, filter...)...)
	if fixed.code != 0 || !strings.Contains(fixed.stdout, "unexpectedly passed: remove the expectation at "+baseline+":") {
		t.Errorf("fixed server: exit %d\n%s", fixed.code, tail(fixed.stdout))
	}
	strict := umconform(t, nil, append([]string{"run", "--profile", "exchange", "--expectations", baseline, "--strict", "--report-dir", filepath.Join(dir, "strict")}, filter...)...)
	if strict.code != 1 {
		t.Errorf("fixed server, --strict: exit %d, want 1", strict.code)
	}

	expired := filepath.Join(dir, "expired.yaml")
	os.WriteFile(expired, []byte("- requirement: S2\n  reason: vendor ticket 1234\n  expires: 2020-01-31\n"), 0o644)
	res := umconform(t, nil, append([]string{"run", "--profile", "s2-lowercase-state", "--expectations", expired, "--report-dir", filepath.Join(dir, "expired")}, filter...)...)
	if res.code != 1 || !strings.Contains(res.stdout, "EXPIRED EXPECTATION "+expired+":1: S2 expired after 2020-01-31 (vendor ticket 1234)") {
		t.Errorf("expired entry: exit %d\n%s", res.code, tail(res.stdout))
	}
	if run := readRun(t, filepath.Join(dir, "expired", "report.json")); len(run.Expectations) != 1 || !run.Expectations[0].Expired {
		t.Errorf("report.json lists expectations %+v", run.Expectations)
	}

	for _, args := range [][]string{{}, {"--expires", "2027-13-01", "r.json"}, {filepath.Join(dir, "after", "junit.xml")}} {
		if res := umconform(t, nil, append([]string{"expectations"}, args...)...); res.code != 2 || res.stderr == "" {
			t.Errorf("expectations %v: exit %d, %q; want 2 and why", args, res.code, res.stderr)
		}
	}

	for _, c := range []struct{ file, want string }{
		{"- requirement: S2\n  fixture: gci-doc-reqest\n  reason: typo\n  expires: 2099-01-01\n", ":1: S2 on fixture gci-doc-reqest matches no check there is: correct the IDs"},
		// An entry about checks the filter leaves out is no error:
		// TestExpectationsFromAFullRunServeAFilteredRun.
		{"- requirement: S9\n  reason: r\n  expires: 2099-01-01\n", `:1: requirement "S9" is not in the catalogue`},
		{"- requirement: S2\n  expires: 2099-01-01\n", ":1: the entry has no reason: add 'reason: ...'"},
		{"- requirement: S2\n  reason: r\n  expires: 31/12/2099\n", `:3: expires "31/12/2099" is not a date: write the last day the deviation is accepted as YYYY-MM-DD`},
	} {
		path := filepath.Join(dir, "bad.yaml")
		os.WriteFile(path, []byte(c.file), 0o644)
		out := filepath.Join(dir, "bad")
		res := umconform(t, nil, append([]string{"run", "--profile", "s2-lowercase-state", "--expectations", path, "--report-dir", out}, filter...)...)
		if res.code != 2 || !strings.Contains(res.stderr, path+c.want) {
			t.Errorf("%q: exit %d, want 2 and %q in\n%s", c.file, res.code, path+c.want, res.stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%q: a usage error wrote reports", c.file)
		}
	}
}

// TestRerunFailed: --rerun-failed makes only the checks a report failed or errored, says
// so in its reports, and with nothing to rerun does nothing.
func TestRerunFailed(t *testing.T) {
	dir := t.TempDir()
	filter := []string{"--label-filter", "S2 || T2"}
	umconform(t, nil, append([]string{"run", "--profile", "s2-lowercase-state", "--report-dir", filepath.Join(dir, "first")}, filter...)...)
	var failed []string
	for _, c := range readRun(t, filepath.Join(dir, "first", "report.json")).Checks {
		if c.Verdict == reports.Failed || c.Verdict == reports.Error {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) == 0 {
		t.Fatal("the broken profile failed nothing")
	}
	// Against the same broken server (by the folder), then against a fixed one (by the file).
	for _, c := range []struct {
		profile, from string
		code          int
	}{{"s2-lowercase-state", filepath.Join(dir, "first"), 1}, {"exchange", filepath.Join(dir, "first", "report.json"), 0}} {
		out := filepath.Join(dir, "rerun-"+c.profile)
		res := umconform(t, nil, append([]string{"run", "--profile", c.profile, "--rerun-failed", c.from, "--report-dir", out}, filter...)...)
		run := readRun(t, filepath.Join(out, "report.json"))
		var names []string
		for _, ch := range run.Checks {
			names = append(names, ch.Name)
		}
		if res.code != c.code || !slices.Equal(names, failed) {
			t.Errorf("%s: exit %d (want %d), reran %d checks, want the %d that failed", c.profile, res.code, c.code, len(names), len(failed))
		}
		first := filepath.Join(dir, "first", "report.json")
		if run.Selection == nil || run.Selection.RerunOf != first {
			t.Errorf("%s: selection %+v, want rerun_of %s", c.profile, run.Selection, first)
		}
		junit, _ := os.ReadFile(filepath.Join(out, "junit.xml"))
		html, _ := os.ReadFile(filepath.Join(out, "report.html"))
		says := "partial run: a rerun of the checks that failed or errored in " + first
		if !strings.Contains(string(junit), `<property name="selection" value="`+says+`">`) || !strings.Contains(string(html), says) || !strings.Contains(res.stdout, "P"+says[1:]) {
			t.Errorf("%s: the reports do not say %q", c.profile, says)
		}
	}
	res := umconform(t, nil, "run", "--rerun-failed", filepath.Join(dir, "rerun-exchange"), "--report-dir", filepath.Join(dir, "nothing"))
	if res.code != 0 || !strings.Contains(res.stdout, "nothing to rerun") {
		t.Errorf("nothing to rerun: exit %d, %s", res.code, res.stdout)
	}
	if res := umconform(t, nil, "run", "--rerun-failed", filepath.Join(dir, "missing.json")); res.code != 2 || !strings.Contains(res.stderr, "--rerun-failed") {
		t.Errorf("a missing report: exit %d, %s", res.code, res.stderr)
	}
}
