package runner

import (
	"strings"
	"testing"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reference"
)

func TestCoverageCheckerFindsOrphans(t *testing.T) {
	cat := catalogue.Catalogue{
		{ID: "A1", Level: catalogue.MUST},
		{ID: "A2", Level: catalogue.MUST},                        // orphaned: no check
		{ID: "A3", Level: catalogue.SHOULD},                      // no profile breaks it
		{ID: "A4", Level: catalogue.MUST, Untestable: "because"}, // accepted without a profile
	}
	checks := []CheckInfo{
		{Name: "[A1] f: x", Requirements: []string{"A1"}, Fixture: "f"},
		{Name: "[A3] y", Requirements: []string{"A3"}},
		{Name: "[A4] z", Requirements: []string{"A4"}},
		{Name: "nameless"},
		{Name: "[Z9] w", Unknown: []string{"Z9"}},
	}
	profiles := []reference.Profile{{Name: "a1-broken", Breaks: []string{"A1"}}, {Name: "a2-broken", Breaks: []string{"A2"}}, {Name: "q", Breaks: []string{"Q7"}}}
	rows, problems := CoverageOf(cat, checks, profiles)
	want := []string{
		"requirement A2 has no check",
		"requirement A3: no reference profile breaks it",
		`check "nameless" names no requirement`,
		`check "[Z9] w" names Z9, which is not in the catalogue`,
		"profile q breaks Q7, which is not in the catalogue",
	}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
	for _, w := range want {
		found := false
		for _, p := range problems {
			found = found || strings.Contains(p, w)
		}
		if !found {
			t.Errorf("no problem %q in:\n%s", w, strings.Join(problems, "\n"))
		}
	}
	if rows[0].Fixtures[0] != "f" || rows[0].Profiles[0] != "a1-broken" {
		t.Errorf("row A1 = %+v", rows[0])
	}
}

// TestEveryRequirementIsCheckedAndBroken runs the coverage check on the real catalogue,
// the declared suites and the reference profiles: make test fails on an orphan.
func TestEveryRequirementIsCheckedAndBroken(t *testing.T) {
	checks, err := DeclaredChecks()
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := CoverageOf(catalogue.Default(), checks, reference.Profiles())
	for _, p := range problems {
		t.Error(p)
	}
	if len(rows) < 30 || len(checks) < 300 {
		t.Errorf("%d requirements, %d checks: the suites were not declared", len(rows), len(checks))
	}
}
