package runner

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/umconform/umconform/reports"
)

// processStart is when the process began, near enough: package variables are set before
// main runs. A run's duration counts from it, so that it is the whole run's wall time,
// loading included, not the share Ginkgo times.
var processStart = time.Now()

// loaded is when every fixture had loaded and the checks could start (Prepare).
var loaded atomic.Value // time.Time

// timing is a run's wall time and its parts, for the console.
type timing struct {
	all, loading, checks, reports time.Duration
}

// newTiming reads the parts from the runs' reports: each report's duration ends when its
// files began to be written.
func newTiming(runs []reports.Run) timing {
	if len(runs) == 0 {
		return timing{}
	}
	t := timing{all: time.Since(processStart)}
	checksEnd := runs[0].Started.Add(runs[0].Duration)
	if l, ok := loaded.Load().(time.Time); ok && !l.IsZero() {
		t.loading = l.Sub(processStart)
	}
	if runs[0].Started.Equal(processStart) {
		t.checks = checksEnd.Sub(processStart) - t.loading
		t.reports = t.all - t.loading - t.checks
	}
	return t
}

func (t timing) String() string {
	s := fmt.Sprintf("Time: %.1fs in all", t.all.Seconds())
	if t.checks > 0 {
		s += fmt.Sprintf(" (loading %.1fs, checks %.1fs, reports %.1fs)", t.loading.Seconds(), t.checks.Seconds(), t.reports.Seconds())
	}
	return s
}
