package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeReport writes run as report.json at dir/rel and returns its path.
func writeReport(t testing.TB, dir, rel string, run Run) string {
	t.Helper()
	path := filepath.Join(dir, rel)
	if err := WriteFile(path, run, WriteJSON); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJSONReaderReadsWhatReadJSONReads(t *testing.T) {
	run := sampleRun()
	run.Selection = &Selection{LabelFilter: "MUST", Shard: 2, Shards: 3}
	run.Expectations = []Expectation{{Requirement: "S2", Reason: "r", Expires: "2027-01-01", Source: "e.yaml:1"}}
	run.Checks[0].Evidence.Violations = []string{"3: /a: broken"}
	path := writeReport(t, t.TempDir(), "report.json", run)
	want, err := ReadJSONFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenJSONFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Run().Duration != 0 || r.Run().Name != run.Name || r.Run().Selection.Shard != 2 {
		t.Errorf("before the checks: %+v (duration comes after them)", r.Run())
	}
	var got []Check
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end: %v, want io.EOF", err)
	}
	if !reflect.DeepEqual(got, want.Checks) {
		t.Errorf("checks differ from ReadJSON's:\n%+v\n%+v", got, want.Checks)
	}
	head := r.Run()
	want.Checks = nil
	if !reflect.DeepEqual(head, want) {
		t.Errorf("run differs from ReadJSON's:\n%+v\n%+v", head, want)
	}
}

// TestReadJSONFileKeepingKeepsWhatItIsAsked: the run as ReadJSONFile reads it, with only
// the checks selected, in order.
func TestReadJSONFileKeepingKeepsWhatItIsAsked(t *testing.T) {
	run := sampleRun()
	path := writeReport(t, t.TempDir(), "report.json", run)
	want, err := ReadJSONFile(path)
	if err != nil {
		t.Fatal(err)
	}
	passed := func(c Check) bool { return c.Verdict == Passed }
	got, err := ReadJSONFileKeeping(path, func(c Check) bool { return !passed(c) })
	if err != nil {
		t.Fatal(err)
	}
	want.Checks = slices.DeleteFunc(want.Checks, passed)
	if len(want.Checks) == 0 || len(want.Checks) == len(run.Checks) {
		t.Fatalf("the sample run should have checks that passed and others: %d of %d", len(want.Checks), len(run.Checks))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kept:\n%+v\nwant\n%+v", got, want)
	}
	if _, err := ReadJSONFileKeeping(filepath.Join(t.TempDir(), "none.json"), passed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestJSONReaderRefusesHostileInput: every file is refused with an error naming the file
// and, inside the checks, the check; none panics or reads a huge value whole.
func TestJSONReaderRefusesHostileInput(t *testing.T) {
	var good bytes.Buffer
	if err := WriteJSON(&good, sampleRun()); err != nil {
		t.Fatal(err)
	}
	g := good.String()
	second := strings.Index(g, "\n    {\n      \"name\": \"[S2]")
	huge := g[:second] + `{"name": "` + strings.Repeat("x", maxJSONValue+10) + `"},` + g[second:]
	cases := []struct{ name, data, want string }{
		{"empty", "", "report is not JSON"},
		{"junit", "<?xml version=\"1.0\"?><testsuites/>", "report is not JSON"},
		{"an array", "[1, 2]", "is a JSON object"},
		{"other format", `{"format": "umconform-report/9", "checks": []}`, `report format is "umconform-report/9"`},
		{"no format", `{"name": "x", "checks": []}`, `report format is ""`},
		{"truncated in the head", g[:40], "ends early"},
		{"truncated in a check", g[:second+60], "checks[1]: the file ends early"},
		{"truncated after the checks", g[:len(g)-10], "ends early"},
		{"a check of the wrong type", strings.Replace(g, `"verdict": "failed"`, `"verdict": 12`, 1), "checks[1]: json: cannot unmarshal number"},
		{"a field of the wrong type", strings.Replace(g, `"strict": false`, `"strict": "no"`, 1), "reading report"},
		{"checks not an array", `{"format": "` + Format + `", "checks": 7}`, "checks is 7, want an array"},
		{"a check not an object", strings.Replace(g, "[\n    {", "[\n    3, {", 1), "checks[0]: json: cannot unmarshal number"},
		{"a huge string", huge, "checks[1]: a value is larger than"},
		{"garbage after", g + "{}", "data after the report's end"},
		{"two checks arrays", strings.Replace(g, `"duration_seconds": 2.345`, `"checks": [], "duration_seconds": 2.345`, 1), "two checks arrays"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewJSONReader(strings.NewReader(c.data), "dir/report.json")
			for n := 0; err == nil; n++ {
				if n > 100 {
					t.Fatal("read more than 100 checks")
				}
				_, err = r.Next()
			}
			if err == io.EOF {
				t.Fatal("read to the end without an error")
			}
			if !strings.HasPrefix(err.Error(), "dir/report.json: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want one naming the file and saying %q", err, c.want)
			}
		})
	}
}

