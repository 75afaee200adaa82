package suites

// The lifecycle judges: pure functions of a call's trace, which read answers, never the
// network, so that each rule is tested on hand-written sequences. Each reports the first
// break it finds. The EWS lifecycle is judged by the same sequence judges in EWS's words.

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/reports"
)

// ewsTwin is the UM lifecycle rule each EWS one repeats.
var ewsTwin = map[string]string{"E8": "L1", "E9": "L2", "E10": "L3", "E11": "L4", "E12": "L5", "E17": "L7", "E18": "L8"}

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

// judgeL1Seq: the first GetCallInfo after PlayOnPhone is call information, not a Fault.
func judgeL1Seq(answers []answer) Outcome {
	if len(answers) == 0 {
		return cannotJudge("no GetCallInfo answer")
	}
	if a := answers[0]; !a.Response {
		return fail("call information for the CallId PlayOnPhone just returned", a.String(), "GetCallInfo answer 1, sent right after PlayOnPhone")
	}
	return pass("")
}

// judgeL2Seq: EventCause is None whenever CallState is not Disconnected (MS-OXWUMS
// 3.1.4.3.4.2: None "MUST be returned if the phone call is not in the Disconnected state").
func judgeL2Seq(answers []answer) Outcome {
	for i, a := range answers {
		if a.isInfo() && a.State != stateDisconnected && a.Cause != causeNone {
			return fail("EventCause None while the call is "+a.State, "EventCause "+a.Cause, where(i, answers))
		}
	}
	return pass("")
}

// judgeL3Seq: once reported Disconnected, a call is never reported in another state.
// Faults after it are allowed: a server may forget an ended call.
func judgeL3Seq(answers []answer) Outcome {
	first := -1
	for i, a := range answers {
		switch {
		case !a.isInfo():
		case first < 0 && a.State == stateDisconnected:
			first = i
		case first >= 0 && a.State != stateDisconnected:
			return fail(fmt.Sprintf("Disconnected in every answer after answer %d reported it", first+1), a.String(), where(i, answers))
		}
	}
	return pass("")
}

// judgeL4Seq: an outbound call never moves backwards in Idle < Connecting < Alerted <
// Connected < Transferring/Forwarding < Disconnected (skips allowed) and is never Incoming.
func judgeL4Seq(answers []answer) Outcome {
	prev := -1
	for i, a := range answers {
		if !a.isInfo() {
			continue
		}
		if a.State == stateIncoming {
			return fail("an outbound call (placed by PlayOnPhone) never Incoming", a.String(), where(i, answers))
		}
		r := stateRank[a.State]
		if prev >= 0 && r < stateRank[answers[prev].State] {
			return fail(fmt.Sprintf("no move backwards from %s (answer %d)", answers[prev].State, prev+1), a.String(), where(i, answers))
		}
		prev = i
	}
	return pass("")
}

// judgeL5Seq: after a successful Disconnect, every GetCallInfo answers Disconnected or an
// InvalidCallId Fault. disconnected says whether the Disconnect succeeded; ended whether
// the call had already ended by itself (a server may then refuse the Disconnect).
func judgeL5Seq(disconnected, ended bool, dcAnswer string, after []answer) Outcome {
	switch {
	case !disconnected && ended:
		return pass("the call had ended by itself and Disconnect was refused (" + dcAnswer + "): nothing to check")
	case !disconnected:
		return cannotJudge("Disconnect of a live call did not succeed: %s", dcAnswer)
	case len(after) == 0:
		return cannotJudge("no GetCallInfo answer after the Disconnect")
	}
	for i, a := range after {
		if a.State == stateDisconnected || a.Exception == "InvalidCallIdException" {
			continue
		}
		return fail("Disconnected or an InvalidCallIdException Fault after a successful Disconnect", a.String(),
			fmt.Sprintf("GetCallInfo answer %d after the Disconnect", i+1))
	}
	return pass("")
}

func where(i int, answers []answer) string {
	return fmt.Sprintf("GetCallInfo answer %d of %d", i+1, len(answers))
}

