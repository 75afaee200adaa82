package suites

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLatenessTellsLateFromSilent: the first exchange past --timeout gets a grace; silence
// through it ends the grace for the run; five late answers in a row stop the sending, with
// the latencies and a --timeout that would do, and the breaker does not call that stopped.
func TestLatenessTellsLateFromSilent(t *testing.T) {
	const timeout = time.Second
	var b breaker
	b.limit = breakerLimit
	l := &b.late
	if g := l.grace(timeout); g != lateGraceFactor*timeout {
		t.Fatalf("first grace %v, want %v", g, lateGraceFactor*timeout)
	}
	for i := 0; i < breakerLimit-1; i++ {
		l.record(&Exchange{Duration: 2500 * time.Millisecond, Timeout: timeout}, timeout, l.grace(timeout))
	}
	if err := b.open(); err != nil {
		t.Fatalf("stopped after %d late answers: %v", breakerLimit-1, err)
	}
	l.record(&Exchange{Duration: 3 * time.Second, Timeout: timeout}, timeout, l.grace(timeout))
	err := b.open()
	var te *TransportError
	if !errors.As(err, &te) || te.Kind != "late" || !strings.Contains(err.Error(), "2.5s to 3s, past --timeout 1s") || !strings.Contains(err.Error(), "--timeout 5s") {
		t.Errorf("after %d late answers: %v", breakerLimit, err)
	}
	if why := b.stopped(); why != "" {
		t.Errorf("a late target reported stopped: %s", why)
	}

	var silent lateness
	ex := &Exchange{Err: transportErr("timeout"), Timeout: timeout}
	silent.record(ex, timeout, silent.grace(timeout))
	if g := silent.grace(timeout); g != 0 {
		t.Errorf("grace %v after an exchange silent through its grace, want none", g)
	}
	if !strings.Contains(ex.Err.Error(), "nor in 4s more") {
		t.Errorf("the timeout does not say it waited for a late answer: %v", ex.Err)
	}
}

// TestLateAnswerIsX5sBusinessAlone: an answer that completes past --timeout fails X5 with
// its latency; the checks that need an answer at all (X2, X4) judge it as any answer.
func TestLateAnswerIsX5sBusinessAlone(t *testing.T) {
	late := &Exchange{Status: 413, Duration: 2 * time.Second, Timeout: time.Second}
	if o := judgeX5(late); o.Pass || !strings.Contains(o.Actual, "after 2s, past --timeout 1s") || !strings.Contains(o.Actual, "--timeout 3s would") {
		t.Errorf("X5 on a late answer: %+v", o)
	}
	if o := judgeX4(late); !o.Pass {
		t.Errorf("X4 on a late 413: %+v", o)
	}
	silent := &Exchange{Err: transportErr("timeout"), Timeout: time.Second}
	if o := judgeX4(silent); o.Pass || o.CannotJudge {
		t.Errorf("X4 on no answer: %+v", o)
	}
}