// oldMerge is umconform merge before streaming: every report read whole, merged, written.
func oldMerge(t *testing.T, out string, groups [][]string) {
	t.Helper()
	var runs []Run
	for _, paths := range groups {
		var parts []Part
		for _, p := range paths {
			run, err := ReadJSONFile(p)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, Part{Path: p, Run: run})
		}
		run, err := Merge(parts)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	if err := WriteRuns(out, runs); err != nil {
		t.Fatal(err)
	}
}

// newMerge is umconform merge streamed, as runner.Merge calls it.
func newMerge(t *testing.T, out string, groups [][]string) {
	t.Helper()
	var runs []Run
	var spools []*Spool
	for _, paths := range groups {
		run, sp, err := MergeFiles(paths)
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Close()
		runs = append(runs, run)
		spools = append(spools, sp)
	}
	if _, err := WriteRunsSpooled(out, runs, spools); err != nil {
		t.Fatal(err)
	}
}

// sameFiles fails unless the folders hold the same files, byte for byte.
func sameFiles(t *testing.T, want, got string) {
	t.Helper()
	n := 0
	filepath.WalkDir(want, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		w, _ := os.ReadFile(p)
		g, err := os.ReadFile(filepath.Join(got, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
		} else if !bytes.Equal(w, g) {
			t.Errorf("%s differs (%d bytes streamed, %d before)", rel, len(g), len(w))
		}
		n++
		return nil
	})
	if n == 0 {
		t.Fatal("no file written")
	}
}

// TestMergeFilesWritesWhatMergeWrote: the streamed merge writes the reports the merge of
// whole runs wrote, byte for byte: one target, several targets (the matrix too), shards
// of failing, expected and erroring checks, a shard written out of name order.
func TestMergeFilesWritesWhatMergeWrote(t *testing.T) {
	whole := benchRun(60)
	whole.Checks[3].Verdict, whole.Checks[3].Message = Failed, "broken"
	whole.Checks[10].Verdict = ExpectedFailure
	whole.Checks[11].Verdict, whole.Checks[11].Message = Error, "no answer"
	whole.Checks[20].Evidence.Violations = []string{"2: /a/b: wrong"}
	pick := func(c Check) int { return exchangeOf(c) % 3 }
	write := func(dir string, run Run, shuffle bool) []string {
		parts := shardsOf(run, 3, pick)
		parts[1].Run.Expectations = []Expectation{{Requirement: "S2", Reason: "r", Expires: "2027-01-01", Source: "e.yaml:1"}}
		parts[2].Run.Retries = "1 requests sent again"
		parts[0].Run.CallsPlaced = 4
		if shuffle {
			r := rand.New(rand.NewPCG(7, 1))
			c := parts[1].Run.Checks
			r.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		}
		var paths []string
		for _, p := range slices.Backward(parts) { // the order given does not matter
			paths = append(paths, writeReport(t, dir, p.Path, p.Run))
		}
		return paths
	}
	for _, tc := range []struct {
		name    string
		targets int
		shuffle bool
	}{{"one target", 1, false}, {"a shard out of order", 1, true}, {"three targets", 3, false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir) // relative paths, as a user gives them: the reports name them
			var groups [][]string
			for k := range tc.targets {
				run := whole
				if tc.targets > 1 {
					run.Name = fmt.Sprintf("target%d", k)
					run.Checks = slices.Clone(whole.Checks)
					run.Checks[k].Verdict = Warning
				}
				groups = append(groups, write(run.Name, run, tc.shuffle))
			}
			oldMerge(t, "old", groups)
			newMerge(t, "new", groups)
			sameFiles(t, "old", "new")
		})
	}
}

// TestMergeFilesRefusesAsMergeDoes: the refusals of TestMergeRefuses, from files.
func TestMergeFilesRefusesAsMergeDoes(t *testing.T) {
	whole := benchRun(12)
	pick := func(c Check) int { return exchangeOf(c) % 3 }
	spoilers := map[string]func([]Part) []Part{
		"gap": func(p []Part) []Part { return append(p[:1], p[2:]...) },
		"a check in two shards": func(p []Part) []Part {
			p[2].Run.Checks = append(slices.Clone(p[2].Run.Checks), p[0].Run.Checks[0])
			return p
		},
		"harness version": func(p []Part) []Part { p[1].Run.HarnessVersion = "v9"; return p },
		"not a shard":     func(p []Part) []Part { p[0].Run.Selection = nil; return p },
	}
	for name, spoil := range spoilers {
		t.Run(name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			parts := spoil(shardsOf(whole, 3, pick))
			var paths []string
			for _, p := range parts {
				paths = append(paths, writeReport(t, ".", p.Path, p.Run))
				slices.SortStableFunc(p.Run.Checks, byName) // as written to the file
			}
			_, want := Merge(parts)
			_, sp, got := MergeFiles(paths)
			if sp != nil {
				sp.Close()
			}
			if want == nil || got == nil || got.Error() != want.Error() {
				t.Errorf("streamed: %v\nwhole: %v", got, want)
			}
		})
	}
}

