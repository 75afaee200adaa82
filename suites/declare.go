package suites

import (
	"fmt"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/reports"
)

// Declare declares every check of the run and the report writer. Call it once, before
// ginkgo.RunSpecs: which specs exist is decided here, from the fixtures, never during the
// run. done (optional) receives the report model after the suite.
func Declare(e *Env, reportDir string, done func(reports.Run)) {
	e.declareReplay()
	ReportAfterSuite("umconform reports", func(r Report) {
		run := e.runFrom(r)
		if reportDir != "" {
			path := filepath.Join(reportDir, "junit.xml")
			if err := reports.WriteFile(path, run, reports.WriteJUnit); err != nil {
				Fail(fmt.Sprintf("writing %s: %v", path, err))
			}
		}
		if done != nil {
			done(run)
		}
	})
}
