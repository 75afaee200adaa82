package suites

import (
	"errors"
	"fmt"
	"path/filepath"

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
			if e.cfg.Target != nil { // a target may offer the EWS endpoint alone
				e.declareReplay()
				e.declareLifecycle()
				e.declareRobustness()
			}
			e.declareEWS()
		})
	}
	ReportAfterSuite("umconform reports", func(r Report) {
		for _, e := range envs { // an interrupted run sends nothing more
			e.haltPrefetch()
		}
		runs := runsFrom(r, envs)
		if reportDir != "" {
			if err := writeReports(reportDir, runs); err != nil {
				Fail(fmt.Sprintf("writing the reports: %v", err))
			}
		}
		if done != nil {
			done(runs)
		}
	})
}

// writeReports writes junit.xml for CI, report.json for compare and report.html for a
// person: into dir for one target, into dir/NAME for each of several, with the matrix.
func writeReports(dir string, runs []reports.Run) error {
	if len(runs) == 1 {
		return reports.WriteAll(dir, runs[0])
	}
	var errs []error
	for _, run := range runs {
		errs = append(errs, reports.WriteAll(filepath.Join(dir, run.Name), run))
	}
	errs = append(errs, reports.WriteMatrix(dir, runs))
	return errors.Join(errs...)
}
