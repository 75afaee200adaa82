package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/reports"
)

// Declare declares every check of the run, for each target's Env, and the report
// writer. Call it once, before ginkgo.RunSpecs: which specs exist is decided here, from the
// fixtures, never during the run. With one target the reports go to reportDir; with
// several, each target's to reportDir/NAME and the requirement × target matrix to
// reportDir. done (optional) receives the report model, one Run per target.
func Declare(reportDir string, done func([]reports.Run), envs ...*Env) {
	cfg, _ := GinkgoConfiguration()
	for _, e := range envs {
		e.parallel = cfg.ParallelTotal > 1
		e.container("target "+e.cfg.Name, []string{e.targetLabel()}, func() {
			e.forgetDeclared()
			if e.cfg.Target != nil { // a target may offer the EWS endpoint alone
				e.declareReplay()
				e.declareGenerated(true) // while the lifecycle's calls ring: generated.go
				e.declareLifecycle()
				e.declareRobustness()
			}
			e.declareEWS()
			e.declareAccess()
			e.declareGenerated(false)
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
	if reportDir != "" {
		startSpools(envs)
	}
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
		runs := runsFrom(r, envs)
		for i, e := range envs {
			if e.cfg.Amend != nil {
				e.cfg.Amend(&runs[i])
			}
		}
		if reportDir != "" {
			var err error
			if spools := spoolsOf(envs); spools != nil {
				runs, err = reports.WriteRunsSpooled(reportDir, runs, spools)
				closeSpools(envs)
			} else {
				err = reports.WriteRuns(reportDir, runs)
			}
			if err != nil {
				Fail(fmt.Sprintf("writing the reports: %v", err))
			}
		}
		if done != nil {
			done(runs)
		}
	})
}
