package expect

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reports"
)

const good = `# known deviations of vendor A
- requirement: S2                 # every check of fixture gci-doc-request
  fixture: gci-doc-request
  reason: vendor ticket 1234, CallState Ringing while alerting
  link: https://tracker.example/1234
  expires: 2027-03-31
- requirement: S2
  reason: all the others
  expires: "2027-03-31"
- requirement: L3
  scenario: lifecycle-call-0001
  reason: resurrects calls
  expires: 2026-01-31
`

func parse(t *testing.T, text string) (*File, error) {
	t.Helper()
	return Parse("exp.yaml", []byte(text), catalogue.Default(), "umconform")
}

func TestParseReadsEveryMember(t *testing.T) {
	f, err := parse(t, good)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Requirement: "S2", Fixture: "gci-doc-request", Reason: "vendor ticket 1234, CallState Ringing while alerting", Link: "https://tracker.example/1234", Expires: "2027-03-31", Line: 2},
		{Requirement: "S2", Reason: "all the others", Expires: "2027-03-31", Line: 7},
		{Requirement: "L3", Scenario: "lifecycle-call-0001", Reason: "resurrects calls", Expires: "2026-01-31", Line: 10},
	}
	if len(f.Entries) != len(want) {
		t.Fatalf("entries %+v, want %+v", f.Entries, want)
	}
	for i := range want {
		if f.Entries[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, f.Entries[i], want[i])
		}
	}
	for _, empty := range []string{"", "# nothing accepted yet\n", "[]\n"} {
		if f, err := parse(t, empty); err != nil || len(f.Entries) != 0 {
			t.Errorf("%q: %v, %d entries; want no entry and no error", empty, err, len(f.Entries))
		}
	}
}

