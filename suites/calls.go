package suites

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// PlacesCallLabel is the label of every check that needs the target to place a phone call
// (or sends a PlayOnPhone, which may place one): --label-filter '!places-call' sends no
// PlayOnPhone at all. Against Exchange each call rings a real phone through the PBX or SIP
// gateway, and may cost money.
const PlacesCallLabel = "places-call"

// BudgetError is why a check was not run: the run's PlayOnPhone budget (--max-calls) was
// spent. Its checks are reported as skipped, never as failures.
type BudgetError struct{ Max int }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("not run: the call budget (--max-calls %d) was spent before this check placed its call", e.Max)
}

func isBudget(err error) bool {
	var be *BudgetError
	return errors.As(err, &be)
}

// calls accounts for the PlayOnPhone requests of one target's run, both APIs' together.
// Each endpoint keeps the call its read-only requests share (shared).
//
// Fixtures that only read a live call (GetCallInfo or GetPhoneCallInformation with a bound
// id, the robustness suite's health questions) share one call; a request that changes its
// call (Disconnect) gets a call of its own. A shared call is retired when an answer shows it
// ended (reported Disconnected, or its id refused) and after a hostile request, until a
// question shows it is still live: the next reader then places a new one.
type calls struct {
	max int // 0: no budget

	mu     sync.Mutex
	placed int // PlayOnPhone requests sent (or being sent)
}

// shared is the call that read-only requests of one API share.
type shared struct {
	// mu serialises the call's checks and replacement: two readers must not both place a
	// new call.
	mu      sync.Mutex
	id      string // the call's id; "" when there is none
	live    bool   // an answer has reported the call live
	suspect bool   // a hostile request went out since the call was last seen live

	placed   time.Time // when the call was placed
	last     string    // what the last answer about it said (answer.String), "" for none yet
	lastSeen time.Time
}

// take makes id, a call just placed, the shared call; s.mu is held.
func (s *shared) take(id string) {
	s.id, s.live, s.suspect = id, false, false
	s.placed, s.last = time.Now(), ""
}

// heard keeps what an answer about the shared call said, for state; s.mu is held.
func (s *shared) heard(a answer) {
	if a.isInfo() || a.Exception != "" || a.Other != "" {
		s.last, s.lastSeen = a.String(), time.Now()
	}
}

// state describes what the run knew of s's call id as a request about it goes out: how long
// ago it was placed and what it was last reported as. A check of a request on the shared
// call may pass or fail with the call's state (a server that answers differently while a
// call rings), and the state is not the fixture's: it carries this in its evidence.
func (s *shared) state(id string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != id || s.placed.IsZero() {
		return ""
	}
	d := fmt.Sprintf("the shared call %s, placed %s before this request", id, now.Sub(s.placed).Round(time.Millisecond))
	switch {
	case s.last == "":
		return d + ", not yet asked about"
	case s.suspect:
		return fmt.Sprintf("%s, last reported %s %s before it, and a hostile request went out since", d, s.last, now.Sub(s.lastSeen).Round(time.Millisecond))
	}
	return fmt.Sprintf("%s, last reported %s %s before it", d, s.last, now.Sub(s.lastSeen).Round(time.Millisecond))
}

// spend counts one PlayOnPhone request against the budget, or says that the budget is spent.
func (c *calls) spend() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max > 0 && c.placed >= c.max {
		return &BudgetError{Max: c.max}
	}
	c.placed++
	return nil
}

// Placed is the number of PlayOnPhone requests the run sent to this target.
func (e *Env) Placed() int {
	e.calls.mu.Lock()
	defer e.calls.mu.Unlock()
	return e.calls.placed
}

// share returns api's live call that read-only requests share, placing one when there is
// none, the last one ended, or a hostile request may have spoiled it (then one question
// tells, which is cheaper than ringing a phone again).
func (e *Env) share(ctx context.Context, api callAPI) (string, error) {
	s := &api.ep.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != "" && s.suspect {
		ex, a := api.query(ctx, s.id, 0)
		s.heard(a)
		if ex.Err == nil && a.isInfo() && a.State != stateDisconnected {
			s.suspect = false
		} else {
			s.retire(ctx, api, a)
		}
	}
	if s.id != "" {
		return s.id, nil
	}
	id, _, err := api.place(ctx, e.cfg.DialString)
	if err != nil {
		return "", err
	}
	s.take(id)
	return id, nil
}

// observe reads what an answer about call id says of s: live call information marks it
// live; Disconnected or a refused id, after it was seen live, retires it. It reports
// whether it retired the call: the answer was then about a call that ended by itself, not
// what the request was judged for.
func (s *shared) observe(ctx context.Context, api callAPI, id string, a answer) (endedSince bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != id {
		return false
	}
	s.heard(a)
	switch {
	case a.isInfo() && a.State != stateDisconnected:
		s.live, s.suspect = true, false
		return false
	case s.live && (a.State == stateDisconnected || a.Exception == "InvalidCallIdException"):
		s.retire(ctx, api, a)
		return true
	}
	// A call never reported live is kept: a target that refuses or ends every new call
	// (a busy test line) must not cost one call per fixture.
	return false
}

// unheard says whether id is s's call and no answer about it has been heard yet.
func (s *shared) unheard(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id == id && s.last == ""
}

// seenLive says whether id is s's call and an answer has reported it live.
func (s *shared) seenLive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id == id && s.live
}

// suspectNow marks the shared call as possibly spoiled by a hostile request: it is asked
// about before the next reader uses it.
func (s *shared) suspectNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != "" {
		s.suspect = true
	}
}

// retireID drops s's call id (if it still is s's) after an answer a showed it gone or
// spoiled; the next reader places a new one.
func (s *shared) retireID(ctx context.Context, api callAPI, id string, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id == id {
		s.retire(ctx, api, a)
	}
}

// retire drops the call after answer a; the caller holds mu. A call the target may still
// hold up is ended: a phone must not keep ringing.
func (s *shared) retire(ctx context.Context, api callAPI, a answer) {
	id := s.id
	s.id, s.live, s.suspect = "", false, false
	if a.State != stateDisconnected && a.Exception != "InvalidCallIdException" {
		api.end(context.WithoutCancel(ctx), id)
	}
}

// end ends the call at the end of the run.
func (s *shared) end(timeout time.Duration, api callAPI) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := s.id; id != "" {
		s.id = ""
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		api.end(ctx, id)
	}
}

// endShared ends the shared calls at the end of the run.
func (e *Env) endShared() {
	for _, api := range e.apis() {
		api.ep.shared.end(e.cfg.Timeout, api)
	}
}
