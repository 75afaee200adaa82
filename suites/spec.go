package suites

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reports"
)

// entryName is the report entry every check records its result under; the report writer
// reads it back (as JSON, which survives Ginkgo's parallel processes).
const entryName = "umconform.check"

// checkSpec is one declared check: the requirement it proves and how to judge it.
type checkSpec struct {
	id       string // requirement ID
	fixture  string // fixture ID, empty for scenario checks
	scenario string // scenario ID (a lifecycle call, a robustness probe), empty for replay checks
	file     string
	title    string
	judge    func(SpecContext) (Outcome, reports.Evidence)
	// keepEvidence keeps the request and response in the reports even when the check
	// passes: one check per replayed fixture does, so that "umconform compare" can diff
	// responses; the other passing checks drop them, which would otherwise repeat the same
	// bytes once per requirement (15 MB of JUnit for 1 000 fixtures).
	keepEvidence bool
	// timeout bounds the spec when it makes more requests than a replay (a lifecycle
	// trace polls for a whole call); zero means specTimeout.
	timeout time.Duration
	// placesCall: judging the check needs a phone call placed (PlacesCallLabel).
	placesCall bool
}

// PlannedCheck is a check the run's filters selected, as declared: what the reports (and
// --list) need of it even when it never ran.
type PlannedCheck struct {
	Name         string
	Labels       []string // the spec containers' labels and the check's own
	Requirements []string
	Fixture      string
	Scenario     string // for checks that replay no fixture: the lifecycle call or robustness probe
	File         string
}

// Unit is the fixture or scenario the check belongs to: the checks of one unit share one
// exchange or trace, so a shard of the run takes or leaves them together.
func (p PlannedCheck) Unit() string { return cmp.Or(p.Fixture, p.Scenario) }

// container declares a Ginkgo container and keeps its text and labels while its body
// declares the checks inside, so that each check is filtered as Ginkgo would filter it.
func (e *Env) container(text string, labels []string, body func()) {
	args := []any{}
	if len(labels) > 0 {
		args = append(args, Label(labels...))
	}
	args = append(args, func() {
		e.path, e.pathLabels = append(e.path, text), append(e.pathLabels, labels...)
		defer func(n, m int) { e.path, e.pathLabels = e.path[:n], e.pathLabels[:m] }(len(e.path)-1, len(e.pathLabels)-len(labels))
		body()
	})
	Describe(text, args...)
}

// plan says whether the run's label filter, focus and skip select check c in the current
// container, and what it will be reported as.
func (e *Env) plan(c checkSpec) (PlannedCheck, bool) {
	name, labels := e.nameAndLabels(c)
	all := append(slices.Clone(e.pathLabels), labels...)
	text := "" // only a focus or skip reads it: 70 000 checks are declared for 10 000 fixtures
	if len(e.cfg.Focus)+len(e.cfg.Skip) > 0 {
		text = strings.Join(append(slices.Clone(e.path), name), " ")
	}
	p := PlannedCheck{Name: name, Labels: all, Requirements: []string{c.id}, Fixture: c.fixture, Scenario: c.scenario, File: c.file}
	if e.cfg.Declared != nil {
		e.cfg.Declared(p)
	}
	if !e.selects(all, text) {
		return p, false
	}
	if e.cfg.Seen != nil {
		e.cfg.Seen(p)
	}
	return p, e.cfg.Subset == nil || e.cfg.Subset(p)
}

// specPlan is one declared spec: the checks it will report and, in a run of one process,
// the results it recorded.
type specPlan struct {
	checks []PlannedCheck
	// units are a replay spec's fixtures not filed yet, whose checks are made when they
	// are needed (plannedLocked); a preview lists its checks in checks instead.
	units []exchangeUnit
	api   *callAPI // the units' API

	mu       sync.Mutex // a spec that timed out may still be recording
	recorded []reports.Check
	spooled  bool // the checks went to the Env's spool as the spec ended (stream.go)
}

// placesCallOnly is the labels a run keeps of a check that places calls (declareSpec).
var placesCallOnly = []string{PlacesCallLabel}

// runLabels is the labels a run (not a preview) keeps of a check.
func runLabels(placesCall bool) []string {
	if placesCall {
		return placesCallOnly
	}
	return nil
}

