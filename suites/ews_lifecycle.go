package suites

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/reports"
)

// follow places a call to dial through api and follows it to its end. A call that does not
// end by itself within the poll limit is ended by the harness; either way the harness then
// disconnects it and asks again, so that L5 (E12) is judged on every call.
func (e *Env) follow(ctx context.Context, api callAPI, dial string) *callTrace {
	t := e.placeTraced(ctx, api, dial)
	if t.Err == nil {
		e.followPlaced(ctx, api, t)
	}
	return t
}

// followPlaced follows t's call, already placed.
func (e *Env) followPlaced(ctx context.Context, api callAPI, t *callTrace) {
	defer e.endTraced(ctx, api, t)
	faults := 0
	until := time.Now().Add(e.followFor())
	for i := 0; i < e.cfg.PollLimit && (i == 0 || time.Now().Before(until)); i++ {
		if !e.ask(ctx, api, t, i > 0) {
			return
		}
		a := t.Answers[len(t.Answers)-1]
		if a.State == stateDisconnected {
			t.EndedByItself = true
			break
		}
		if a.Response {
			faults = 0
		} else if faults++; faults >= faultRun {
			break
		}
	}
	for i := 0; t.EndedByItself && i < confirmPolls; i++ {
		if !e.ask(ctx, api, t, true) {
			return
		}
	}
	if !e.hangUp(ctx, api, t) {
		return
	}
	for i := range afterPolls {
		if !e.ask(ctx, api, t, i > 0) {
			return
		}
	}
}

// ewsLifecycleChecks are judged on every call traced through EWS: the twins of L1-L5 and,
// since every poll is an EWS answer, its schema, frame, enumerations, header and timing.
var ewsLifecycleChecks = []check{
	{"E8", "the first GetPhoneCallInformation right after PlayOnPhone is answered with call information"},
	{"E9", "ConnectionFailureCause is None until the call is Disconnected"},
	{"E10", "Disconnected is terminal"},
	{"E11", "the call never moves backwards and is never Incoming"},
	{"E12", "after DisconnectPhoneCall, GetPhoneCallInformation answers Disconnected or ErrorInvalidPhoneCallId"},
	{"E1", "every GetPhoneCallInformation answer validates"},
	{"E2", "every answer's ResponseClass agrees with its ResponseCode"},
	{"E3", "every PhoneCallState and ConnectionFailureCause is in its enumeration"},
	{"E6", "every answer carries ServerVersionInfo"},
	{"X5", "every answer arrives within the timeout"},
	{"T5", "no answer holds a processing instruction"},
	{"T6", "every answer's envelope has SOAP 1.1's shape"},
	{"T7", "every answer's length is framed once, and its body is whole"},
	{"T8", "every answer's status line and header fields are well-formed"},
	{"T9", "every answer's charset is UTF-8 or UTF-16, its own"},
	{"T10", "every answer follows the profiles' recommendations (HTTP/1.1, no xml prefix declared, SOAP's fault codes as defined)"},
}

// ewsTwin is the UM lifecycle rule each EWS one repeats.
var ewsTwin = map[string]string{"E8": "L1", "E9": "L2", "E10": "L3", "E11": "L4", "E12": "L5", "E17": "L7", "E18": "L8"}

// ewsApartChecks are the requirements judged on EWS calls traced together (traceApart).
var ewsApartChecks = []check{
	{"E17", "each call gets a PhoneCallId of its own"},
	{"E18", "each GetPhoneCallInformation reports the call its PhoneCallId names"},
}

// ewsJudgeTrace judges requirement id on a call traced through EWS, with the UM
// lifecycle's sequence judges: the rules are the same, only the words differ.
func ewsJudgeTrace(id string, t *callTrace) Outcome {
	return ewsWords(traceOutcome(id, ewsTwin[id], t, ewsSucceeded, ewsJudges[id], "GetPhoneCallInformation answer"))
}

// breakingBy returns, for a trace judge, the finder of the exchange behind a trace's first
// break: the last exchange of the shortest stretch of the trace that already breaks.
func breakingBy(judge func(string, *callTrace) Outcome) func(string, *callTrace) *Exchange {
	return func(id string, t *callTrace) *Exchange {
		breaks := func(o Outcome) bool { return !o.Pass && !o.CannotJudge }
		if id == "X5" || messageRule(id) {
			j := judgeX5
			if id != "X5" {
				j = ewsJudges[id]
			}
			for _, ex := range t.All {
				if breaks(j(ex)) {
					return ex
				}
			}
			return nil
		}
		for k := 1; k <= len(t.Polls); k++ {
			cut := *t
			cut.Answers, cut.Polls, cut.Err = t.Answers[:k], t.Polls[:k], nil
			if cut.DisconnectAt > k {
				cut.DisconnectAt, cut.Disconnect = -1, nil
			}
			if breaks(judge(id, &cut)) {
				return t.Polls[k-1]
			}
		}
		return nil
	}
}

// declareEWSLifecycle declares the call scenarios (declareCalls) for calls placed and
// followed through EWS.
func (e *Env) declareEWSLifecycle() {
	e.container("ews lifecycle", []string{"places-call"}, func() { e.declareCalls(e.ewsAPI()) })
}

