package runner

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/suites"
)

// shard is share K of N of a run's fixtures and scenarios, 1-based; N == 0 is the whole run.
type shard struct{ k, n int }

// parseShard reads --shard K/N (K may be written INDEX+1).
func parseShard(s string) (shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	k, errK := strconv.Atoi(ks)
	// A Kubernetes Indexed Job counts from 0, and the image has no shell to add one:
	// "--shard=$(JOB_COMPLETION_INDEX)+1/N", which Kubernetes expands, is share index+1.
	if i, ok := strings.CutSuffix(ks, "+1"); ok {
		k, errK = strconv.Atoi(i)
		k++
	}
	n, errN := strconv.Atoi(ns)
	if !ok || errK != nil || errN != nil || n < 1 || k < 1 || k > n {
		return shard{}, fmt.Errorf("--shard %q: want K/N with 1 ≤ K ≤ N, such as 2/4 (from a Kubernetes Indexed Job: $(JOB_COMPLETION_INDEX)+1/N)", s)
	}
	return shard{k, n}, nil
}

// keeps says whether the fixture or scenario unit falls in this shard. The split hashes
// the unit's ID (FNV-1a), so it depends on nothing else: adding a fixture never moves
// another to a different shard, and every process of a run computes the same split.
func (s shard) keeps(unit string) bool {
	if s.n <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(unit))
	return h.Sum64()%uint64(s.n) == uint64(s.k-1)
}

// rerun is a report whose failed and errored checks a run makes again.
type rerun struct {
	path  string
	name  string // the report's target name
	names map[string]bool
}

// readReruns reads --rerun-failed: a report.json, or a report folder: its report.json, or
// for a run of several targets each NAME/report.json.
func readReruns(path string) ([]rerun, error) {
	paths := []string{path}
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("--rerun-failed: %w", err)
	} else if st.IsDir() {
		paths = nil
		if _, err := os.Stat(filepath.Join(path, "report.json")); err == nil {
			paths = []string{filepath.Join(path, "report.json")}
		} else if paths, err = filepath.Glob(filepath.Join(path, "*", "report.json")); err != nil || len(paths) == 0 {
			return nil, fmt.Errorf("--rerun-failed %s: no report.json in the folder nor in its target folders: pass the report.json of the run to repeat", path)
		}
	}
	var out []rerun
	for _, p := range paths {
		// Read a check at a time: a run to repeat may be a week of recorded traffic.
		run, err := reports.ReadJSONFileKeeping(p, func(c reports.Check) bool {
			return c.Verdict == reports.Failed || c.Verdict == reports.Error
		})
		if err != nil {
			return nil, fmt.Errorf("--rerun-failed: %w", err)
		}
		r := rerun{path: p, name: run.Name, names: map[string]bool{}}
		for _, c := range run.Checks {
			r.names[c.Name] = true
		}
		out = append(out, r)
	}
	return out, nil
}

// rerunsByTarget matches the reports of --rerun-failed to the run's targets: by target
// name, or the one report to the one target whatever their names.
func rerunsByTarget(rs []rerun, targets []Target) (map[string]*rerun, error) {
	out := map[string]*rerun{}
	if len(rs) == 1 && len(targets) == 1 {
		out[targets[0].Name] = &rs[0]
		return out, nil
	}
	var have []string
	for i := range rs {
		out[rs[i].name] = &rs[i]
		have = append(have, rs[i].name)
	}
	for _, t := range targets {
		if out[t.Name] == nil {
			return nil, fmt.Errorf("--rerun-failed: no report of target %s among those given (%s): pass the report folder of a run of the same targets", t.Name, strings.Join(have, ", "))
		}
	}
	return out, nil
}

// subset is the suites' Subset for one target: the shard's units, and of a rerun the
// checks that failed or errored. Nil when the run makes every check the filters select.
func (c *Config) subset(target string) func(suites.PlannedCheck) bool {
	rr := c.reruns[target]
	if c.shard.n <= 1 && rr == nil {
		return nil
	}
	return func(p suites.PlannedCheck) bool {
		return c.shard.keeps(p.Unit()) && (rr == nil || rr.names[p.Name])
	}
}

// amend completes one target's report model: what share of the checks the run made, and
// the expectations file's entries (the checks were graded as they were judged).
func (c *Config) amend(target string) func(*reports.Run) {
	return func(run *reports.Run) {
		sel := reports.Selection{LabelFilter: c.LabelFilter, Focus: slices.Clone(c.Focus)}
		if c.shard.n > 0 {
			sel.Shard, sel.Shards = c.shard.k, c.shard.n
		}
		if rr := c.reruns[target]; rr != nil {
			sel.RerunOf = rr.path
		}
		if sel.LabelFilter != "" || len(sel.Focus) > 0 || sel.Shards > 0 || sel.RerunOf != "" {
			run.Selection = &sel
		}
		if c.expectations != nil {
			run.Expectations = c.expectations.List(c.day)
		}
	}
}