// judgeTrace judges requirement id on one call's trace: the lifecycle rules, and, because
// every poll is a GetCallInfo answer like any other, its schema (S1-S3) and timing (X5).
func judgeTrace(id string, t *callTrace) Outcome {
	return traceOutcome(id, id, t, umDisconnected, judges[id], "GetCallInfo answer")
}

// traceOutcome judges requirement id on a trace of either API: rule is the lifecycle rule
// (L1-L5) id stands for, if any; ended tells whether the trace's Disconnect succeeded, in
// its API's words; every other requirement but X5 is judged by each on every poll, named
// what in messages. A break seen is a failure even when the trace stopped early.
func traceOutcome(id, rule string, t *callTrace, ended func(*Exchange) bool, each func(*Exchange) Outcome, what string) Outcome {
	var o Outcome
	switch rule {
	case "L1":
		o = judgeL1Seq(t.Answers)
	case "L2":
		o = judgeL2Seq(t.Answers)
	case "L3":
		o = judgeL3Seq(t.Answers)
	case "L4":
		o = judgeL4Seq(t.Answers)
	case "L5":
		if t.Disconnect == nil || t.Disconnect.Err != nil {
			break
		}
		o = judgeL5Seq(ended(t.Disconnect), t.EndedByItself, describe(t.Disconnect), t.Answers[t.DisconnectAt:])
	default:
		switch {
		case id == "X5":
			o = judgeEach(judgeX5, t.All, "exchange")
		case messageRule(id) && each != nil: // every answer's, as X5
			o = judgeEach(each, t.All, "exchange")
		case each != nil:
			o = judgeEach(each, t.Polls, what)
		}
	}
	return settle(id, rule == "L1", t, o)
}

// settle is a trace judge's verdict on requirement id given the outcome o its rule gave:
// a break seen is a failure even when the trace stopped early; an early stop only makes the
// rest unjudgeable. firstOnly says the rule reads only the first answer (L1).
func settle(id string, firstOnly bool, t *callTrace, o Outcome) Outcome {
	switch {
	case !o.Pass && !o.CannotJudge && o.Expected != "":
		return o
	case firstOnly && len(t.Answers) > 0:
		return o // the first answer is all it needs
	case t.Err != nil:
		return cannotJudgeFor(t.Err, "the call to %s was not followed to its end: %v", t.Dial, t.Err)
	case o.Expected == "" && !o.Pass && !o.CannotJudge:
		return cannotJudge("nothing to judge %s on", id)
	}
	return o
}

// judgeEach applies an exchange judge to every exchange; the first break wins.
func judgeEach(j func(*Exchange) Outcome, exs []*Exchange, what string) Outcome {
	var unjudged *Outcome
	for i, ex := range exs {
		o := j(ex)
		switch {
		case o.CannotJudge:
			if unjudged == nil {
				unjudged = &o
			}
		case !o.Pass:
			o.Where = fmt.Sprintf("%s %d of %d: %s", what, i+1, len(exs), o.Where)
			return o
		}
	}
	if unjudged != nil {
		return *unjudged
	}
	return pass("")
}

// apartJudge judges L7 or L8 (E17 or E18) on the traces of calls kept apart.
func apartJudge(api callAPI, id string, run func(context.Context) ([]*callTrace, error)) func(SpecContext) (Outcome, reports.Evidence) {
	return func(ctx SpecContext) (Outcome, reports.Evidence) {
		traces, err := run(ctx)
		if err != nil {
			return cannotJudge("the calls were not followed to their end: %v", err), reports.Evidence{}
		}
		ev := reports.Evidence{Retries: traceRetries(traces...)}
		for i, t := range traces {
			ev.States = append(ev.States, fmt.Sprintf("call %d (%s): %s", i+1, t.CallID, strings.Join(t.states(), " → ")))
		}
		return api.judgeApart(id, traces), ev
	}
}