// declareSpec records which checks a spec will report, keyed by the spec's full text as
// Ginkgo reports it.
func (e *Env) declareSpec(leaf string, checks []PlannedCheck) *specPlan {
	if !e.cfg.Preview {
		// Only a preview lists the labels: a run holds 70 000 plans. The pre-flight
		// still needs to know which checks place calls (Planned), so that one label is
		// kept, as one shared slice.
		for i := range checks {
			checks[i].Labels = runLabels(slices.Contains(checks[i].Labels, PlacesCallLabel))
		}
	}
	sp := &specPlan{checks: checks}
	e.plans[strings.Join(append(slices.Clone(e.path), leaf), " ")] = sp
	return sp
}

// recordedAsPlanned says whether the spec recorded each planned check once, in plan order.
func (e *Env) recordedAsPlanned(sp *specPlan) bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.recorded) != sp.countLocked() {
		return false
	}
	for i, p := range e.plannedLocked(sp) {
		if sp.recorded[i].Name != p.Name {
			return false
		}
	}
	return true
}

// plannedLocked is the checks the spec will report that are not filed yet, made from its
// units for a replay spec; sp.mu is held.
func (e *Env) plannedLocked(sp *specPlan) []PlannedCheck {
	if len(sp.units) == 0 {
		return sp.checks
	}
	out := slices.Clone(sp.checks)
	for i := range sp.units {
		_, planned := e.unitChecks(sp.api, &sp.units[i])
		out = append(out, planned...)
	}
	return out
}

// countLocked is the number of checks plannedLocked returns; sp.mu is held.
func (sp *specPlan) countLocked() int {
	n := len(sp.checks)
	for _, u := range sp.units {
		n += len(u.ids)
	}
	return n
}

// planned is plannedLocked for a caller that does not hold sp.mu.
func (e *Env) planned(sp *specPlan) []PlannedCheck {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return e.plannedLocked(sp)
}

