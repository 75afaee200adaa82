package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/reports"
)

// Declare declares every check of the run and the report writer. Call it once, before
// ginkgo.RunSpecs: which specs exist is decided here, from the fixtures, never during the
// run. done (optional) receives the report model after the suite.
func Declare(e *Env, reportDir string, done func(reports.Run)) {
	e.declareReplay()
	e.declareLifecycle()
	e.declareRobustness()
	ReportAfterSuite("umconform reports", func(r Report) {
		run := e.runFrom(r)
		if reportDir != "" {
			// junit.xml for CI, report.json for compare, report.html for a person.
			if err := reports.WriteAll(reportDir, run); err != nil {
				Fail(fmt.Sprintf("writing the reports: %v", err))
			}
		}
		if done != nil {
			done(run)
		}
	})
}
