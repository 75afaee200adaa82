package reports

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// spoolRun is sampleRun with more checks of every kind: an expectation, several
// requirements, nil requirements, unknown requirements, a stopped run with a selection,
// and names that share a prefix out of order.
func spoolRun() Run {
	run := sampleRun()
	run.Stopped = "the target stopped answering"
	run.Selection = &Selection{LabelFilter: "MUST", Shard: 1, Shards: 2}
	run.CallsPlaced, run.MaxCalls = 3, 5
	x := &Expectation{Requirement: "S2", Fixture: "f", Reason: "known", Link: "http://x/1", Expires: "2027-01-01", Source: "exp.txt:3", Expired: true}
	run.Expectations = []Expectation{*x}
	more := []Check{
		{Name: "[S2] a-fixture: expected", Requirements: []string{"S2"}, Level: "MUST", Area: "schema", Verdict: ExpectedFailure, Expectation: x, Message: "S2 (MUST) broken: x\n  expected: a\n  actual:   b\n  where:    c", Duration: -5},
		{Name: "[C1 C2] both", Requirements: []string{"C1", "C2"}, Verdict: Info, Message: "m"},
		{Name: "no bracket at all", Verdict: Error, Message: "broken fixture"},
		{Name: "[Z9] unknown requirement", Requirements: []string{"Z9"}, Verdict: Skipped, Message: "budget"},
		{Name: "[S1] a-first: ok", Requirements: []string{"S1"}, Level: "MUST", Area: "schema", Verdict: Passed, Evidence: Evidence{Violations: []string{}, States: []string{"Idle"}, ResponseBytes: 1 << 40, ResponseSHA256: "ab", Retries: []string{"attempt 1: HTTP 503; waited 1s and sent it again"}}},
		{Name: "[S1] a-first: ok", Requirements: []string{}, Level: "MUST", Area: "schema", Verdict: Passed, Message: "same name, later"},
		{Name: "[T2] \x00<&>\"' unicode é ☎", Requirements: []string{"T2"}, Verdict: Failed, Message: "line\r\nnext\u2028", Evidence: Evidence{CallState: "the shared call Q0FMTA==, placed 12ms before this request, not yet asked about"}},
	}
	run.Checks = append(run.Checks, more...)
	for i := range 40 {
		run.Checks = append(run.Checks, Check{Name: "[X5] f" + string(rune('a'+i%26)) + strings.Repeat("z", i), Requirements: []string{"X5"}, Level: "MUST", Area: "robustness", Verdict: Passed, Duration: time.Duration(i) * time.Millisecond})
	}
	return run
}

// TestWriteSpooledMatchesWriteAll: a run written check by check, in any order, gives the
// reports WriteAll writes of the same checks sorted by name (as the suites sort them).
func TestWriteSpooledMatchesWriteAll(t *testing.T) {
	run := spoolRun()
	sorted := run
	sorted.Checks = append([]Check(nil), run.Checks...)
	// the suites' order: by name, equal names in run order
	sortStable(sorted.Checks)

	want := t.TempDir()
	if err := WriteAll(want, sorted); err != nil {
		t.Fatal(err)
	}
	for seed := range 3 {
		sp, err := NewSpool()
		if err != nil {
			t.Fatal(err)
		}
		order := append([]Check(nil), run.Checks...)
		if seed > 0 { // shuffled, but equal names keep their order
			r := rand.New(rand.NewPCG(uint64(seed), 1))
			r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			var a, b int
			for i := range order {
				if order[i].Name == "[S1] a-first: ok" {
					if a == 0 {
						a = i + 1
					} else {
						b = i + 1
					}
				}
			}
			if order[a-1].Message != "" {
				order[a-1], order[b-1] = order[b-1], order[a-1]
			}
		}
		for _, c := range order {
			sp.Add(c)
		}
		got := t.TempDir()
		summary, err := WriteSpooled(got, run, sp)
		if err != nil {
			t.Fatal(err)
		}
		sp.Close()
		for _, name := range []string{"junit.xml", "report.json", "report.html"} {
			w, _ := os.ReadFile(filepath.Join(want, name))
			g, _ := os.ReadFile(filepath.Join(got, name))
			if !bytes.Equal(w, g) {
				t.Errorf("seed %d: %s differs from WriteAll's:\n%s", seed, name, firstDiff(w, g))
			}
		}
		if summary.Total() != len(run.Checks) || !reflect.DeepEqual(summary.Counts(), sorted.Counts()) ||
			!reflect.DeepEqual(summary.ByRequirement(nil), sorted.ByRequirement(nil)) || summary.ExitCode() != sorted.ExitCode() {
			t.Errorf("seed %d: the summary's counts differ from the run's", seed)
		}
		var sum, all bytes.Buffer
		WriteSummary(&sum, summary, nil, false)
		WriteSummary(&all, sorted, nil, false)
		if sum.String() != all.String() {
			t.Errorf("seed %d: console summary differs:\n%s", seed, firstDiff(all.Bytes(), sum.Bytes()))
		}
		sum.Reset()
		all.Reset()
		WriteMarkdown(&sum, []Run{summary}, nil)
		WriteMarkdown(&all, []Run{sorted}, nil)
		if sum.String() != all.String() {
			t.Errorf("seed %d: Markdown differs:\n%s", seed, firstDiff(all.Bytes(), sum.Bytes()))
		}
	}
}

