package reports

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// shardsOf splits a run into n shards as umconform run --shard K/N does, each check to
// the shard pick gives it, each shard started one second after the last on a port of its own.
func shardsOf(run Run, n int, pick func(Check) int) []Part {
	parts := make([]Part, n)
	for k := range parts {
		r := run
		r.Target = fmt.Sprintf("http://127.0.0.1:%d/EWS/UM2007Legacy.asmx (embedded reference server, profile exchange)", 40000+k)
		r.Started = run.Started.Add(time.Duration(k) * time.Second)
		r.Duration = time.Second
		r.Selection = &Selection{LabelFilter: "MUST", Shard: k + 1, Shards: n}
		r.Checks = nil
		parts[k] = Part{Path: fmt.Sprintf("shard-%d/report.json", k+1), Run: r}
	}
	for _, c := range run.Checks {
		k := pick(c)
		parts[k].Run.Checks = append(parts[k].Run.Checks, c)
	}
	for _, p := range parts { // in name order, as a run lists its checks
		slices.SortStableFunc(p.Run.Checks, byName)
	}
	return parts
}

func TestMergeGivesTheUnshardedRun(t *testing.T) {
	whole := benchRun(40)
	whole.Target = "http://127.0.0.1:39999/EWS/UM2007Legacy.asmx (embedded reference server, profile exchange)"
	whole.Checks[3].Verdict, whole.Checks[3].Message = Failed, "broken"
	whole.Checks[10].Verdict = ExpectedFailure
	byFixture := func(c Check) int { return exchangeOf(c) % 4 }
	parts := shardsOf(whole, 4, byFixture)
	parts[1].Run.Expectations = []Expectation{{Requirement: "S2", Reason: "r", Expires: "2027-01-01", Source: "e.yaml:1"}}
	parts[3].Run.Expectations = []Expectation{{Requirement: "S2", Reason: "r", Expires: "2027-01-01", Source: "e.yaml:1", Expired: true}}
	parts[3].Run.Retries = "1 requests sent again after transient faults (1 reset connections); 100ms spent waiting"
	slices.Reverse(parts)               // the order given does not matter
	slices.Reverse(parts[2].Run.Checks) // nor a shard's own order

	merged, err := Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Checks) != len(whole.Checks) {
		t.Fatalf("%d checks merged, want %d", len(merged.Checks), len(whole.Checks))
	}
	want := slices.Clone(whole.Checks)
	slices.SortStableFunc(want, func(a, b Check) int { return strings.Compare(a.Name, b.Name) })
	for i := range want {
		if merged.Checks[i].Name != want[i].Name || merged.Checks[i].Verdict != want[i].Verdict {
			t.Fatalf("check %d is %s (%s), want %s (%s)", i, merged.Checks[i].Name, merged.Checks[i].Verdict, want[i].Name, want[i].Verdict)
		}
	}
	if merged.ExitCode() != 1 {
		t.Errorf("exit code %d, want 1", merged.ExitCode())
	}
	sel := merged.Selection
	if sel == nil || sel.Shards != 0 || sel.LabelFilter != "MUST" || !slices.Equal(sel.MergedFrom, []string{"shard-1/report.json", "shard-2/report.json", "shard-3/report.json", "shard-4/report.json"}) {
		t.Errorf("selection %+v", sel)
	}
	if !merged.Started.Equal(whole.Started) || merged.Duration != 4*time.Second {
		t.Errorf("started %v after %v, want %v after 4s (first start to last end)", merged.Started, merged.Duration, whole.Started)
	}
	if len(merged.Expectations) != 1 || !merged.Expectations[0].Expired {
		t.Errorf("expectations %+v, want the one entry, expired (one shard ran after its day)", merged.Expectations)
	}
	if merged.Retries != "shard-4/report.json: "+parts[0].Run.Retries {
		t.Errorf("retries %q, want shard 4's account, named", merged.Retries)
	}
	if p := merged.Selection.Partial(); !strings.HasPrefix(p, "merged from 4 shards: shard-1/report.json") {
		t.Errorf("Partial() = %q", p)
	}
}

// Merge refuses what no single run could have written, and names the files.
func TestMergeRefuses(t *testing.T) {
	whole := benchRun(12)
	pick := func(c Check) int { return exchangeOf(c) % 3 }
	cases := []struct {
		name  string
		spoil func([]Part) []Part
		want  []string
	}{
		{"gap", func(p []Part) []Part { return append(p[:1], p[2:]...) },
			[]string{"shard 2 of 3 is missing (merging shard-1/report.json, shard-3/report.json)"}},
		{"same K twice", func(p []Part) []Part {
			p = append(p, p[1])
			p[3].Path = "again/report.json"
			return p
		}, []string{"shard-2/report.json and again/report.json are both shard 2 of 3: they overlap"}},
		{"a check in two shards", func(p []Part) []Part {
			p[2].Run.Checks = append(slices.Clone(p[2].Run.Checks), p[0].Run.Checks[0])
			return p
		}, []string{"is in shard-1/report.json and shard-3/report.json: the shards overlap"}},
		{"other split", func(p []Part) []Part {
			s := *p[2].Run.Selection
			s.Shards = 4
			p[2].Run.Selection = &s
			return p
		}, []string{`shard-3/report.json has split "N = 4" but shard-1/report.json has "N = 3"`}},
		{"harness version", func(p []Part) []Part { p[1].Run.HarnessVersion = "v9"; return p },
			[]string{`shard-2/report.json has harness version "v9" but shard-1/report.json has "(devel)"`}},
		{"catalogue version", func(p []Part) []Part { p[2].Run.CatalogueVersion = "2030-01-01.1"; return p },
			[]string{`shard-3/report.json has catalogue version "2030-01-01.1"`}},
		{"target", func(p []Part) []Part {
			p[1].Run.Target = "http://127.0.0.1:1/EWS/UM2007Legacy.asmx (embedded reference server, profile t2-text-plain)"
			return p
		}, []string{"shard-2/report.json has target", "profile t2-text-plain"}},
		{"strict", func(p []Part) []Part { p[0].Run.Strict = true; return p },
			[]string{`has strict mode "false" but shard-1/report.json has "true"`}},
		{"label filter", func(p []Part) []Part {
			s := *p[1].Run.Selection
			s.LabelFilter = "T1"
			p[1].Run.Selection = &s
			return p
		}, []string{`shard-2/report.json has label filter "T1" but shard-1/report.json has "MUST"`}},
		{"not a shard", func(p []Part) []Part { p[0].Run.Selection = nil; return p },
			[]string{"shard-1/report.json is not a shard (its run had no --shard)"}},
		{"a rerun", func(p []Part) []Part {
			s := *p[0].Run.Selection
			s.RerunOf = "old/report.json"
			p[0].Run.Selection = &s
			return p
		}, []string{"shard-1/report.json reran the failed checks of old/report.json"}},
		{"already merged", func(p []Part) []Part {
			p[0].Run.Selection = &Selection{MergedFrom: []string{"x", "y"}}
			return p
		}, []string{"shard-1/report.json is already merged (from x, y)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Merge(c.spoil(shardsOf(whole, 3, pick)))
			if err == nil {
				t.Fatal("merged")
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	if _, err := Merge(nil); err == nil {
		t.Error("merged nothing")
	}
	if _, err := Merge(shardsOf(whole, 3, pick)); err != nil {
		t.Errorf("the unspoilt shards: %v", err)
	}
}