// judgeL7: calls live at the same time hold different CallIds. A server that hands out one
// CallId for every call cannot tell them apart, whatever else it does right.
func judgeL7(traces []*callTrace) Outcome {
	seen := map[string]int{}
	for i, t := range traces {
		if t.CallID == "" {
			return cannotJudgeFor(t.Err, "call %d of %d was not placed: %v", i+1, len(traces), t.Err)
		}
		if j, dup := seen[t.CallID]; dup {
			return fail("a CallId of its own for each call placed", fmt.Sprintf("calls %d and %d both got CallId %q", j+1, i+1, t.CallID),
				fmt.Sprintf("the PlayOnPhone answers of calls %d and %d, both live", j+1, i+1))
		}
		seen[t.CallID] = i
	}
	if len(traces) < 2 {
		return cannotJudge("fewer than two calls were placed")
	}
	return pass(fmt.Sprintf("%d calls, %d CallIds", len(traces), len(seen)))
}

// judgeL8: after one of several live calls is disconnected, that call reads as ended
// (Disconnected, or its CallId refused) while each call not yet disconnected still reads
// as live. The calls go to one number, so their states match until the harness ends one:
// only then can an answer about the wrong call be told from one about the right call.
func judgeL8(traces []*callTrace) Outcome {
	for i, t := range traces {
		if t.DisconnectAt < 0 || (i > 0 && t.OthersEndedAt < 0) {
			return cannotJudgeFor(t.Err, "call %d of %d was not followed until it was disconnected: %v", i+1, len(traces), t.Err)
		}
		// Before the first Disconnect every call must have been reported live, or the
		// answers after it prove nothing.
		before := t.DisconnectAt
		if i > 0 {
			before = t.OthersEndedAt
		}
		if before == 0 {
			return cannotJudge("call %d of %d was never asked about before the first Disconnect", i+1, len(traces))
		}
		if a := t.Answers[before-1]; !a.isInfo() || a.State == stateDisconnected {
			return cannotJudge("call %d of %d was %s before the harness ended any call: the calls must stay up until disconnected (use a --dial-string whose calls are answered or ring long enough)", i+1, len(traces), a)
		}
	}
	for i, t := range traces {
		for k, a := range t.Answers {
			switch {
			case i > 0 && k >= t.OthersEndedAt && k < t.DisconnectAt && (!a.isInfo() || a.State == stateDisconnected):
				return fail(fmt.Sprintf("call %d still live: only another call had been disconnected", i+1), a.String(),
					fmt.Sprintf("GetCallInfo about call %d, answer %d, after call 1 was disconnected and before call %d was", i+1, k+1, i+1))
			case k >= t.DisconnectAt && a.State != stateDisconnected && a.Exception != "InvalidCallIdException":
				return fail(fmt.Sprintf("call %d Disconnected (or its CallId refused): it was disconnected", i+1), a.String(),
					fmt.Sprintf("GetCallInfo about call %d, answer %d, after its Disconnect", i+1, k+1))
			}
		}
	}
	return pass("")
}

// traceJudge judges requirement id on every trace run returns: the first call that breaks
// it decides, and its states are the evidence.
func traceJudge(id string, run func(context.Context) ([]*callTrace, error)) func(SpecContext) (Outcome, reports.Evidence) {
	return traceJudgeBy(id, run, judgeTrace, breakingExchange)
}