func sortStable(checks []Check) {
	for i := 1; i < len(checks); i++ {
		for j := i; j > 0 && checks[j].Name < checks[j-1].Name; j-- {
			checks[j], checks[j-1] = checks[j-1], checks[j]
		}
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "want …" + string(a[lo:min(len(a), i+200)]) + "\n got …" + string(b[lo:min(len(b), i+200)])
}

// TestSpoolKeepsEveryField: a check read back is the check written.
func TestSpoolKeepsEveryField(t *testing.T) {
	for _, c := range spoolRun().Checks {
		got, err := decodeSpooled(string(appendSpooled(nil, &c)))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("read back %#v\nwritten  %#v", got, c)
		}
	}
	// A field added to Check or Evidence must be added to the codec: count them.
	if n := reflect.TypeFor[Check]().NumField(); n != 13 {
		t.Errorf("Check has %d fields, the spool encodes 13: add the new one to appendSpooled and decodeSpooled", n)
	}
	if n := reflect.TypeFor[Evidence]().NumField(); n != 12 {
		t.Errorf("Evidence has %d fields, the spool encodes 12", n)
	}
	if _, err := decodeSpooled("\x05ab"); err == nil {
		t.Error("a damaged record was read")
	}
}

// TestWriteSpooledBoundsThePassedList: report.html names the first passing checks and
// counts the others.
func TestWriteSpooledBoundsThePassedList(t *testing.T) {
	sp, err := NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	run := benchRun(1500) // 10 500 checks
	for _, c := range run.Checks {
		sp.Add(c)
	}
	dir := t.TempDir()
	if _, err := WriteSpooled(dir, run, sp); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if n := bytes.Count(page, []byte(`<li id="run0-check`)); n != maxPassedListed {
		t.Errorf("report.html names %d passing checks, want %d", n, maxPassedListed)
	}
	if !bytes.Contains(page, []byte("and 500 more passing checks")) {
		t.Error("report.html does not count the passing checks it does not name")
	}
}

// TestWriteSpooledBoundsTheFailures: past maxFullChecks, only each group's samples keep
// their evidence in memory; the summaries show the same groups and samples, and
// report.json keeps every check's evidence.
func TestWriteSpooledBoundsTheFailures(t *testing.T) {
	sp, err := NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	run := benchRun(300) // 2 100 checks
	for i := range run.Checks {
		c := &run.Checks[i]
		c.Verdict, c.Message = Failed, c.Requirements[0]+" (MUST) broken: x\n  expected: a\n  actual:   b\n  where:    response line 1"
		c.Evidence = Evidence{Status: 500, Response: "<fault " + c.Name + "/>"}
		sp.Add(*c)
	}
	dir := t.TempDir()
	summary, err := WriteSpooled(dir, run, sp)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, c := range summary.Checks {
		if c.Evidence.Response != "" {
			kept++
		}
	}
	// seven groups, one per requirement, 300 checks each in name order: the first 1 000
	// whole, then the first of each of the three groups that start after them
	if len(summary.Checks) != len(run.Checks) || kept != maxFullChecks+3 {
		t.Errorf("kept %d checks, %d with evidence; want %d, %d", len(summary.Checks), kept, len(run.Checks), maxFullChecks+3)
	}
	all := run
	sortStable(all.Checks)
	var a, b bytes.Buffer
	WriteSummary(&a, all, nil, false)
	WriteSummary(&b, summary, nil, false)
	if a.String() != b.String() {
		t.Errorf("console summary differs:\n%s", firstDiff(a.Bytes(), b.Bytes()))
	}
	data, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if n := bytes.Count(data, []byte(`"response": "<fault`)); n != len(run.Checks) {
		t.Errorf("report.json has the evidence of %d checks, want %d", n, len(run.Checks))
	}
}
