// Package results turns Ginkgo's report of a run into the report model (reports.Run), one
// run per target, and has the reports written: the step between the suites, which produce
// results, and the reports, which render them.
package results

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	ginkgo "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/suites"
)

// Declare declares the checks of each target's Env (suites.Declare) and has the report
// model made once the run has ended: with dir, the reports are written there (each
// target's to dir/NAME when there are several, and the requirement × target matrix to
// dir). done (optional) receives the model, one Run per target.
func Declare(dir string, done func([]reports.Run), envs ...*suites.Env) {
	var spools *Spools
	suites.Declare(func(r ginkgo.Report) {
		runs, err := spools.Collect(r, envs, dir)
		if err != nil {
			ginkgo.Fail(fmt.Sprintf("writing the reports: %v", err))
		}
		if done != nil {
			done(runs)
		}
	}, envs...)
	if dir != "" {
		spools = Start(envs)
	}
}

// Spools hold each target's checks as its specs end, so that a run's memory does not grow
// with its checks (docs/PERFORMANCE.md); nil or empty keeps them in memory to the end.
type Spools struct {
	spools []*reports.Spool
}

// Start has each Env's checks spooled as its specs end, once they are declared
// (suites.Declare). Not in Ginkgo's parallel processes, whose results travel in Ginkgo's
// report; and all or none: the reports are written one way. An Env without one keeps its
// checks in memory to the end, as when the temporary folder cannot be made.
func Start(envs []*suites.Env) *Spools {
	s := &Spools{}
	for _, e := range envs {
		if e.Parallel() {
			s.Close()
			return &Spools{}
		}
		sp, err := reports.NewSpool()
		if err != nil {
			s.Close()
			return &Spools{}
		}
		s.spools = append(s.spools, sp)
	}
	for i, e := range envs {
		e.SpoolTo(s.spools[i].Add)
	}
	return s
}

// of is target i's spool, nil when the checks are kept in memory.
func (s *Spools) of(i int) *reports.Spool {
	if s == nil || i >= len(s.spools) {
		return nil
	}
	return s.spools[i]
}

// Close removes the spools' files.
func (s *Spools) Close() {
	if s == nil {
		return
	}
	for _, sp := range s.spools {
		sp.Close()
	}
	s.spools = nil
}

// Collect makes the report model of the run Ginkgo reported, each run completed by its
// Env's Config.Amend; with dir, it writes the reports there too (each target's to dir/NAME
// when there are several, and the requirement × target matrix to dir), and closes the
// spools.
func (s *Spools) Collect(r ginkgo.Report, envs []*suites.Env, dir string) ([]reports.Run, error) {
	runs := s.runs(r, envs)
	for i, e := range envs {
		if amend := e.Config().Amend; amend != nil {
			amend(&runs[i])
		}
	}
	if dir == "" {
		return runs, nil
	}
	if s != nil && len(s.spools) > 0 {
		defer s.Close()
		return reports.WriteRunsSpooled(dir, runs, s.spools)
	}
	return runs, reports.WriteRuns(dir, runs)
}

// runs rebuilds the report model from Ginkgo's report: one Run per target, and for each
// spec the checks it was declared with. Checks a spec did not record (interrupted, timed
// out, panicked, or never started) are accounted for as errors so that the reports list
// every case. A target with a spool (s) has its checks added to it instead.
func (s *Spools) runs(r ginkgo.Report, envs []*suites.Env) []reports.Run {
	runs := make([]reports.Run, len(envs))
	byLabel := map[string]int{}
	for i, e := range envs {
		runs[i] = e.NewRun()
		runs[i].Started, runs[i].Duration = r.StartTime, r.RunTime
		if started := e.Config().Started; !started.IsZero() { // the whole run so far: loading and checks
			runs[i].Started, runs[i].Duration = started, time.Since(started)
		}
		byLabel[e.TargetLabel()] = i
		runs[i].Checks = make([]reports.Check, 0, e.Recorded())
	}
	// Filters are applied when the checks are declared, so a skipped spec was left out by
	// a Ginkgo file filter, unless the run ended early (interrupt, timeout), when it is a
	// case the run owes.
	endedEarly := len(r.SpecialSuiteFailureReasons) > 0
	first, last := make([]time.Time, len(runs)), make([]time.Time, len(runs))
	for _, spec := range r.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if spec.State.Is(types.SpecStateSkipped) && !endedEarly {
			continue
		}
		text := spec.FullText()
		i, rec, planned := -1, suites.SpecRecord{}, false
		for j, e := range envs { // the "target NAME" container makes the texts differ
			if r, ok := e.SpecRecord(text); ok {
				i, rec, planned = j, r, true
				break
			}
		}
		if i < 0 { // declared without a plan (a broken fixture's spec): by its labels
			i = 0
			for _, l := range spec.Labels() {
				if j, ok := byLabel[l]; ok {
					i = j
				}
			}
		}
		if rec.Spooled {
			continue // its checks are in the spool already
		}
		if spool := s.of(i); spool != nil {
			for _, c := range checksFrom(envs[i], spec, rec, planned) {
				spool.Add(c)
			}
			continue
		}
		runs[i].Checks = append(runs[i].Checks, checksFrom(envs[i], spec, rec, planned)...)
		if !spec.StartTime.IsZero() && (first[i].IsZero() || spec.StartTime.Before(first[i])) {
			first[i] = spec.StartTime
		}
		if spec.EndTime.After(last[i]) {
			last[i] = spec.EndTime
		}
	}
	// Of several targets, each run spans its own specs, first start to last end: the
	// whole run's time on every column of the matrix said nothing of any one target.
	if len(runs) > 1 {
		for i := range runs {
			if !first[i].IsZero() && last[i].After(first[i]) {
				runs[i].Started, runs[i].Duration = first[i], last[i].Sub(first[i])
			}
		}
	}
	for _, run := range runs {
		sortByName(run.Checks)
	}
	return runs
}

