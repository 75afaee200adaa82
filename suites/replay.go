package suites

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unique"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// judges maps a requirement a fixture names to how its exchange is judged. A requirement
// not listed here is judged by the fixture's expected outcome (judgeExpectation).
var judges = map[string]func(*Exchange) Outcome{
	"T1":  judgeT1,
	"T2":  judgeT2,
	"T3":  judgeT3,
	"T5":  judgeT5,
	"T6":  judgeT6,
	"T7":  judgeT7,
	"T8":  judgeT8,
	"T9":  judgeT9,
	"T10": judgeT10,
	"S1":  judgeSuccessSchema("GetCallInfo"),
	"S2":  judgeS2,
	"S3":  judgeS3,
	"S4":  judgeSuccessSchema("PlayOnPhone"),
	"S5":  judgeSuccessSchema("Disconnect"),
	"S6":  judgeS6,
	"C2":  judgeException,
	"L9":  judgeException,
	"P2":  judgeException,
	"L2":  judgeL2,
	"X2":  judgeX2,
	"X5":  judgeX5,
}

// alwaysChecked returns the requirements judged on every replay of f besides those it
// names: every answer's transport (T1–T3, T5–T9: transportChecked), its timeliness (X5)
// and the schema of what it should be.
func alwaysChecked(f fixtures.Fixture) []string {
	ids := append([]string{"T1", "T2", "T3", "X5"}, transportChecked...)
	if f.Expect.Outcome != fixtures.Success {
		return append(ids, "S6")
	}
	switch f.Operation() {
	case "GetCallInfo":
		ids = append(ids, "S1", "S2", "S3")
	case "PlayOnPhone":
		ids = append(ids, "S4")
	case "Disconnect":
		ids = append(ids, "S5")
	}
	return ids
}

// judgedElsewhere are requirements a fixture may name that another suite judges around
// the replay: X3 (is the server still healthy after this request?) needs a live call asked
// about before and after, which the robustness suite does for every fixture naming X3.
var judgedElsewhere = map[string]bool{"X3": true}

