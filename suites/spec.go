package suites

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/suites/catalogue"
)

// entryName is the report entry every check records its result under; the report writer
// reads it back (as JSON, which survives Ginkgo's parallel processes).
const entryName = "umconform.check"

// checkSpec is one declared check: the requirement it proves and how to judge it.
type checkSpec struct {
	id      string // requirement ID
	fixture string // fixture ID, empty for scenario checks
	file    string
	title   string
	judge   func(SpecContext) (Outcome, reports.Evidence)
	// keepEvidence keeps the request and response in the reports even when the check
	// passes: one check per replayed fixture does, so that "umconform compare" can diff
	// responses; the other passing checks drop them, which would otherwise repeat the same
	// bytes once per requirement (15 MB of JUnit for 1 000 fixtures).
	keepEvidence bool
	// timeout bounds the spec when it makes more requests than a replay (a lifecycle
	// trace polls for a whole call); zero means specTimeout.
	timeout time.Duration
}

// Requirement declares a spec proving catalogue entry c.id. Its requirement ID, level,
// area and fixture become labels (so --label-filter=MUST selects the mandatory set), its
// result is recorded for the reports, and a failure names the requirement, what was
// expected, what came back and where.
func (e *Env) Requirement(c checkSpec) {
	req, known := e.cfg.Catalogue.Lookup(c.id)
	name, labels := e.nameAndLabels(c)
	timeout := c.timeout
	if timeout <= 0 {
		timeout = e.specTimeout()
	}
	It(name, Label(labels...), SpecTimeout(timeout), func(ctx SpecContext) {
		start := time.Now()
		rec := reports.Check{Name: name, Requirements: []string{c.id}, Fixture: c.fixture, FixtureFile: c.file}
		if !known {
			rec.Verdict, rec.Message = reports.Error, fmt.Sprintf("requirement %s is not in the catalogue (version %s)", c.id, catalogue.Version)
			finish(rec, start)
			return
		}
		rec.Level, rec.Area = string(req.Level), req.Area
		out, ev := c.judge(ctx)
		rec.Evidence = ev
		for _, v := range out.Violations {
			rec.Evidence.Violations = append(rec.Evidence.Violations, v.String())
		}
		rec.Verdict, rec.Message = e.verdict(req, c, out)
		if rec.Verdict == reports.Passed && !c.keepEvidence {
			rec.Evidence = reports.Evidence{States: rec.Evidence.States}
		}
		finish(rec, start)
	})
}

// nameAndLabels are a check's spec text and labels: its requirement ID, level and area,
// and its fixture, so that --label-filter=MUST selects the mandatory set.
func (e *Env) nameAndLabels(c checkSpec) (string, []string) {
	labels := []string{c.id}
	if req, known := e.cfg.Catalogue.Lookup(c.id); known {
		labels = append(labels, string(req.Level), req.Area)
	}
	name := fmt.Sprintf("[%s] %s", c.id, c.title)
	if c.fixture != "" {
		labels = append(labels, c.fixture)
		name = fmt.Sprintf("[%s] %s: %s", c.id, c.fixture, c.title)
	}
	return name, labels
}

// CheckLabels is what a check's Ginkgo labels say, read back as Requirement writes them.
type CheckLabels struct {
	Requirements []string // catalogue IDs the check proves
	Unknown      []string // labels shaped like requirement IDs that the catalogue lacks
	Fixture      string   // the fixture the check replays, if any
}

// ParseLabels reads a check's labels: requirement IDs (a capital letter and digits, as the
// catalogue's), levels, areas, a fixture ID and the target label.
func (e *Env) ParseLabels(labels []string) CheckLabels {
	var l CheckLabels
	for _, s := range labels {
		switch {
		case isRequirementID(s):
			if _, ok := e.cfg.Catalogue.Lookup(s); ok {
				l.Requirements = append(l.Requirements, s)
			} else {
				l.Unknown = append(l.Unknown, s)
			}
		default:
			if _, ok := e.cfg.Corpus.Lookup(s); ok {
				l.Fixture = s
			}
		}
	}
	return l
}

