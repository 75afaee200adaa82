package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// TestLateTargetFailsX5Only: a target that answers everything completely but after the
// timeout is answering, not stopped: X5 fails with the measured latency and the --timeout
// that would do, nothing else fails (X2, X3 included), the run is not "stopped", exit 1.
// The EWS endpoint behaves the same.
func TestLateTargetFailsX5Only(t *testing.T) {
	t.Run("both APIs", func(t *testing.T) { t.Parallel(); lateTarget(t, false) })
	t.Run("EWS alone", func(t *testing.T) { t.Parallel(); lateTarget(t, true) })
}

func lateTarget(t *testing.T, ewsOnly bool) {
	p, dir := newFaultProxy(t, reference.ProfileExchange, delayed(700*time.Millisecond)), t.TempDir()
	args := p.args(dir, "--timeout", "300ms")
	if ewsOnly {
		args = append([]string{"run", "--ews-target", p.EWSURL}, args[5:]...)
	}
	res := umconform(t, nil, args...)
	if res.code != 1 {
		t.Errorf("exit %d, want 1\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	r := readReportCalls(t, dir)
	failedX5, ewsX5 := 0, 0
	for _, c := range r.Checks {
		if c.Verdict != "failed" {
			continue
		}
		if !strings.HasPrefix(c.Name, "[X5]") {
			t.Errorf("failed besides X5: %s: %s", c.Name, c.Message)
			continue
		}
		failedX5++
		if strings.Contains(c.Name, "ews-") {
			ewsX5++
		}
		if !strings.Contains(c.Message, "past --timeout 300ms") || !strings.Contains(c.Message, "--timeout 2s") {
			t.Errorf("X5 does not give the latency and a --timeout that would do: %s", c.Message)
		}
	}
	if failedX5 == 0 || ewsX5 == 0 {
		t.Errorf("%d X5 failures, %d on EWS; want both", failedX5, ewsX5)
	}
	if strings.Contains(res.stdout, "stopped answering") {
		t.Errorf("a late target was reported stopped:\n%s", tail(res.stdout))
	}
	if !strings.Contains(res.stdout+string(mustRead(t, filepath.Join(dir, "report.json"))), "rerun with --timeout") {
		t.Errorf("nothing says which --timeout would let the rest run")
	}
}
