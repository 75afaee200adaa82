package suites

import (
	. "github.com/onsi/ginkgo/v2"
)

// Declare declares every check of the run, for each target's Env. Call it once, before
// ginkgo.RunSpecs: which specs exist is decided here, from the fixtures, never during the
// run. done (optional) is handed Ginkgo's report once the run has ended, to make the report
// model of (package results): suites produces results and writes no report.
func Declare(done func(Report), envs ...*Env) {
	cfg, _ := GinkgoConfiguration()
	for _, e := range envs {
		e.parallel = cfg.ParallelTotal > 1
		e.container("target "+e.cfg.Name, []string{e.TargetLabel()}, func() {
			e.forgetDeclared()
			for _, api := range e.apis() {
				e.declareAPI(api)
			}
			e.declareCrossAPI()
			e.declareAccess()
			e.declareGeneratedLate()
		})
	}
	// The scenarios exist once Ginkgo has built the spec tree, which it does in RunSpecs,
	// after Declare: started here, before the first spec, they all wait side by side and
	// beside the replay. (Started in Declare, they found none declared, and each started
	// when its first check ran: the run waited for each scenario in turn.)
	ReportBeforeSuite(func(r Report) {
		if r.SuiteConfig.DryRun {
			return
		}
		for _, e := range envs {
			e.startTraces()
		}
	})
	ReportAfterSuite("umconform reports", func(r Report) {
		if r.SuiteConfig.DryRun {
			// A preview (--list, or the runner checking an expectations file before it
			// contacts anything) made no check: there is nothing to report, and the last
			// run's reports stay. Nothing was sent or started either: the run that
			// follows the preview starts its scenarios with runCtx, which must stay live.
			return
		}
		for _, e := range envs { // an interrupted run sends nothing more
			e.haltPrefetch()
			e.endShared()
		}
		if done != nil {
			done(r)
		}
	})
}

// declareAPI declares the scenarios of one API the target offers, the same for each: the
// replay of its corpus, the refused input, the SOAP processing model's probes, the requests generated from its schema, the lifecycle of its calls and the hostile
// requests. Every check carries the API's labels; those that place calls carry
// places-call too.
func (e *Env) declareAPI(api callAPI) {
	e.container(string(api.id), api.labels, func() {
		e.declareReplay(&api)
		e.declareRefusals(api)
		e.declareSOAPModel(api)
		e.declareGenerated(api, true) // while the lifecycle's calls ring: generated.go
		e.container(api.containerPrefix()+"lifecycle", []string{"lifecycle", PlacesCallLabel}, func() { e.declareCalls(api) })
		e.container(api.containerPrefix()+"robustness", []string{"robustness"}, func() { e.declareProbes(api) })
		e.container(api.containerPrefix()+"http", []string{"http"}, func() { e.declareHTTPProbes(api) })
	})
}
