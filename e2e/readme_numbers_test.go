package e2e

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/umconform/umconform/reference"
)

// TestREADMENumbersComeFromTheCode: the numbers the README states about the harness (the
// broken profiles, the calls a default run places) are what the code and a real run say,
// so that they cannot drift as profiles and checks are added.
func TestREADMENumbersComeFromTheCode(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	broken, legal := 0, 0
	for _, p := range reference.Profiles() {
		switch {
		case len(p.Breaks) > 0:
			broken++
		case p.Name != reference.ProfileExchange:
			legal++
		}
	}
	for _, m := range regexp.MustCompile(`(\d+) legal variants`).FindAllSubmatch(readme, -1) {
		if n, _ := strconv.Atoi(string(m[1])); n != legal {
			t.Errorf("README says %s legal variants; umconform serve --list-profiles lists %d", m[1], legal)
		}
	}
	for _, m := range regexp.MustCompile(`(\d+) broken profiles`).FindAllSubmatch(readme, -1) {
		if n, _ := strconv.Atoi(string(m[1])); n != broken {
			t.Errorf("README says %s broken profiles; umconform serve --list-profiles lists %d", m[1], broken)
		}
	}
	// The output of `make run` the README shows: its calls placed are a default run's.
	shown := regexp.MustCompile(`, profile exchange\): \d+ passed.*\nCalls placed: (\d+) PlayOnPhone requests, no budget`).FindSubmatch(readme)
	if shown == nil {
		t.Fatal("README shows no output of a run against the embedded server with its calls placed")
	}
	res := umconform(t, nil, "run", "--report-dir", t.TempDir())
	got := regexp.MustCompile(`\nCalls placed: (\d+) PlayOnPhone requests`).FindStringSubmatch(res.stdout)
	if res.code != 0 || got == nil {
		t.Fatalf("a default run: exit %d\n%s", res.code, res.stdout)
	}
	if got[1] != string(shown[1]) {
		t.Errorf("README shows %s calls placed by a default run; a run places %s", shown[1], got[1])
	}
	sameTotals(t, readme, "exchange", res.stdout)
	// The failing run it shows, whose numbers are the same on every run.
	res = umconform(t, nil, "run", "--profile", "s2-ringing", "--label-filter", "!ews", "--report-dir", t.TempDir())
	if res.code != 1 {
		t.Fatalf("the README's failing run: exit %d, want 1\n%s", res.code, res.stdout)
	}
	sameTotals(t, readme, "s2-ringing", res.stdout)
}

// sameTotals: the README's output of a run against the embedded server with profile shows
// the number of checks and calls placed that such a run prints.
func sameTotals(t *testing.T, readme []byte, profile, stdout string) {
	t.Helper()
	totals := regexp.MustCompile(`\n(\d+) checks against \S+ \(embedded reference server, profile ` + regexp.QuoteMeta(profile) + `\): (\d+) passed, (\d+) failed.*\nCalls placed: (\d+) `)
	shown, got := totals.FindSubmatch(readme), totals.FindStringSubmatch(stdout)
	if shown == nil || got == nil {
		t.Fatalf("no totals of a run with profile %s: in the README %v, in the run's output %v", profile, shown != nil, got != nil)
	}
	for i, what := range []string{"", "checks", "passed", "failed", "calls placed"} {
		if i > 0 && string(shown[i]) != got[i] {
			t.Errorf("README shows %s %s for a run with profile %s; a run prints %s", shown[i], what, profile, got[i])
		}
	}
}
