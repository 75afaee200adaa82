package suites

import (
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// judges maps a requirement a fixture names to how its exchange is judged. A requirement
// not listed here is judged by the fixture's expected outcome (judgeExpectation).
var judges = map[string]func(*Exchange) Outcome{
	"T1": judgeT1,
	"T2": judgeT2,
	"T3": judgeT3,
	"S1": judgeSuccessSchema("GetCallInfo"),
	"S2": judgeS2,
	"S3": judgeS3,
	"S4": judgeSuccessSchema("PlayOnPhone"),
	"S5": judgeSuccessSchema("Disconnect"),
	"S6": judgeS6,
	"C2": judgeException,
	"P2": judgeException,
	"L2": judgeL2,
	"X2": judgeX2,
	"X5": judgeX5,
}

// alwaysChecked returns the requirements judged on every replay of f besides those it
// names: every answer's transport (T1–T3), its timeliness (X5) and the schema of what it
// should be.
func alwaysChecked(f fixtures.Fixture) []string {
	ids := []string{"T1", "T2", "T3", "X5"}
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

// declareReplay declares, for every fixture, one check per requirement it is judged on.
func (e *Env) declareReplay() {
	// Ginkgo builds its spec list in time quadratic in the specs of one container: with
	// 10 000 fixtures one flat container spent most of the run there (docs/PERFORMANCE.md).
	// Containers of 64 fixtures, one per fixture inside, keep it linear.
	const group = 64
	selects := e.prefetchSelector()
	Describe("replay", func() {
		corpus := e.cfg.Corpus
		for start := 0; start < len(corpus); start += group {
			part := corpus[start:min(start+group, len(corpus))]
			Describe(part[0].ID, func() {
				for _, f := range part {
					Describe(f.ID, func() {
						selected := false
						for _, id := range e.replayRequirements(f) {
							c := checkSpec{id: id, fixture: f.ID, file: f.File, title: f.Title, judge: e.replayJudge(f, id), keepEvidence: id == "T1"}
							if selects != nil && !selected {
								name, labels := e.nameAndLabels(c)
								selected = selects(append(labels, e.targetLabel()),
									strings.Join([]string{"target " + e.cfg.Name, "replay", part[0].ID, f.ID, name}, " "))
							}
							e.Requirement(c)
						}
						if selected {
							e.prefetch = append(e.prefetch, f.ID)
						}
					})
				}
			})
		}
		e.declareBrokenFixtures()
	})
}

// prefetchSelector returns the run's spec filter when fixtures may be replayed ahead of
// their checks, nil when not: Ginkgo's parallel processes each run a share of the specs
// (each would replay every fixture), randomised specs leave the replay order, and file
// filters or a dry run are not predicted here.
func (e *Env) prefetchSelector() func([]string, string) bool {
	cfg, _ := GinkgoConfiguration()
	if cfg.ParallelTotal > 1 || cfg.RandomizeAllSpecs || cfg.DryRun || len(cfg.FocusFiles) > 0 || len(cfg.SkipFiles) > 0 {
		return nil
	}
	return selector(cfg)
}

// declareBrokenFixtures gives every fixture that did not load an erroring check, so that
// the reports account for it; the run then exits 2 unless the target failed a check.
func (e *Env) declareBrokenFixtures() {
	var order []string
	problems := map[string][]string{}
	files := map[string]string{}
	for _, p := range e.cfg.BrokenFixtures {
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
		msg := "broken fixture, not replayed:\n  " + strings.Join(problems[key], "\n  ")
		file := files[key]
		It(name, Label("fixture"), func() {
			finish(reports.Check{Name: name, FixtureFile: file, Area: "fixtures", Level: "MUST", Verdict: reports.Error, Message: msg}, time.Now())
		})
	}
}

func (e *Env) replayJudge(f fixtures.Fixture, id string) func(SpecContext) (Outcome, reports.Evidence) {
	return func(ctx SpecContext) (Outcome, reports.Evidence) {
		e.startPrefetch()
		ex := e.exchange(ctx, f.ID)
		ev := evidence(ex)
		if id == "R1" || id == "R2" {
			var canonical *Exchange
			if _, ok := e.cfg.Corpus.Lookup(f.VariantOf); ok {
				canonical = e.exchange(ctx, f.VariantOf)
			}
			return judgeVariant(ex, canonical), ev
		}
		if j, ok := judges[id]; ok {
			return j(ex), ev
		}
		return judgeExpectation(ex), ev
	}
}

func evidence(ex *Exchange) reports.Evidence {
	return reports.Evidence{Request: excerpt(ex.Request, 4096), Status: ex.Status, Response: excerpt(ex.Body, 4096)}
}
