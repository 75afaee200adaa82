package suites

import (
	"cmp"
	"errors"
	"fmt"
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

// CheckEntry is the report entry every check records its result under in Ginkgo's parallel
// processes; the report model is read back from it (as JSON, which survives them).
const CheckEntry = "umconform.check"

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

// withLabels appends to labels those of more it lacks: a container and a check may both
// carry a label (auth, places-call), and --list names each once.
func withLabels(labels, more []string) []string {
	for _, l := range more {
		if !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	return labels
}

// plan says whether the run's label filter, focus and skip select check c in the current
// container, and what it will be reported as.
func (e *Env) plan(c checkSpec) (PlannedCheck, bool) {
	name, labels := e.nameAndLabels(c)
	all := withLabels(slices.Clone(e.pathLabels), labels)
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
		AddReportEntry(CheckEntry, rec, ReportEntryVisibilityNever)
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
	AddReportEntry(CheckEntry, rec, ReportEntryVisibilityNever)
	failUnlessPassed(rec)
}

// specTimeout bounds one spec: a CallId-bound replay makes three requests (PlayOnPhone,
// the fixture, Disconnect), each bounded by the per-request timeout.
func (e *Env) specTimeout() time.Duration { return 4*e.cfg.Timeout + 5*time.Second }

// SpecRecord is what one declared spec planned and recorded: what the report model is made
// of once the run has ended (package results).
type SpecRecord struct {
	// Recorded are the checks the spec recorded, in order; AsPlanned says they are its
	// planned checks, each recorded once, in order (the common case).
	Recorded  []reports.Check
	AsPlanned bool
	// Spooled: the checks went to the Env's sink as the spec ended (SpoolTo); the rest is
	// empty.
	Spooled bool
	plan    *specPlan
	env     *Env
}

// Planned is the checks the spec was declared with.
func (r SpecRecord) Planned() []PlannedCheck { return r.env.planned(r.plan) }

// SpecRecord returns what the spec of this full text (as Ginkgo reports it) planned and
// recorded; false for a spec declared without a plan (a broken fixture's) or another
// target's.
func (e *Env) SpecRecord(fullText string) (SpecRecord, bool) {
	sp, ok := e.plans[fullText]
	if !ok {
		return SpecRecord{}, false
	}
	r := SpecRecord{plan: sp, env: e, Spooled: sp.isSpooled()}
	if r.Spooled {
		return r, true
	}
	r.AsPlanned = e.recordedAsPlanned(sp)
	sp.mu.Lock()
	r.Recorded = sp.recorded
	sp.mu.Unlock()
	return r, true
}

// Recorded counts the checks of the specs not spooled yet: what the report model will
// hold of this target's run.
func (e *Env) Recorded() int {
	n := 0
	for _, sp := range e.plans {
		if !sp.isSpooled() {
			sp.mu.Lock()
			n += sp.countLocked()
			sp.mu.Unlock()
		}
	}
	return n
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
			if !slices.Contains(s.Labels(), e.TargetLabel()) {
				continue
			}
			planned := []PlannedCheck{{Name: s.LeafNodeText, Labels: s.Labels()}}
			if sp, ok := e.plans[s.FullText()]; ok {
				// A check carries its own labels; its spec's (the target, a container's
				// places-call) are added, so that a caller can select by either.
				checks := e.planned(sp)
				planned = make([]PlannedCheck, len(checks))
				for i, c := range checks {
					c.Labels = withLabels(slices.Clip(c.Labels), s.Labels())
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