// compareRuns is a base and a new run that differ in every way Compare reports.
func compareRuns() (Run, Run) {
	base := benchRun(30)
	next := benchRun(30)
	next.Started = base.Started.Add(time.Hour)
	next.Checks[1].Verdict, next.Checks[1].Message = Failed, "now broken"
	base.Checks[8].Verdict = Failed
	next.Checks[15].Verdict = Warning
	base.Checks[22].Verdict, next.Checks[22].Verdict = Error, ExpectedFailure
	for _, i := range []int{4, 60, 130} { // T1 checks: their responses
		next.Checks[i].Evidence.Status = 500
	}
	next.Checks[95].Evidence.Response = strings.Replace(next.Checks[95].Evidence.Response, "<soap:Body>", "<soap:Body><Extra/>", 1)
	next.Checks = slices.Delete(next.Checks, 40, 43)
	next.Checks = append(next.Checks, Check{Name: "[Z9] new", Requirements: []string{"Z9"}, Verdict: Passed})
	slices.SortStableFunc(next.Checks, byName)
	slices.SortStableFunc(base.Checks, byName)
	return base, next
}

// TestCompareFilesIsCompare: the streamed comparison finds what Compare finds, and writes
// the same text, with the files in name order or shuffled.
func TestCompareFilesIsCompare(t *testing.T) {
	base, next := compareRuns()
	want := Compare(base, next, DefaultVolatile())
	var wantText bytes.Buffer
	WriteDiff(&wantText, want)
	if len(want.Regressions) == 0 || len(want.Responses) != 4 {
		t.Fatalf("the runs differ too little: %d regressions, %d responses", len(want.Regressions), len(want.Responses))
	}
	for _, shuffle := range []bool{false, true} {
		dir := t.TempDir()
		b, n := base, next
		if shuffle {
			r := rand.New(rand.NewPCG(3, 4))
			b.Checks, n.Checks = slices.Clone(b.Checks), slices.Clone(n.Checks)
			r.Shuffle(len(b.Checks), func(i, j int) { b.Checks[i], b.Checks[j] = b.Checks[j], b.Checks[i] })
			r.Shuffle(len(n.Checks), func(i, j int) { n.Checks[i], n.Checks[j] = n.Checks[j], n.Checks[i] })
		}
		got, err := CompareFiles(writeReport(t, dir, "base.json", b), writeReport(t, dir, "new.json", n), DefaultVolatile())
		if err != nil {
			t.Fatal(err)
		}
		var gotText bytes.Buffer
		WriteDiff(&gotText, got)
		if gotText.String() != wantText.String() {
			t.Errorf("shuffled %v: streamed diff\n%s\nwant\n%s", shuffle, gotText.String(), wantText.String())
		}
		for _, l := range [][2][]Change{{got.Regressions, want.Regressions}, {got.Fixes, want.Fixes}, {got.Changed, want.Changed}, {got.Added, want.Added}, {got.Removed, want.Removed}} {
			if !reflect.DeepEqual(l[0], l[1]) {
				t.Errorf("shuffled %v: %+v, want %+v", shuffle, l[0], l[1])
			}
		}
	}
}

// TestCompareFilesBoundsItsLists: past maxListed a list is counted, not kept, and the
// counts and the regressions that decide the exit code stay exact.
func TestCompareFilesBoundsItsLists(t *testing.T) {
	n := maxListed + 200 // exchanges: more checks than maxListed, more fixtures too
	base, next := benchRun(n), benchRun(n)
	slices.SortStableFunc(base.Checks, byName) // as a run writes them
	for i := range next.Checks {
		next.Checks[i].Verdict = Failed
		if next.Checks[i].Evidence.Response != "" {
			next.Checks[i].Evidence.Status = 500
		}
	}
	slices.SortStableFunc(next.Checks, byName)
	dir := t.TempDir()
	d, err := CompareFiles(writeReport(t, dir, "base.json", base), writeReport(t, dir, "new.json", next), DefaultVolatile())
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Totals(); got.Regressions != len(base.Checks) || got.Responses != n {
		t.Errorf("totals %+v, want %d regressions and %d responses", got, len(base.Checks), n)
	}
	if len(d.Regressions) != maxListed || len(d.Responses) != maxListed {
		t.Errorf("kept %d regressions and %d responses, want %d of each", len(d.Regressions), len(d.Responses), maxListed)
	}
	// The responses kept are the first by fixture, as Compare would list them.
	whole := Compare(base, next, DefaultVolatile())
	if !reflect.DeepEqual(d.Responses, whole.Responses[:maxListed]) {
		t.Error("the responses kept are not the first by fixture")
	}
	if !reflect.DeepEqual(d.Regressions, whole.Regressions[:maxListed]) {
		t.Error("the regressions kept are not the first by name")
	}
	var b bytes.Buffer
	WriteDiff(&b, d)
	for _, want := range []string{fmt.Sprintf("regressions (%d):", len(base.Checks)), fmt.Sprintf("  and %d more\n", len(base.Checks)-maxListed),
		fmt.Sprintf("  and %d more fixtures\n", n-maxListed), fmt.Sprintf("%d regressions, 0 fixes", len(base.Checks))} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diff lacks %q", want)
		}
	}
}