// Every problem is reported at once, each naming the file, the line and the fix.
func TestParseNamesFileLineAndFix(t *testing.T) {
	cases := []struct{ text, want string }{
		{"- requirement: S99\n  reason: r\n  expires: 2027-01-01\n", "exp.yaml:1: requirement \"S99\" is not in the catalogue"},
		{"- requirement: S2\n  expires: 2027-01-01\n", "exp.yaml:1: the entry has no reason: add 'reason: ...'"},
		{"- requirement: S2\n  reason: '  '\n  expires: 2027-01-01\n", "exp.yaml:2: the entry has no reason"},
		{"- requirement: S2\n  reason: r\n  expires: 2027-02-30\n", "exp.yaml:3: expires \"2027-02-30\" is not a date: write the last day the deviation is accepted as YYYY-MM-DD"},
		{"- requirement: S2\n  reason: r\n  expires: next year\n", "exp.yaml:3: expires \"next year\" is not a date"},
		{"- requirement: S2\n  reason: r\n", "exp.yaml:1: the entry has no expiry: add 'expires: YYYY-MM-DD'"},
		{"- fixture: x\n  reason: r\n  expires: 2027-01-01\n", "exp.yaml:1: the entry has no requirement: add 'requirement: ID'"},
		{"- requirement: S2\n  fixtures: x\n  reason: r\n  expires: 2027-01-01\n", "exp.yaml:2: unknown key \"fixtures\": an entry has requirement, fixture, scenario, reason, link, expires"},
		{"- requirement: S2\n  requirement: S3\n  reason: r\n  expires: 2027-01-01\n", "exp.yaml:2: requirement is given twice in this entry (also line 1)"},
		{"- requirement: [S2, S3]\n  reason: r\n  expires: 2027-01-01\n", "exp.yaml:1: requirement must be one value, not a list"},
		{"- requirement: S2\n  fixture: a\n  scenario: b\n  reason: r\n  expires: 2027-01-01\n", "exp.yaml:3: the entry names a fixture and a scenario"},
		{"- requirement: S2\n  reason: r\n  expires: 2027-01-01\n- requirement: S2\n  reason: again\n  expires: 2028-01-01\n", "exp.yaml:4: the entry is about the same checks as the entry at line 1 (every S2 check)"},
		{"requirement: S2\n", "exp.yaml:1: want a list of entries"},
		{"- S2\n", "exp.yaml:1: an entry is a mapping such as '- requirement: S2'"},
		{"- requirement: [S2\n", "exp.yaml: yaml: line 1: did not find expected ',' or ']': fix the YAML"},
	}
	for _, c := range cases {
		_, err := parse(t, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
	// All at once.
	_, err := parse(t, "- requirement: S99\n  expires: soon\n")
	if n := strings.Count(err.Error(), "exp.yaml:"); n != 3 {
		t.Errorf("want 3 problems (requirement, reason, expires), got %d:\n%v", n, err)
	}
}

func TestUnmatchedEntries(t *testing.T) {
	f, err := parse(t, good)
	if err != nil {
		t.Fatal(err)
	}
	f.See([]string{"S2"}, "gci-other", "")
	err = f.Unmatched()
	if err == nil || strings.Contains(err.Error(), "exp.yaml:7") ||
		!strings.Contains(err.Error(), "exp.yaml:2: S2 on fixture gci-doc-request matches no check there is: correct the IDs") ||
		!strings.Contains(err.Error(), "exp.yaml:10: L3 on scenario lifecycle-call-0001 matches no check there is") {
		t.Fatalf("unmatched: %v", err)
	}
	f.See([]string{"S2"}, "gci-doc-request", "")
	f.See([]string{"L3"}, "", "lifecycle-call-0001")
	if err := f.Unmatched(); err != nil {
		t.Fatalf("every entry seen, still %v", err)
	}
}

func check(req, fixture, scenario string, v reports.Verdict) reports.Check {
	return reports.Check{Name: "[" + req + "] " + fixture + scenario, Requirements: []string{req}, Fixture: fixture, Scenario: scenario, Verdict: v, Message: "broken"}
}

func TestApply(t *testing.T) {
	f, err := parse(t, good)
	if err != nil {
		t.Fatal(err)
	}
	newRun := func(strict bool) reports.Run {
		return reports.Run{Started: time.Date(2026, 6, 1, 12, 0, 0, 0, time.Local), Strict: strict, Checks: []reports.Check{
			check("S2", "gci-doc-request", "", reports.Failed),      // the specific entry
			check("S2", "gci-other", "", reports.Warning),           // the general entry
			check("S2", "gci-third", "", reports.Passed),            // covered, passed: the entry is stale
			check("S2", "gci-fourth", "", reports.Error),            // not judged: stays an error
			check("L3", "", "lifecycle-call-0001", reports.Failed),  // entry expired on 2026-01-31
			check("S1", "gci-doc-request", "", reports.Failed),      // no entry
			check("S2", "", "lifecycle-concurrent", reports.Passed), // general entry covers scenarios too
		}}
	}
	run := newRun(false)
	f.Apply(&run)
	want := []reports.Verdict{reports.ExpectedFailure, reports.ExpectedFailure, reports.Warning, reports.Error, reports.Failed, reports.Failed, reports.Warning}
	for i, c := range run.Checks {
		if c.Verdict != want[i] {
			t.Errorf("%s: verdict %s, want %s", c.Name, c.Verdict, want[i])
		}
	}
	if x := run.Checks[0].Expectation; x == nil || x.Source != "exp.yaml:2" || x.Link != "https://tracker.example/1234" {
		t.Errorf("the fixture's own entry should speak for it, got %+v", x)
	}
	if x := run.Checks[1].Expectation; x == nil || x.Source != "exp.yaml:7" {
		t.Errorf("the general entry should cover gci-other, got %+v", x)
	}
	if m := run.Checks[2].Message; !strings.HasPrefix(m, "unexpectedly passed: remove the expectation at exp.yaml:7 (every S2 check: all the others), or narrow it") {
		t.Errorf("stale entry message %q", m)
	}
	if run.Checks[3].Expectation != nil || run.Checks[4].Expectation != nil {
		t.Error("an error, or a check of an expired entry, carries an expectation")
	}
	if len(run.Expectations) != 3 || run.Expectations[2].Expired != true || run.Expectations[0].Expired {
		t.Errorf("run expectations %+v, want three with the L3 one expired", run.Expectations)
	}
	if run.ExitCode() != 1 {
		t.Errorf("exit %d, want 1: the L3 failure counts once its entry expired", run.ExitCode())
	}

	strict := newRun(true)
	f.Apply(&strict)
	if strict.Checks[2].Verdict != reports.Failed {
		t.Errorf("strict: a stale entry's pass is %s, want failed", strict.Checks[2].Verdict)
	}

	// The day an entry expires it still applies; the next day it does not.
	for day, want := range map[int]reports.Verdict{31: reports.ExpectedFailure, 32: reports.Failed} {
		r := reports.Run{Started: time.Date(2027, 3, day, 23, 59, 0, 0, time.Local), Checks: []reports.Check{check("S2", "gci-doc-request", "", reports.Failed)}}
		f.Apply(&r)
		if r.Checks[0].Verdict != want {
			t.Errorf("started %s: %s, want %s", r.Started.Format(DateLayout), r.Checks[0].Verdict, want)
		}
	}
}

func TestBaselineCoversEveryFailureAndParses(t *testing.T) {
	run := reports.Run{Target: "http://um.example/x", Started: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Checks: []reports.Check{
		check("S2", "gci-doc-request", "", reports.Failed),
		check("T2", "gci-doc-request", "", reports.Failed),
		check("S2", "gci-other", "", reports.Passed),
		check("L3", "", "lifecycle-call-0001", reports.Failed),
		check("R2", "gci-bom", "", reports.Warning), // not a failure
		check("X5", "gci-slow", "", reports.Error),  // not a failure
		{Name: "kept", Requirements: []string{"C2"}, Fixture: "gci-x", Verdict: reports.ExpectedFailure,
			Expectation: &reports.Expectation{Requirement: "C2", Fixture: "gci-x", Reason: "ticket 9: 'quoted' # not a comment", Link: "https://t/9", Expires: "2026-12-01", Source: "old.yaml:3"}},
	}}
	run.Checks[0].Message = "S2 (MUST) broken: CallState is one of the 8 values\n  expected: ..."
	var b bytes.Buffer
	if err := Baseline(&b, run, "reports/report.json", "2026-08-30", "umconform"); err != nil {
		t.Fatal(err)
	}
	f, err := Parse("baseline.yaml", b.Bytes(), catalogue.Default(), "umconform")
	if err != nil {
		t.Fatalf("the baseline does not parse: %v\n%s", err, b.String())
	}
	want := []Entry{
		{Requirement: "S2", Fixture: "gci-doc-request", Reason: "baseline of reports/report.json: S2 (MUST) broken: CallState is one of the 8 values", Expires: "2026-08-30"},
		{Requirement: "T2", Fixture: "gci-doc-request", Reason: "baseline of reports/report.json: broken", Expires: "2026-08-30"},
		{Requirement: "L3", Scenario: "lifecycle-call-0001", Reason: "baseline of reports/report.json: broken", Expires: "2026-08-30"},
		{Requirement: "C2", Fixture: "gci-x", Reason: "ticket 9: 'quoted' # not a comment", Link: "https://t/9", Expires: "2026-12-01"},
	}
	if len(f.Entries) != len(want) {
		t.Fatalf("entries:\n%s", b.String())
	}
	for i := range want {
		got := f.Entries[i]
		got.Line = 0
		if got != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got, want[i])
		}
	}
	if !strings.Contains(b.String(), "  expires: 2026-08-30\n") || !strings.HasPrefix(b.String(), "# umconform expectations: every failure of reports/report.json") || !strings.Contains(b.String(), "# in 4 entries") {
		t.Errorf("layout:\n%s", b.String())
	}
	// Applied to the run it came from, it leaves no failure.
	f.Apply(&run)
	if code := run.ExitCode(); code != 2 { // the X5 error stays
		t.Errorf("exit %d after adopting the baseline, want 2 (only the error left)", code)
	}
	for _, c := range run.Checks {
		if c.Verdict == reports.Failed {
			t.Errorf("%s still fails", c.Name)
		}
	}

	b.Reset()
	if err := Baseline(&b, reports.Run{}, "clean.json", "2026-08-30", "umconform"); err != nil {
		t.Fatal(err)
	}
	if f, err := Parse("empty.yaml", b.Bytes(), catalogue.Default(), "umconform"); err != nil || len(f.Entries) != 0 {
		t.Errorf("baseline of a clean run: %v\n%s", err, b.String())
	}
}
