// Package progress holds what a run is waiting for, as the checks report it, for the
// console to show: the calls being followed, each with its API, number, last state and
// age. The checks update a Tracker; the console reads Calls. It knows nothing of either
// API's messages, only the names the checks give.
package progress

import (
	"sync"
	"time"
)

// Tracker is the run's list of calls being followed. The zero value is ready; a nil
// *Tracker ignores every update, so that a run without a console needs none.
type Tracker struct {
	mu    sync.Mutex
	calls []*Call
	now   func() time.Time // time.Now; a test's clock
}

// Call is one call being followed, as its follower last reported it.
type Call struct {
	t       *Tracker
	api     string
	dial    string
	state   string
	started time.Time
	ended   bool
}

// CallStatus is what the console shows of a call: its API, the number it dialled, the
// state last reported, and how long it has been followed.
type CallStatus struct {
	API, Dial, State string
	For              time.Duration
}

func (t *Tracker) clock() time.Time {
	if t.now != nil {
		return t.now()
	}
	return time.Now()
}

// Follow records that a call placed through api to dial is being followed, until End.
func (t *Tracker) Follow(api, dial string) *Call {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &Call{t: t, api: api, dial: dial, state: "placed", started: t.clock()}
	t.calls = append(t.calls, c)
	return c
}

// Saw records the state the target last reported for the call.
func (c *Call) Saw(state string) {
	if c == nil {
		return
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	c.state = state
}

// End records that the call is no longer followed: ended, and asked about for the last time.
func (c *Call) End() {
	if c == nil {
		return
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	// Forget it: a run follows a handful of calls, but a long one must not grow the list.
	for i, o := range c.t.calls {
		if o == c {
			c.t.calls = append(c.t.calls[:i], c.t.calls[i+1:]...)
			break
		}
	}
}

// Calls lists the calls being followed, oldest first.
func (t *Tracker) Calls() []CallStatus {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	out := make([]CallStatus, 0, len(t.calls))
	for _, c := range t.calls {
		out = append(out, CallStatus{API: c.api, Dial: c.dial, State: c.state, For: now.Sub(c.started)})
	}
	return out
}
