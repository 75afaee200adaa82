package suites

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/umconform/umconform/fixtures"
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

// calls accounts for the PlayOnPhone requests of one target's run and keeps the call that
// read-only requests share.
//
// Fixtures that only read a live call (GetCallInfo with a bound CallId, the robustness
// suite's health questions) share one call; a request that changes its call (Disconnect)
// gets a call of its own. A shared call is retired when an answer shows it ended (reported
// Disconnected, or its CallId refused) and after a hostile request, until a GetCallInfo
// shows it is still live: the next reader then places a new one.
type calls struct {
	max int // 0: no budget

	mu     sync.Mutex
	placed int // PlayOnPhone requests sent (or being sent)

	// share serialises the shared call's checks and replacement: two readers must not
	// both place a new call.
	share   sync.Mutex
	shared  string // the shared call's CallId; "" when there is none
	live    bool   // an answer has reported the shared call live
	suspect bool   // a hostile request went out since the shared call was last seen live
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

// sendPlayOnPhone sends a PlayOnPhone request against the budget. It is the only way the
// suites send one, so that the count in the reports is every PlayOnPhone the target saw.
func (e *Env) sendPlayOnPhone(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	if err := e.calls.spend(); err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	return e.sender.Post(ctx, f, v)
}

// ownCall places a call that the caller changes (disconnects, follows to its end) and
// must end itself.
func (e *Env) ownCall(ctx context.Context, dial string) (string, *Exchange, error) {
	if err := e.breaker.open(); err != nil {
		return "", nil, err
	}
	f, ok := e.cfg.Fixtures.Lookup(CreateCallFixture)
	if !ok {
		return "", nil, &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s, needed to create calls, is not in the corpus", CreateCallFixture)}
	}
	ex := e.sendPlayOnPhone(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: dial})
	if isBudget(ex.Err) {
		return "", nil, ex.Err
	}
	e.sender.Check(ex)
	e.breaker.record(ex.Err)
	if ex.Err != nil {
		return "", ex, fmt.Errorf("creating a call to %s with PlayOnPhone: %w", dial, ex.Err)
	}
	id, ok := ex.Result.Value("PlayOnPhoneResponse")
	if ex.Status != 200 || ex.Result.Message != "PlayOnPhoneResponse" || !ok || id == "" {
		return "", ex, &TransportError{Kind: "setup", Err: fmt.Errorf("creating a call to %s with PlayOnPhone (entry id and dial string from --entry-id, --dial-string) got %s", dial, describe(ex))}
	}
	return id, ex, nil
}

// sharedCall returns the live call that read-only requests share, placing one when there
// is none, the last one ended, or a hostile request may have spoiled it (then one
// GetCallInfo tells, which is cheaper than ringing a phone again).
func (e *Env) sharedCall(ctx context.Context) (string, error) {
	c := &e.calls
	c.share.Lock()
	defer c.share.Unlock()
	if c.shared != "" && c.suspect {
		if a, ok := e.askShared(ctx, c.shared); ok && a.isInfo() && a.State != stateDisconnected {
			c.suspect = false
		} else {
			e.retireLocked(ctx, c.shared, a)
		}
	}
	if c.shared != "" {
		return c.shared, nil
	}
	id, _, err := e.ownCall(ctx, e.cfg.DialString)
	if err != nil {
		return "", err
	}
	c.shared, c.live, c.suspect = id, false, false
	return id, nil
}

// askShared asks the target about the shared call once, for the pool's own bookkeeping.
func (e *Env) askShared(ctx context.Context, id string) (answer, bool) {
	gci, ok := e.cfg.Fixtures.Lookup(pollFixture)
	if !ok {
		return answer{}, false
	}
	ex := e.sender.Post(ctx, gci, fixtures.Values{CallID: id})
	e.sender.validate(ex)
	e.breaker.record(ex.Err)
	if ex.Err != nil {
		return answer{}, false
	}
	return answerOf(ex), true
}

// observeShared reads what an answer about the shared call id says of it: live call
// information marks it live; Disconnected or a refused CallId, after it was seen live,
// retires it. It reports whether it retired the call: the answer was then about a call
// that ended by itself, not what the request was judged for.
func (e *Env) observeShared(ctx context.Context, id string, a answer) (endedSince bool) {
	c := &e.calls
	c.share.Lock()
	defer c.share.Unlock()
	if c.shared != id {
		return false
	}
	switch {
	case a.isInfo() && a.State != stateDisconnected:
		c.live, c.suspect = true, false
		return false
	case c.live && (a.State == stateDisconnected || a.Exception == "InvalidCallIdException"):
		e.retireLocked(ctx, id, a)
		return true
	}
	// A call never reported live is kept: a target that refuses or ends every new call
	// (a busy test line) must not cost one call per fixture.
	return false
}

// sharedSeenLive says whether id is the shared call and an answer has reported it live.
func (e *Env) sharedSeenLive(id string) bool {
	e.calls.share.Lock()
	defer e.calls.share.Unlock()
	return e.calls.shared == id && e.calls.live
}

// suspectShared marks the shared call as possibly spoiled by a hostile request: it is
// asked about before the next reader uses it.
func (e *Env) suspectShared() {
	e.calls.share.Lock()
	defer e.calls.share.Unlock()
	if e.calls.shared != "" {
		e.calls.suspect = true
	}
}

// retireShared drops the shared call id (if it still is the shared one) after an answer a
// showed it gone or spoiled; the next reader places a new one.
func (e *Env) retireShared(ctx context.Context, id string, a answer) {
	e.calls.share.Lock()
	defer e.calls.share.Unlock()
	if e.calls.shared == id {
		e.retireLocked(ctx, id, a)
	}
}

// retireLocked drops the shared call; the caller holds share. A call the target may still
// hold up is disconnected: a phone must not keep ringing.
func (e *Env) retireLocked(ctx context.Context, id string, a answer) {
	e.calls.shared, e.calls.live, e.calls.suspect = "", false, false
	if a.State != stateDisconnected && a.Exception != "InvalidCallIdException" {
		e.disconnect(context.WithoutCancel(ctx), id)
	}
}

// endShared disconnects the shared call at the end of the run.
func (e *Env) endShared() {
	e.calls.share.Lock()
	defer e.calls.share.Unlock()
	if id := e.calls.shared; id != "" {
		e.calls.shared = ""
		ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
		defer cancel()
		e.disconnect(ctx, id)
	}
}