// sortByName orders checks by name, keeping the run order of equal names. A name starts
// with its requirement ("[C1] fixture: title"), and the checks of one requirement mostly
// arrive in name order already (fixture by fixture): so the checks are grouped by that
// prefix, and a group is sorted only if it is not in order. Ordering by prefix first is
// ordering by name: a prefix runs to the first ']' inclusive (or is the whole name), so
// one can be a proper prefix of another only if it is a whole name, which then sorts
// before every name of the other group anyway. Indices move, not the checks: they are
// large.
func sortByName(checks []reports.Check) {
	groups := map[string][]int{}
	for i, c := range checks {
		key := c.Name
		if end := strings.IndexByte(key, ']'); end >= 0 {
			key = key[:end+1]
		}
		groups[key] = append(groups[key], i)
	}
	byName := func(a, b int) int {
		return cmp.Or(strings.Compare(checks[a].Name, checks[b].Name), cmp.Compare(a, b))
	}
	sorted := make([]reports.Check, 0, len(checks))
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		idx := groups[key]
		if !slices.IsSortedFunc(idx, byName) {
			slices.SortFunc(idx, byName)
		}
		for _, i := range idx {
			sorted = append(sorted, checks[i])
		}
	}
	copy(checks, sorted)
}

// checksFrom reads the checks spec s recorded (sp is its record; hasPlan is false for a
// spec declared without a plan), and makes an erroring one for each check it was declared
// with but did not record.
func checksFrom(e *suites.Env, s types.SpecReport, sp suites.SpecRecord, hasPlan bool) []reports.Check {
	endedBadly := s.State.Is(types.SpecStateTimedout | types.SpecStateInterrupted | types.SpecStateAborted | types.SpecStatePanicked)
	if hasPlan && !endedBadly && len(s.ReportEntries) == 0 && sp.AsPlanned {
		return sp.Recorded // the common case: every planned check recorded once, in order
	}
	recorded := map[string]reports.Check{}
	var order []string
	keep := func(rec reports.Check) {
		if _, seen := recorded[rec.Name]; !seen {
			order = append(order, rec.Name)
		}
		recorded[rec.Name] = rec
	}
	for _, rec := range sp.Recorded {
		keep(rec)
	}
	for _, entry := range s.ReportEntries {
		if entry.Name != suites.CheckEntry {
			continue
		}
		rec, ok := entry.GetRawValue().(reports.Check)
		if !ok && json.Unmarshal([]byte(entry.Value.AsJSON), &rec) != nil {
			continue
		}
		keep(rec)
	}
	var planned []suites.PlannedCheck
	if hasPlan {
		planned = sp.Planned()
	} else { // a spec declared without a plan (a broken fixture's): what it recorded
		planned = nil
		for _, name := range order {
			planned = append(planned, suites.PlannedCheck{Name: name})
		}
		if len(planned) == 0 {
			l := e.ParseLabels(s.Labels())
			planned = []suites.PlannedCheck{{Name: s.LeafNodeText, Requirements: l.Requirements, Fixture: l.Fixture}}
		}
	}
	out := make([]reports.Check, 0, len(planned))
	for _, p := range planned {
		rec, found := recorded[p.Name]
		switch {
		case !found:
			msg := fmt.Sprintf("the check ended %s before judging: %s", s.State, s.Failure.Message)
			if s.State.Is(types.SpecStateSkipped) {
				msg = "not run: the run was interrupted before this check"
			}
			rec = reports.Check{Name: p.Name, Verdict: reports.Error, Message: msg,
				Requirements: p.Requirements, Fixture: p.Fixture, FixtureFile: p.File, Scenario: p.Scenario}
			if len(p.Requirements) > 0 {
				req, _ := e.Config().Catalogue.Lookup(p.Requirements[0])
				rec.Level, rec.Area = string(req.Level), req.Area
			}
			if len(planned) == 1 {
				rec.Duration = s.RunTime
			}
		case len(planned) == 1 && rec.Verdict != reports.Failed && endedBadly:
			// A lone check whose spec then ended badly is not trusted. The checks of an
			// exchange each record a finished judgement, which a later one's end leaves valid.
			rec.Verdict = reports.Error
			rec.Message = strings.TrimSpace(rec.Message + "\n" + s.Failure.Message)
		}
		out = append(out, rec)
	}
	return out
}
