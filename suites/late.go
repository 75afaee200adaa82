package suites

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// lateGraceFactor bounds how long an exchange that outlives --timeout keeps reading, in
// timeouts: long enough to tell a target whose answers arrive late (X5 fails, and it is
// answering) from one that has gone silent (the run stops, exit 2). The body stays bounded
// by maxResponseBytes meanwhile.
const lateGraceFactor = 4

// lateness tells late answers from silence for one endpoint's Sender. The first exchange
// that outlives --timeout is read on for a grace of lateGraceFactor timeouts. An answer
// that completes in it is late: judged like any other, X5 alone fails it. One that stays
// silent through it shows the target can be silent, and later exchanges get no grace, so a
// dead target costs one grace, not one per exchange. After breakerLimit late answers in a
// row the run stops sending to the endpoint (each costs seconds, and the rest would be
// late too) and says which --timeout would let the rest of the checks run.
type lateness struct {
	mu       sync.Mutex
	silent   bool          // an exchange got nothing in its grace: no grace any more
	n        int           // late answers in a row
	min, max time.Duration // their durations
	err      error         // why requests are no longer sent, once n reached breakerLimit
}

// grace is how long past timeout the next exchange may keep reading.
func (l *lateness) grace(timeout time.Duration) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.silent {
		return 0
	}
	return lateGraceFactor * timeout
}

// record reads an exchange's outcome: a late answer, silence through a grace, or neither.
func (l *lateness) record(ex *Exchange, timeout, grace time.Duration) {
	if l == nil {
		return
	}
	var te *TransportError
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case ex.Err == nil && ex.Duration > timeout:
		if l.n == 0 || ex.Duration < l.min {
			l.min = ex.Duration
		}
		l.max = max(l.max, ex.Duration)
		l.n++
		if l.n >= breakerLimit && l.err == nil {
			l.err = &TransportError{Kind: "late", Err: fmt.Errorf("the target answers late: %d answers in a row took %s to %s, past --timeout %v (X5); not sent: rerun with --timeout %v to judge the rest",
				l.n, round(l.min), round(l.max), timeout, suggestTimeout(l.max))}
		}
	case ex.Err == nil:
		l.n, l.min, l.max = 0, 0, 0
	case errors.As(ex.Err, &te) && te.Kind == "timeout" && grace > 0:
		l.silent = true
		l.n = 0
		ex.Err = &TransportError{Kind: "timeout", Err: fmt.Errorf("no complete response in --timeout %v, nor in %v more waiting for a late one: %w", timeout, grace, te.Err)}
	}
}

// stopped is why requests are no longer sent to a target that answers late, or nil.
func (l *lateness) stopped() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// suggestTimeout is a --timeout that a late answer of duration d would have met, with
// room: half as long again, in whole seconds.
func suggestTimeout(d time.Duration) time.Duration {
	return time.Duration(math.Ceil((d * 3 / 2).Seconds())) * time.Second
}

// round shortens a measured duration for a message.
func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }

// lateAnswer says how late ex's answer was, when it completed after timeout: X5's evidence.
func lateAnswer(ex *Exchange) (string, bool) {
	if ex.Err != nil || ex.Timeout <= 0 || ex.Duration <= ex.Timeout {
		return "", false
	}
	return fmt.Sprintf("a complete response after %s, past --timeout %v (--timeout %v would let it arrive in time)", round(ex.Duration), ex.Timeout, suggestTimeout(ex.Duration)), true
}

// hangs judges X5 for a check that a target must answer at all (X2, X4): a timeout (no
// answer) stops the judge with X5's failure; a late answer is X5's business alone, and the
// judge goes on with it.
func hangs(ex *Exchange) (Outcome, bool) {
	if _, stopped := judgeLateStop(ex); stopped { // not sent: X5 fails it, nothing else
		return cannotJudge("no complete response: %v", ex.Err), true
	}
	o := judgeX5(ex)
	if _, late := lateAnswer(ex); o.Pass || late {
		return Outcome{}, false
	}
	return o, true
}

// judgeLateStop judges X5 on a request the run did not send because the target's answers
// arrive late (lateness): the measured latencies are the target's failure of X5, on this
// request as on the ones before it; every other requirement of it is not judged.
func judgeLateStop(ex *Exchange) (Outcome, bool) {
	var te *TransportError
	if !errors.As(ex.Err, &te) || te.Kind != "late" {
		return Outcome{}, false
	}
	return fail("answers within --timeout", te.Err.Error(), "the answers before this request (it was not sent)"), true
}