func isRequirementID(s string) bool {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// verdict grades an outcome by the requirement's level: MUST breaks fail, SHOULD breaks
// warn (fail with --strict), MAY breaks are information.
func (e *Env) verdict(req catalogue.Requirement, c checkSpec, out Outcome) (reports.Verdict, string) {
	where := ""
	if c.file != "" {
		where = "\n  fixture:  " + c.file
	}
	switch {
	case out.CannotJudge:
		return reports.Error, fmt.Sprintf("%s could not be judged: %s%s", req.ID, out.Actual, where)
	case out.Pass:
		return reports.Passed, out.Note
	}
	msg := fmt.Sprintf("%s (%s) broken: %s\n  expected: %s\n  actual:   %s\n  where:    %s%s",
		req.ID, req.Level, req.Text, out.Expected, out.Actual, out.Where, where)
	switch {
	case req.Level == catalogue.MUST, req.Level == catalogue.SHOULD && e.cfg.Strict:
		return reports.Failed, msg
	case req.Level == catalogue.SHOULD:
		return reports.Warning, msg
	}
	return reports.Info, msg
}

// finish records the check and fails the spec when the check did not pass, so that
// Ginkgo's own exit status and reporters agree with the umconform reports. The entry holds
// the Check itself: in one process the report reads it back as is; across Ginkgo's
// parallel processes it travels as JSON.
func finish(rec reports.Check, start time.Time) {
	rec.Duration = time.Since(start)
	AddReportEntry(entryName, rec, ReportEntryVisibilityNever)
	switch rec.Verdict {
	case reports.Failed, reports.Error:
		Fail(rec.Message)
	}
}

// specTimeout bounds one spec: a CallId-bound replay makes three requests (PlayOnPhone,
// the fixture, Disconnect), each bounded by the per-request timeout.
func (e *Env) specTimeout() time.Duration { return 4*e.cfg.Timeout + 5*time.Second }

// runsFrom rebuilds the report model from Ginkgo's report: one Run per target, one Check
// per spec; specs that ended without recording (interrupted, timed out, panicked) are
// accounted for as errors so that the reports list every case.
func runsFrom(r Report, envs []*Env) []reports.Run {
	runs := make([]reports.Run, len(envs))
	byLabel := map[string]int{}
	for i, e := range envs {
		runs[i] = e.newRun()
		runs[i].Started, runs[i].Duration = r.StartTime, r.RunTime
		byLabel[e.targetLabel()] = i
	}
	selected := selection(r.SuiteConfig)
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if s.State.Is(types.SpecStateSkipped) && !selected(s) {
			continue // left out by --label-filter or --focus
		}
		i := 0
		for _, l := range s.Labels() {
			if j, ok := byLabel[l]; ok {
				i = j
			}
		}
		runs[i].Checks = append(runs[i].Checks, envs[i].checkFrom(s))
	}
	for _, run := range runs {
		slices.SortStableFunc(run.Checks, func(a, b reports.Check) int { return strings.Compare(a.Name, b.Name) })
	}
	return runs
}

// selection tells the specs the run's filters selected from those they left out. A
// selected spec reported as skipped was never run because the run was interrupted (Ctrl-C,
// SIGTERM): the reports account for it as an error rather than drop it.
func selection(cfg types.SuiteConfig) func(types.SpecReport) bool {
	selects := selector(cfg)
	return func(s types.SpecReport) bool { return selects(s.Labels(), s.FullText()) }
}

// selector decides as Ginkgo does whether a spec with these labels and this full text
// (container texts and the spec's own, joined by spaces) passes the run's label filter,
// focus and skip.
func selector(cfg types.SuiteConfig) func(labels []string, text string) bool {
	labelsPass := func([]string) bool { return true }
	if cfg.LabelFilter != "" {
		if f, err := types.ParseLabelFilter(cfg.LabelFilter); err == nil {
			labelsPass = f
		}
	}
	var focus, skip []*regexp.Regexp
	for _, f := range cfg.FocusStrings {
		if re, err := regexp.Compile(f); err == nil {
			focus = append(focus, re)
		}
	}
	for _, f := range cfg.SkipStrings {
		if re, err := regexp.Compile(f); err == nil {
			skip = append(skip, re)
		}
	}
	return func(labels []string, text string) bool {
		matches := func(res []*regexp.Regexp) bool {
			return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(text) })
		}
		return labelsPass(labels) && (len(focus) == 0 || matches(focus)) && !matches(skip)
	}
}

// checkFrom reads the check a spec recorded, or makes an erroring one for a spec that
// ended before recording.
func (e *Env) checkFrom(s types.SpecReport) reports.Check {
	var rec reports.Check
	found := false
	for _, entry := range s.ReportEntries {
		if entry.Name != entryName {
			continue
		}
		if c, ok := entry.GetRawValue().(reports.Check); ok {
			rec, found = c, true
		} else {
			found = json.Unmarshal([]byte(entry.Value.AsJSON), &rec) == nil
		}
	}
	switch {
	case !found:
		msg := fmt.Sprintf("the check ended %s before judging: %s", s.State, s.Failure.Message)
		if s.State.Is(types.SpecStateSkipped) {
			msg = "not run: the run was interrupted before this check"
		}
		l := e.ParseLabels(s.Labels())
		rec = reports.Check{Name: s.LeafNodeText, Verdict: reports.Error, Duration: s.RunTime, Message: msg,
			Requirements: l.Requirements, Fixture: l.Fixture}
		if len(l.Requirements) > 0 {
			req, _ := e.cfg.Catalogue.Lookup(l.Requirements[0])
			rec.Level, rec.Area = string(req.Level), req.Area
		}
	case s.State.Is(types.SpecStateTimedout|types.SpecStateInterrupted|types.SpecStateAborted|types.SpecStatePanicked) && rec.Verdict != reports.Failed:
		rec.Verdict = reports.Error
		rec.Message = strings.TrimSpace(rec.Message + "\n" + s.Failure.Message)
	}
	return rec
}
