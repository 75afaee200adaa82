package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/umconform/umconform/reports"
)

// usersEWSFixtures writes a folder of a user's own EWS recordings: copies of two embedded
// EWS fixtures under new IDs (a GetPhoneCallInformation of an unknown call, which E5
// judges, and a PlayOnPhone success).
func usersEWSFixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for from, to := range map[string]string{"ews-gpci-unknown-id": "usr-gpci-unknown-id", "ews-pop-doc-request": "usr-pop-doc-request"} {
		for _, ext := range []string{".json", ".request.http"} {
			b, err := os.ReadFile(filepath.Join("fixtures", "ews", from+ext))
			if err != nil {
				t.Fatal(err)
			}
			b = []byte(strings.ReplaceAll(string(b), `"`+from+`"`, `"`+to+`"`))
			if err := os.WriteFile(filepath.Join(dir, to+ext), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// TestEWSChecksGateLikeUMOnes: the workflows that gate a deployment work on EWS checks,
// the embedded corpus's and a user's own EWS recordings alike, as on UM ones: shards
// partition them and merge back to the unsharded run; compare names an EWS regression;
// a baseline of EWS failures written by expectations turns them into expected failures;
// --rerun-failed makes exactly the EWS checks that failed; the matrix of two targets has
// EWS rows. The broken server answers an unknown PhoneCallId with Success (breaks E5).
func TestEWSChecksGateLikeUMOnes(t *testing.T) {
	dir := t.TempDir()
	users := usersEWSFixtures(t)
	// Not the generated requests: the E5 profile breaks G3 and G4 on them too (Implied).
	filter := []string{"--fixtures", users, "--label-filter", "ews && !generated"}
	run := func(name string, env []string, args ...string) (childResult, reports.Run) {
		t.Helper()
		out := filepath.Join(dir, name)
		res := umconform(t, env, append(append([]string{"run", "--report-dir", out}, filter...), args...)...)
		return res, readRun(t, filepath.Join(out, "report.json"))
	}
	good, goodRun := run("good", nil)
	bad, badRun := run("bad", nil, "--profile", "e5-unknown-id-succeeds")
	if good.code != 0 || bad.code != 1 {
		t.Fatalf("exit %d against the reference and %d against the broken profile, want 0 and 1\n%s\n%s", good.code, bad.code, tail(good.stdout), tail(bad.stdout))
	}
	var failed []string
	for _, c := range badRun.Checks {
		if c.Verdict == reports.Failed || c.Verdict == reports.Error {
			failed = append(failed, c.Name)
			if !strings.Contains(c.Name, "[E5]") {
				t.Errorf("the broken profile failed %s, which is not E5", c.Name)
			}
		}
	}
	userCaught := slices.ContainsFunc(failed, func(n string) bool { return strings.Contains(n, "usr-gpci-unknown-id") })
	userReplayed := slices.ContainsFunc(goodRun.Checks, func(c reports.Check) bool {
		return strings.Contains(c.Name, "usr-pop-doc-request") && c.Verdict == reports.Passed
	})
	if !userCaught || !userReplayed {
		t.Fatalf("the user's EWS recordings: E5 caught %v, PlayOnPhone replayed and passed %v; failed: %v", userCaught, userReplayed, failed)
	}

	t.Run("shards", func(t *testing.T) {
		seen := map[string]int{}
		for k := 1; k <= 3; k++ {
			_, r := run(fmt.Sprintf("shards/shard-%d", k), []string{fmt.Sprintf("UMCONFORM_SHARD=%d/3", k)}, "--profile", "e5-unknown-id-succeeds")
			if len(r.Checks) == 0 || len(r.Checks) == len(badRun.Checks) {
				t.Errorf("shard %d holds %d of %d checks", k, len(r.Checks), len(badRun.Checks))
			}
			for _, c := range r.Checks {
				if prev, dup := seen[c.Name]; dup {
					t.Errorf("%s is in shards %d and %d", c.Name, prev, k)
				}
				seen[c.Name] = k
			}
		}
		merge := umconform(t, nil, "merge", "--report-dir", filepath.Join(dir, "merged"), filepath.Join(dir, "shards"))
		got := readRun(t, filepath.Join(dir, "merged", "report.json"))
		if merge.code != 1 || !maps.Equal(verdictsByName(got), verdictsByName(badRun)) {
			t.Errorf("merged shards: exit %d (want 1), %d checks; unsharded %d checks; verdicts differ: %v", merge.code, len(got.Checks), len(badRun.Checks), !maps.Equal(verdictsByName(got), verdictsByName(badRun)))
		}
	})

	t.Run("compare", func(t *testing.T) {
		res := umconform(t, nil, "compare", filepath.Join(dir, "good", "report.json"), filepath.Join(dir, "bad", "report.json"))
		if res.code != 1 || !strings.Contains(res.stdout, fmt.Sprintf("regressions (%d):", len(failed))) || !regexp.MustCompile(`REGRESSION E5 \(MUST\) broken by .*\n    (for example )?\[E5\] usr-gpci-unknown-id|REGRESSION E5 \(MUST\) broken by .*\n(    .*\n)*    also .*usr-gpci-unknown-id`).MatchString(res.stdout) {
			t.Errorf("compare: exit %d, want 1 naming %d EWS regressions\n%s", res.code, len(failed), res.stdout)
		}
	})

	t.Run("expectations", func(t *testing.T) {
		gen := umconform(t, nil, "expectations", "--expires", "2099-12-31", filepath.Join(dir, "bad", "report.json"))
		baseline := filepath.Join(dir, "baseline.yaml")
		if err := os.WriteFile(baseline, []byte(gen.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		if gen.code != 0 || !strings.Contains(gen.stdout, "usr-gpci-unknown-id") {
			t.Fatalf("expectations: exit %d\n%s%s", gen.code, gen.stdout, gen.stderr)
		}
		res, r := run("expected", nil, "--profile", "e5-unknown-id-succeeds", "--expectations", baseline)
		expected := 0
		for _, c := range r.Checks {
			if c.Verdict == reports.ExpectedFailure {
				expected++
			}
		}
		if res.code != 0 || expected != len(failed) {
			t.Errorf("with the baseline: exit %d (want 0), %d expected failures (want %d)\n%s", res.code, expected, len(failed), tail(res.stdout))
		}
	})

	t.Run("rerun-failed", func(t *testing.T) {
		for _, c := range []struct {
			profile string
			code    int
		}{{"e5-unknown-id-succeeds", 1}, {"exchange", 0}} {
			res, r := run("rerun-"+c.profile, nil, "--profile", c.profile, "--rerun-failed", filepath.Join(dir, "bad", "report.json"))
			var names []string
			for _, ch := range r.Checks {
				names = append(names, ch.Name)
			}
			if res.code != c.code || !slices.Equal(names, failed) {
				t.Errorf("%s: exit %d (want %d), reran %v, want %v", c.profile, res.code, c.code, names, failed)
			}
		}
	})

	t.Run("matrix", func(t *testing.T) {
		out := filepath.Join(dir, "matrix")
		res := umconform(t, nil, "run", "--target", "ref=embedded", "--target", "bad=embedded:e5-unknown-id-succeeds", "--fixtures", users, "--label-filter", "E5 || E4", "--report-dir", out)
		raw, err := os.ReadFile(filepath.Join(out, "matrix.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
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
		if res.code != 1 || got["E5"]["ref"] != "passed" || got["E5"]["bad"] != "failed" || got["E4"]["bad"] != "passed" {
			t.Errorf("matrix: exit %d, rows E5 %v, E4 %v", res.code, got["E5"], got["E4"])
		}
	})
}