// traceJudgeBy is traceJudge with the trace judge and the finder of the breaking exchange
// as parameters: the EWS lifecycle judges its traces with its own (ewsJudgeTrace).
func traceJudgeBy(id string, run func(context.Context) ([]*callTrace, error), judge func(string, *callTrace) Outcome,
	breaking func(string, *callTrace) *Exchange) func(SpecContext) (Outcome, reports.Evidence) {
	return func(ctx SpecContext) (Outcome, reports.Evidence) {
		traces, err := run(ctx)
		if err != nil {
			return cannotJudge("the call was not followed to its end: %v", err), reports.Evidence{}
		}
		var unjudged *Outcome
		var unjudgedEv reports.Evidence
		var notes []string
		for i, t := range traces {
			o := judge(id, t)
			ev := traceEvidence(t)
			if len(traces) > 1 {
				o.Where = fmt.Sprintf("call %d of %d (%s): %s", i+1, len(traces), t.Dial, o.Where)
			}
			switch {
			case o.CannotJudge:
				if unjudged == nil {
					unjudged, unjudgedEv = &o, ev
				}
			case !o.Pass:
				if ex := breaking(id, t); ex != nil {
					ev = exchangeEvidence(ex, ev.States, ev.Retries...)
				}
				return o, ev
			default:
				notes = append(notes, fmt.Sprintf("%s: %s", t.Dial, strings.Join(ev.States, " → ")))
			}
		}
		if unjudged != nil {
			return *unjudged, unjudgedEv
		}
		ev := reports.Evidence{Retries: traceRetries(traces...)}
		if len(traces) == 1 {
			ev = traceEvidence(traces[0])
		}
		o := pass("observed " + strings.Join(notes, "; "))
		return o, ev
	}
}

// breakingExchange finds the exchange behind a trace's first break of id, for the
// evidence: the shortest prefix of the trace that already breaks the rule ends with it.
func breakingExchange(id string, t *callTrace) *Exchange {
	breaks := func(o Outcome) bool { return !o.Pass && !o.CannotJudge }
	switch id {
	case "L1":
		if len(t.Polls) > 0 {
			return t.Polls[0]
		}
	case "L2", "L3", "L4":
		j := map[string]func([]answer) Outcome{"L2": judgeL2Seq, "L3": judgeL3Seq, "L4": judgeL4Seq}[id]
		for k := 1; k <= len(t.Answers); k++ {
			if breaks(j(t.Answers[:k])) {
				return t.Polls[k-1]
			}
		}
	case "L5":
		for k := t.DisconnectAt + 1; t.DisconnectAt >= 0 && k <= len(t.Answers); k++ {
			if breaks(judgeL5Seq(true, t.EndedByItself, "", t.Answers[t.DisconnectAt:k])) {
				return t.Polls[k-1]
			}
		}
	case "X5":
		for _, ex := range t.All {
			if breaks(judgeX5(ex)) {
				return ex
			}
		}
	case "T5", "T6", "T7", "T8", "T9", "T10":
		for _, ex := range t.All {
			if breaks(judges[id](ex)) {
				return ex
			}
		}
	default:
		for _, ex := range t.Polls {
			if breaks(judges[id](ex)) {
				return ex
			}
		}
	}
	return nil
}

// exchangeEvidence is an exchange's evidence with a call's states, and with the retries of
// the call's exchanges when given (traceRetries) in place of the exchange's own.
func exchangeEvidence(ex *Exchange, states []string, retries ...string) reports.Evidence {
	ev := evidence(ex) // a copy: the exchange keeps its own
	ev.States = states
	if len(retries) > 0 {
		ev.Retries = retries
	}
	return ev
}

// traceEvidence shows the call's states and its last GetCallInfo exchange, and the retries
// of any of its exchanges.
func traceEvidence(t *callTrace) reports.Evidence {
	if n := len(t.Polls); n > 0 {
		return exchangeEvidence(t.Polls[n-1], t.states(), traceRetries(t)...)
	}
	return reports.Evidence{States: t.states(), Retries: traceRetries(t)}
}

// traceRetries are the retries and waits of every exchange of the calls' traces, each named
// by its operation and place: what a busy target cost, shown on the checks of its calls.
func traceRetries(traces ...*callTrace) []string {
	var out []string
	for k, t := range traces {
		for i, ex := range t.All {
			for _, r := range ex.Retries {
				where := fmt.Sprintf("request %d of the call", i+1)
				if len(traces) > 1 {
					where = fmt.Sprintf("request %d of call %d", i+1, k+1)
				}
				out = append(out, fmt.Sprintf("%s (%s): %s", ex.Operation, where, r))
			}
		}
	}
	return out
}

// judgeApart judges L7 or L8 on the traces of calls kept apart.
func judgeApart(id string, traces []*callTrace) Outcome {
	if id == "L7" {
		return judgeL7(traces)
	}
	return judgeL8(traces)
}