// replayRequirements is the set of requirement IDs judged on one fixture, in catalogue order.
func (e *Env) replayRequirements(f fixtures.Fixture) []string {
	var want []string
	for _, id := range append(alwaysChecked(f), f.Requirements...) {
		if !judgedElsewhere[id] {
			want = append(want, id)
		}
	}
	var ids []string
	for _, id := range e.cfg.Catalogue.IDs() {
		if slices.Contains(want, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range want { // unknown IDs still get a check, which errors
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// declareReplay declares, for every fixture, one spec that replays it and judges each
// requirement the run selects as its own check: the reports list one testcase per
// (fixture, requirement), while Ginkgo orders, runs and times one spec per exchange (seven
// specs per exchange cost more than the exchange itself: docs/PERFORMANCE.md).
func (e *Env) declareReplay() {
	// Ginkgo builds its spec list in time quadratic in the specs of one container, so the
	// fixtures sit in containers of 64. Zero-padded numbers keep Ginkgo's order (it sorts
	// specs of one source line by text) the corpus order, which the prefetch follows.
	const group = 64
	var prefetch chan<- string
	if e.prefetchAllowed() {
		// Replaying starts with the first fixture declared, which is declared as soon as
		// it has loaded: loading and declaring 10 000 exchanges takes a second, which the
		// first ones' round trips now cover.
		prefetch = e.startPrefetch(e.cfg.Fixtures.Expected())
		defer close(prefetch)
	}
	// One container level, not "replay" around the groups: Ginkgo copies a spec's list of
	// nodes several times as it runs it. The specs' full texts are as they were.
	part, n := make([]fixtures.Fixture, 0, group), 0 // a group's fixtures until declared
	flush := func() {
		if len(part) == 0 {
			return
		}
		e.container(fmt.Sprintf("replay fixtures %06d-%06d", n+1, n+len(part)), nil, func() {
			var units []exchangeUnit
			var planned []PlannedCheck
			for _, f := range part {
				if u, p, ok := e.planExchange(f); ok {
					units, planned = append(units, u), append(planned, p...)
					if prefetch != nil {
						prefetch <- f.ID
					}
				}
				if isX3Probe(f) { // the robustness suite's, kept: see probes
					e.x3Fixtures = append(e.x3Fixtures, f.ID)
				}
				// Planned: a large corpus may let it go until it is replayed (Stream.Park).
				e.cfg.Fixtures.Park(f.ID)
			}
			e.declareExchanges(units, planned)
		})
		n += len(part)
		part = make([]fixtures.Fixture, 0, group)
	}
	e.x3Fixtures = nil // a run previewed first declares twice
	for f := range e.cfg.Fixtures.All() {
		if part = append(part, f); len(part) == group {
			flush()
		}
	}
	flush()
	if broken := e.cfg.Fixtures.Problems(); len(broken) > 0 {
		e.container("replay", nil, func() { e.declareBrokenFixtures(broken) })
	}
}

// exchangeUnit is one fixture's share of a replay spec: what its checks are made from
// when the spec runs (unitChecks). It holds the fixture's IDs and the requirements the run
// selects on it, not the checks themselves: seven names, label lists, closures and plans
// per recording were half of what a 10 000-exchange run held at its peak (issue 25).
type exchangeUnit struct {
	fixture, variantOf string
	// title is interned: recordings share a few dozen titles (record writes them from a
	// template), and a run of 100 000 held one copy each. The file is asked of the corpus
	// (Stream.File) for the same reason.
	title      unique.Handle[string]
	ids        []string // the selected requirements, in catalogue order; shared (internIDs)
	placesCall bool
}

// reads are the exchanges the unit's checks read (willRead): its own, and the canonical
// fixture's for a variant's R1 and R2.
func (u *exchangeUnit) reads() []string {
	if u.variantOf != "" && (slices.Contains(u.ids, "R1") || slices.Contains(u.ids, "R2")) {
		return []string{u.fixture, u.variantOf}
	}
	return []string{u.fixture}
}

// unitTimeout is the unit's share of its spec's time: twice a check's for a variant judged
// against its canonical fixture, which may have to be replayed too.
func (e *Env) unitTimeout(u *exchangeUnit) time.Duration {
	if len(u.reads()) > 1 {
		return 2 * e.specTimeout()
	}
	return e.specTimeout()
}

// check is the unit's check of requirement id, as planExchange declared it; file is the
// fixture's (Stream.File).
func (e *Env) check(u *exchangeUnit, file, id string) checkSpec {
	return checkSpec{id: id, fixture: u.fixture, file: file, title: u.title.Value(), judge: e.replayJudge(u.fixture, u.variantOf, id),
		keepEvidence: id == "T1", placesCall: u.placesCall}
}

// unitChecks makes the unit's checks and what each is reported as, as planExchange
// planned them: the filters chose the requirements then, so nothing is filtered again.
func (e *Env) unitChecks(u *exchangeUnit) ([]checkSpec, []PlannedCheck) {
	checks, planned := make([]checkSpec, len(u.ids)), make([]PlannedCheck, len(u.ids))
	file := e.cfg.Fixtures.File(u.fixture)
	for i, id := range u.ids {
		checks[i] = e.check(u, file, id)
		name, _ := e.nameAndLabels(checks[i])
		planned[i] = PlannedCheck{Name: name, Labels: runLabels(u.placesCall), Requirements: []string{id}, Fixture: u.fixture, File: file}
	}
	return checks, planned
}

// planExchange plans the checks the run selects on fixture f; it reports false when the
// run selects none. A preview (--list) gets the checks as planned, with every label.
func (e *Env) planExchange(f fixtures.Fixture) (exchangeUnit, []PlannedCheck, bool) {
	u := exchangeUnit{fixture: f.ID, variantOf: f.VariantOf, placesCall: placesCall(f, e.cfg.Fixtures)}
	var ids []string
	var planned []PlannedCheck
	for _, id := range e.replayRequirements(f) {
		// No judge: planning only names and labels the check.
		p, selected := e.plan(checkSpec{id: id, fixture: u.fixture, file: f.File, title: f.Title, placesCall: u.placesCall})
		if !selected {
			continue
		}
		ids = append(ids, id)
		if e.cfg.Preview {
			planned = append(planned, p)
		}
	}
	if len(ids) == 0 {
		return u, nil, false
	}
	u.title, u.ids = unique.Make(f.Title), e.internIDs(ids)
	e.willRead(u.reads())
	return u, planned, true
}

// internIDs returns one shared copy of each list of requirement IDs: a corpus has a few
// dozen distinct lists, and a run tens of thousands of fixtures.
func (e *Env) internIDs(ids []string) []string {
	key := strings.Join(ids, " ")
	if shared, ok := e.idLists[key]; ok {
		return shared
	}
	if e.idLists == nil {
		e.idLists = map[string][]string{}
	}
	e.idLists[key] = ids
	return ids
}

// declareExchanges declares one spec replaying the fixtures of units in turn, each
// judged and filed (spoolUnit) before the next is read. One spec per fixture cost more
// than the fixture's own exchange: Ginkgo copies a spec's nodes several times as it runs
// it and keeps a report of each (docs/PERFORMANCE.md). The reports are made of checks, so
// they do not change; a spec cut short (a timeout, an interrupt) leaves the checks it did
// not reach as errors, as a fixture's spec did. planned is the preview's list of the
// checks (planExchange); a run makes them from the units when it needs them.
func (e *Env) declareExchanges(units []exchangeUnit, planned []PlannedCheck) {
	if len(units) == 0 {
		return
	}
	var timeout time.Duration
	for i := range units {
		timeout += e.unitTimeout(&units[i])
	}
	sp := e.declareSpec("replay", planned)
	if !e.cfg.Preview {
		sp.units = units
	}
	It("replay", SpecTimeout(timeout), func(ctx SpecContext) {
		var failed []reports.Check
		for i := range units {
			u := &units[i]
			checks, planned := e.unitChecks(u)
			for j, c := range checks {
				rec := e.judge(ctx, c, planned[j])
				e.record(sp, rec)
				if rec.Verdict == reports.Failed || rec.Verdict == reports.Error {
					failed = append(failed, rec)
				}
			}
			e.doneReading(u.reads())
			if e.spoolUnit(ctx, sp, u, planned) {
				*u = exchangeUnit{} // filed: the body runs once
			}
		}
		failUnlessPassed(failed...)
	})
}

// placesCall says whether replaying f may place a phone call: it is a PlayOnPhone (even
// one expected to be refused: a broken server may dial it), its CallId is bound to a live
// call, or it is a variant whose canonical form is one of those (R1, R2 replay both).
func placesCall(f fixtures.Fixture, corpus *fixtures.Stream) bool {
	if f.Operation() == "PlayOnPhone" || f.BindCallID != "" {
		return true
	}
	if c, ok := corpus.Lookup(f.VariantOf); ok && f.VariantOf != "" {
		return c.Operation() == "PlayOnPhone" || c.BindCallID != ""
	}
	return false
}

// prefetchAllowed says whether fixtures may be replayed ahead of their checks: not in
// Ginkgo's parallel processes (each runs a share of the specs, and each would replay every
// fixture), nor with randomised order or file filters (the order is then not the corpus
// order, or not known here), nor in a preview.
func (e *Env) prefetchAllowed() bool {
	cfg, _ := GinkgoConfiguration()
	return !e.cfg.Preview && cfg.ParallelTotal <= 1 && !cfg.RandomizeAllSpecs && !cfg.DryRun && len(cfg.FocusFiles) == 0 && len(cfg.SkipFiles) == 0
}

// declareBrokenFixtures gives every fixture that did not load an erroring check, so that
// the reports account for it; the run then exits 2 unless the target failed a check.
func (e *Env) declareBrokenFixtures(broken fixtures.Problems) {
	var order []string
	problems := map[string][]string{}
	files := map[string]string{}
	for _, p := range broken {
		key := p.ID
		if key == "" {
			key = p.File
		}
		if _, seen := problems[key]; !seen {
			order = append(order, key)
			files[key] = p.File
		}
		problems[key] = append(problems[key], p.String())
	}
	for _, key := range order {
		name := fmt.Sprintf("[fixture] %s: loads", key)
		if e.cfg.Subset != nil && !e.cfg.Subset(PlannedCheck{Name: name, Fixture: key}) {
			continue // another shard reports it, or an earlier run found it loading
		}
		msg := "broken fixture, not replayed:\n  " + strings.Join(problems[key], "\n  ")
		file := files[key]
		It(name, Label("fixture"), func() {
			finish(reports.Check{Name: name, FixtureFile: file, Area: "fixtures", Level: "MUST", Verdict: reports.Error, Message: msg}, time.Now())
		})
	}
}

// replayJudge judges requirement id on fixture fixtureID's exchange. It keeps the IDs, not
// the fixture: one closure per declared check adds up (26 MB for 70 000 checks).
func (e *Env) replayJudge(fixtureID, variantOf, id string) func(SpecContext) (Outcome, reports.Evidence) {
	return func(ctx SpecContext) (Outcome, reports.Evidence) {
		ex := e.exchange(ctx, fixtureID)
		if isBudget(ex.Err) {
			return cannotJudgeFor(ex.Err, ""), reports.Evidence{}
		}
		ev := evidence(ex)
		if id == "R1" || id == "R2" {
			var canonical *Exchange
			if e.cfg.Fixtures.Has(variantOf) {
				canonical = e.exchange(ctx, variantOf)
				if isBudget(canonical.Err) {
					return cannotJudgeFor(canonical.Err, ""), ev
				}
			}
			return judgeVariant(ex, canonical), ev
		}
		if j, ok := judges[id]; ok {
			return j(ex), ev
		}
		return judgeExpectation(ex), ev
	}
}

// evidence is what the reports show of an exchange: excerpts of the request and response,
// and when the response's is cut, the whole body's length and hash as far as known.
func evidence(ex *Exchange) reports.Evidence {
	ex.evidenceOnce.Do(func() {
		ex.evidence = reports.Evidence{Request: excerpt(ex.Request, keptRequestBytes, int64(ex.requestLen())), Status: ex.Status,
			Response: excerpt(ex.Body, keptBodyBytes, ex.bodyLen()), Elapsed: ex.Duration, CallState: ex.CallState, Retries: ex.Retries}
		if n := ex.bodyLen(); n != int64(len(ex.Body)) || len(ex.Body) > keptBodyBytes {
			ex.evidence.ResponseBytes = max(n, 0) // 0, left out, when unknown
			ex.evidence.ResponseSHA256 = ex.BodySHA256
		}
		if ex.Encoding != "" { // the decoded length, shown even when the excerpt is whole
			ex.evidence.ResponseEncoding, ex.evidence.ResponseWireBytes = ex.Encoding, ex.WireBytes
			ex.evidence.ResponseBytes = max(ex.bodyLen(), 0)
		}
	})
	return ex.evidence
}
