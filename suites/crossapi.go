package suites

// The cross-API scenario (E14): a call placed through one API and asked about through
// both, for a target that offers both.

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/api"
	"github.com/umconform/umconform/reports"
)

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
	ct := &crossTrace{callTrace: &callTrace{Dial: dial, DisconnectAt: -1}, origin: origin.id.Name(), other: other.id.Name(), ended: origin.ended}
	t := ct.callTrace
	id, placed, err := origin.place(ctx, dial)
	if placed != nil {
		t.All = append(t.All, placed)
	}
	if err != nil {
		t.Err = err
		return ct
	}
	t.watch = e.cfg.Progress.Follow(origin.id.Name()+"+"+other.id.Name(), dial)
	ex, a := other.query(ctx, id, 0)
	t.All = append(t.All, ex)
	if ex.Err != nil || !a.Response {
		if ex.Err != nil {
			t.Err = fmt.Errorf("asking %s about a call %s placed: %w", other.id.Name(), origin.id.Name(), ex.Err)
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
// each, asked about through both. It is a scenario of its own, beside the APIs': its checks
// carry both APIs' labels (and ews, as they did inside the EWS checks).
func (e *Env) declareCrossAPI() {
	if e.cfg.Target == nil || e.ews == nil {
		return
	}
	e.container("cross-API", []string{api.UM.Label(), api.EWS.Label(), legacyEWSLabel, PlacesCallLabel}, func() {
		for _, dir := range []struct{ origin, other func() callAPI }{{e.umAPI, e.ewsAPI}, {e.ewsAPI, e.umAPI}} {
			origin, other := dir.origin(), dir.other()
			title := fmt.Sprintf("a call placed with %s PlayOnPhone and asked about with %s and %s in turn tells one story",
				origin.id.Name(), other.ask, origin.ask)
			// A trace memo like the lifecycle's: started with the replay when there is no
			// budget, and able to borrow a DisconnectPhoneCall fixture to end its call.
			var ct *crossTrace
			var m *traceMemo
			m = e.newTraceMemo(func(ctx context.Context) []*callTrace {
				ct = e.traceAcross(ctx, e.lend(origin, m), other, e.cfg.DialString)
				return []*callTrace{ct.callTrace}
			})
			if e.Requirement(checkSpec{id: "E14", scenario: "ews-cross-api-" + strings.ToLower(origin.id.Name()), title: title, timeout: 2 * e.lifecycleTimeout(),
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