// record keeps a check's result for the reports. In one process the spec's plan holds it.
// Ginkgo's parallel processes each run a share of the specs and only the first writes
// the reports, so there results travel in Ginkgo's report, as report entries (JSON).
func (e *Env) record(sp *specPlan, rec reports.Check) {
	if e.parallel {
		AddReportEntry(entryName, rec, ReportEntryVisibilityNever)
		return
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.recorded == nil {
		sp.recorded = make([]reports.Check, 0, min(sp.countLocked(), 64))
	}
	sp.recorded = append(sp.recorded, rec)
}

// Requirement declares a spec proving catalogue entry c.id, when the run's filters select
// it, and reports whether they did. Its requirement ID, level, area and fixture become labels (so --label-filter=MUST
// selects the mandatory set), its result is recorded for the reports, and a failure names
// the requirement, what was expected, what came back and where.
func (e *Env) Requirement(c checkSpec) bool {
	p, selected := e.plan(c)
	if !selected {
		return false
	}
	sp := e.declareSpec(p.Name, []PlannedCheck{p})
	timeout := c.timeout
	if timeout <= 0 {
		timeout = e.specTimeout()
	}
	own := p.Labels[len(e.pathLabels):] // the containers carry theirs
	It(p.Name, Label(own...), SpecTimeout(timeout), func(ctx SpecContext) {
		rec := e.judge(ctx, c, p)
		e.record(sp, rec)
		e.spoolEnded(ctx, sp)
		failUnlessPassed(rec)
	})
	return true
}

// judge runs one check, planned as p, and grades its outcome.
func (e *Env) judge(ctx SpecContext, c checkSpec, p PlannedCheck) reports.Check {
	start := time.Now()
	rec := reports.Check{Name: p.Name, Requirements: p.Requirements, Fixture: c.fixture, FixtureFile: c.file, Scenario: c.scenario}
	req, known := e.cfg.Catalogue.Lookup(c.id)
	if !known {
		rec.Verdict, rec.Message = reports.Error, fmt.Sprintf("requirement %s is not in the catalogue (version %s)", c.id, catalogue.Version)
		rec.Duration = time.Since(start)
		return rec
	}
	rec.Level, rec.Area = string(req.Level), req.Area
	out, ev := c.judge(ctx)
	rec.Evidence = ev
	exchange := ev.Elapsed
	for _, v := range out.Violations {
		rec.Evidence.Violations = append(rec.Evidence.Violations, v.String())
	}
	rec.Verdict, rec.Message = e.verdict(req, c, out)
	if rec.Verdict == reports.Passed && !c.keepEvidence {
		rec.Evidence = reports.Evidence{States: rec.Evidence.States, Retries: rec.Evidence.Retries} // the cost of a busy target stays visible
	}
	if e.cfg.Grade != nil {
		e.cfg.Grade(&rec)
	}
	rec.Duration = time.Since(start)
	if exchange > 0 { // the target's time, not the wait for a fetch started ahead
		rec.Duration = exchange
	}
	return rec
}

// nameAndLabels are a check's spec text and labels: its requirement ID, level and area,
// and its fixture, so that --label-filter=MUST selects the mandatory set.
func (e *Env) nameAndLabels(c checkSpec) (string, []string) {
	labels := make([]string, 1, 4)
	labels[0] = c.id
	if req, known := e.cfg.Catalogue.Lookup(c.id); known {
		labels = append(labels, string(req.Level), req.Area)
	}
	if c.placesCall {
		labels = append(labels, PlacesCallLabel)
	}
	if c.fixture == "" {
		return "[" + c.id + "] " + c.title, labels
	}
	return "[" + c.id + "] " + c.fixture + ": " + c.title, append(labels, c.fixture)
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
			if e.um.fixtures.Has(s) || e.ews != nil && e.ews.fixtures.Has(s) {
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
	case out.Skipped:
		return reports.Skipped, out.Actual
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

// failUnlessPassed fails the spec when the check failed or could not be judged, so that
// Ginkgo's own exit status and reporters agree with the umconform reports.
func failUnlessPassed(recs ...reports.Check) {
	var msgs []string
	for _, rec := range recs {
		if rec.Verdict == reports.Failed || rec.Verdict == reports.Error {
			msgs = append(msgs, rec.Message)
		}
	}
	if len(msgs) > 0 {
		Fail(strings.Join(msgs, "\n\n"))
	}
}

// finish records a check made without judging (a broken fixture, which has no plan: its
// result travels as a report entry) and fails the spec.
func finish(rec reports.Check, start time.Time) {
	rec.Duration = time.Since(start)
	AddReportEntry(entryName, rec, ReportEntryVisibilityNever)
	failUnlessPassed(rec)
}

// specTimeout bounds one spec: a CallId-bound replay makes three requests (PlayOnPhone,
// the fixture, Disconnect), each bounded by the per-request timeout.
func (e *Env) specTimeout() time.Duration { return 4*e.cfg.Timeout + 5*time.Second }

// runsFrom rebuilds the report model from Ginkgo's report: one Run per target, and for
// each spec the checks it was declared with. Checks a spec did not record (interrupted,
// timed out, panicked, or never started) are accounted for as errors so that the reports
// list every case.
func runsFrom(r Report, envs []*Env) []reports.Run {
	runs := make([]reports.Run, len(envs))
	byLabel := map[string]int{}
	for i, e := range envs {
		runs[i] = e.newRun()
		runs[i].Started, runs[i].Duration = r.StartTime, r.RunTime
		if !e.cfg.Started.IsZero() { // the whole run so far: loading and checks
			runs[i].Started, runs[i].Duration = e.cfg.Started, time.Since(e.cfg.Started)
		}
		byLabel[e.targetLabel()] = i
		n := 0
		for _, sp := range e.plans {
			if !sp.isSpooled() {
				sp.mu.Lock()
				n += sp.countLocked()
				sp.mu.Unlock()
			}
		}
		runs[i].Checks = make([]reports.Check, 0, n)
	}
	// Filters are applied when the checks are declared, so a skipped spec was left out by
	// a Ginkgo file filter, unless the run ended early (interrupt, timeout), when it is a
	// case the run owes.
	endedEarly := len(r.SpecialSuiteFailureReasons) > 0
	first, last := make([]time.Time, len(runs)), make([]time.Time, len(runs))
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if s.State.Is(types.SpecStateSkipped) && !endedEarly {
			continue
		}
		text := s.FullText()
		i, sp := -1, (*specPlan)(nil)
		for j, e := range envs { // the "target NAME" container makes the texts differ
			if p, ok := e.plans[text]; ok {
				i, sp = j, p
				break
			}
		}
		if i < 0 { // declared without a plan (a broken fixture's spec): by its labels
			i = 0
			for _, l := range s.Labels() {
				if j, ok := byLabel[l]; ok {
					i = j
				}
			}
		}
		if sp.isSpooled() {
			continue // its checks are in the spool already
		}
		if spool := envs[i].spool; spool != nil {
			for _, c := range envs[i].checksFrom(s, sp) {
				spool.Add(c)
			}
			continue
		}
		runs[i].Checks = append(runs[i].Checks, envs[i].checksFrom(s, sp)...)
		if !s.StartTime.IsZero() && (first[i].IsZero() || s.StartTime.Before(first[i])) {
			first[i] = s.StartTime
		}
		if s.EndTime.After(last[i]) {
			last[i] = s.EndTime
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

// checksFrom reads the checks spec s recorded (sp is its plan, nil if it has none), and
// makes an erroring one for each check it was declared with but did not record.
func (e *Env) checksFrom(s types.SpecReport, sp *specPlan) []reports.Check {
	endedBadly := s.State.Is(types.SpecStateTimedout | types.SpecStateInterrupted | types.SpecStateAborted | types.SpecStatePanicked)
	if sp != nil && !endedBadly && len(s.ReportEntries) == 0 && e.recordedAsPlanned(sp) {
		return sp.recorded // the common case: every planned check recorded once, in order
	}
	recorded := map[string]reports.Check{}
	var order []string
	keep := func(rec reports.Check) {
		if _, seen := recorded[rec.Name]; !seen {
			order = append(order, rec.Name)
		}
		recorded[rec.Name] = rec
	}
	if sp != nil {
		sp.mu.Lock()
		for _, rec := range sp.recorded {
			keep(rec)
		}
		sp.mu.Unlock()
	}
	for _, entry := range s.ReportEntries {
		if entry.Name != entryName {
			continue
		}
		rec, ok := entry.GetRawValue().(reports.Check)
		if !ok && json.Unmarshal([]byte(entry.Value.AsJSON), &rec) != nil {
			continue
		}
		keep(rec)
	}
	var planned []PlannedCheck
	if sp != nil {
		planned = e.planned(sp)
	} else { // a spec declared without a plan (a broken fixture's): what it recorded
		planned = nil
		for _, name := range order {
			planned = append(planned, PlannedCheck{Name: name})
		}
		if len(planned) == 0 {
			l := e.ParseLabels(s.Labels())
			planned = []PlannedCheck{{Name: s.LeafNodeText, Requirements: l.Requirements, Fixture: l.Fixture}}
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
				req, _ := e.cfg.Catalogue.Lookup(p.Requirements[0])
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

// Planned is the checks the run will make, in the order Ginkgo will run them: r is the
// preview of the run (ginkgo.PreviewSpecs) after Declare.
func Planned(r Report, envs ...*Env) []PlannedCheck {
	var out []PlannedCheck
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt || s.State.Is(types.SpecStateSkipped) {
			continue
		}
		for _, e := range envs {
			if !slices.Contains(s.Labels(), e.targetLabel()) {
				continue
			}
			planned := []PlannedCheck{{Name: s.LeafNodeText, Labels: s.Labels()}}
			if sp, ok := e.plans[s.FullText()]; ok {
				// A check carries its own labels; its spec's (the target, a container's
				// places-call) are added, so that a caller can select by either.
				checks := e.planned(sp)
				planned = make([]PlannedCheck, len(checks))
				for i, c := range checks {
					c.Labels = append(slices.Clip(c.Labels), s.Labels()...)
					planned[i] = c
				}
			} // else declared without a plan (a broken fixture's spec)
			out = append(out, planned...)
		}
	}
	return out
}

// selector decides as Ginkgo does whether a check with these labels and this full text
// (container texts and the check's name, joined by spaces) passes a label filter, focus
// and skip regexps.
func selector(labelFilter string, focus, skip []string) (func(labels []string, text string) bool, error) {
	labelsPass := func([]string) bool { return true }
	if labelFilter != "" {
		f, err := types.ParseLabelFilter(labelFilter)
		var ge types.GinkgoError
		if errors.As(err, &ge) { // its Error() is coloured for a terminal
			return nil, fmt.Errorf("label filter %q: %s: %s", labelFilter, ge.Heading, strings.TrimSpace(ge.Message))
		}
		if err != nil {
			return nil, fmt.Errorf("label filter %q: %w", labelFilter, err)
		}
		labelsPass = f
	}
	compile := func(exprs []string, what string) ([]*regexp.Regexp, error) {
		var res []*regexp.Regexp
		for _, f := range exprs {
			re, err := regexp.Compile(f)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", what, f, err)
			}
			res = append(res, re)
		}
		return res, nil
	}
	focusRes, err := compile(focus, "focus")
	if err != nil {
		return nil, err
	}
	skipRes, err := compile(skip, "skip")
	if err != nil {
		return nil, err
	}
	return func(labels []string, text string) bool {
		matches := func(res []*regexp.Regexp) bool {
			return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(text) })
		}
		return labelsPass(labels) && (len(focusRes) == 0 || matches(focusRes)) && !matches(skipRes)
	}, nil
}