// crossTrace is a call placed through one API and asked about through both, in turn.
type crossTrace struct {
	*callTrace
	origin, other string // the API that placed the call, and the other one
	shared        bool   // the other API answered the first question with call information
	// ended tells whether the origin's disconnect succeeded.
	ended func(*Exchange) bool
}

// traceAcross places a call through origin and asks the other API about it first: a
// target that keeps the APIs' calls apart answers with an error, and the check ends there.
// Otherwise the call is followed asking origin and other in turn, and ended through origin.
func (e *Env) traceAcross(ctx context.Context, origin, other callAPI, dial string) *crossTrace {
	ct := &crossTrace{callTrace: &callTrace{Dial: dial, DisconnectAt: -1}, origin: origin.name, other: other.name, ended: origin.ended}
	t := ct.callTrace
	id, placed, err := origin.place(ctx, dial)
	if placed != nil {
		t.All = append(t.All, placed)
	}
	if err != nil {
		t.Err = err
		return ct
	}
	t.watch = e.cfg.Progress.Follow(origin.name+"+"+other.name, dial)
	ex, a := other.query(ctx, id, 0)
	t.All = append(t.All, ex)
	if ex.Err != nil || !a.Response {
		if ex.Err != nil {
			t.Err = fmt.Errorf("asking %s about a call %s placed: %w", other.name, origin.name, ex.Err)
		}
		t.Polls, t.Answers = append(t.Polls, ex), append(t.Answers, a)
		origin.end(context.WithoutCancel(ctx), id)
		t.watch.End()
		return ct
	}
	ct.shared = true
	t.Polls, t.Answers = append(t.Polls, ex), append(t.Answers, a)
	both := origin
	both.query = func(ctx context.Context, id string, n int) (*Exchange, answer) {
		if n%2 == 0 {
			return other.query(ctx, id, n)
		}
		return origin.query(ctx, id, n)
	}
	t.CallID = id
	e.followPlaced(ctx, both, t)
	return ct
}

// judgeE14 judges a cross-API trace: a target that keeps the APIs apart passes; one that
// shares calls must keep, over both APIs' answers together, the lifecycle rules L2-L5.
func judgeE14(ct *crossTrace) Outcome {
	t := ct.callTrace
	if !ct.shared {
		if t.Err != nil {
			return cannotJudgeFor(t.Err, "%v", t.Err) // a spent budget skips the check
		}
		return pass(fmt.Sprintf("the %s service does not know the call the other API placed (%s): the target keeps the APIs' calls apart", ct.other, t.Answers[len(t.Answers)-1]))
	}
	for _, rule := range []string{"L2", "L3", "L4", "L5"} {
		if o := traceOutcome("E14", rule, t, ct.ended, nil, ""); !o.Pass {
			if !o.CannotJudge {
				o.Where = fmt.Sprintf("the answers of %s and %s in turn, %s first: %s", ct.other, ct.origin, ct.other, o.Where)
			}
			return o
		}
	}
	return pass("")
}

// declareCrossAPI declares E14 for a target that offers both APIs: a call placed through
// each, asked about through both.
func (e *Env) declareCrossAPI() {
	if e.cfg.Target == nil {
		return
	}
	e.container("ews cross-API", []string{"places-call"}, func() {
		for _, dir := range []struct{ origin, other func() callAPI }{{e.umAPI, e.ewsAPI}, {e.ewsAPI, e.umAPI}} {
			origin, other := dir.origin(), dir.other()
			title := fmt.Sprintf("a call placed with %s PlayOnPhone and asked about with %s and %s in turn tells one story",
				origin.name, other.ask, origin.ask)
			// A trace memo like the lifecycle's: started with the replay when there is no
			// budget, and able to borrow a DisconnectPhoneCall fixture to end its call.
			var ct *crossTrace
			var m *traceMemo
			m = e.newTraceMemo(func(ctx context.Context) []*callTrace {
				ct = e.traceAcross(ctx, e.lend(origin, m), other, e.cfg.DialString)
				return []*callTrace{ct.callTrace}
			})
			if e.Requirement(checkSpec{id: "E14", scenario: "ews-cross-api-" + strings.ToLower(origin.name), title: title, timeout: 2 * e.lifecycleTimeout(),
				judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
					if _, err := m.wait(ctx); err != nil {
						return cannotJudge("the call was not followed to its end: %v", err), reports.Evidence{}
					}
					o, ev := judgeE14(ct), traceEvidence(ct.callTrace)
					if !o.Pass && !o.CannotJudge {
						if ex := breakingBy(func(id string, t *callTrace) Outcome {
							cut := *ct
							cut.callTrace = t
							return judgeE14(&cut)
						})("E14", ct.callTrace); ex != nil {
							ev = exchangeEvidence(ex, ev.States, ev.Retries...)
						}
					}
					ev.States = crossStates(ct)
					return o, ev
				}}) {
				m.selected = true
				e.claimEnds(origin, m, 1)
			}
		}
	})
}

// crossStates renders a cross-API trace's answers with the API that gave each.
func crossStates(ct *crossTrace) []string {
	var out []string
	for i, a := range ct.Answers {
		api := ct.other
		if i%2 == 1 {
			api = ct.origin
		}
		if i == ct.DisconnectAt {
			out = append(out, "[Disconnect]")
		}
		out = append(out, api+": "+a.String())
	}
	return out
}
