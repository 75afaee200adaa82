package suites

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// pollFixture is the recorded GetCallInfo request the lifecycle suite polls calls with.
const pollFixture = "gci-doc-request"

// After a call is first seen Disconnected it is asked about confirmPolls more times before
// the harness sends Disconnect (a server that resurrects ended calls shows it then: L3), and
// afterPolls times after the Disconnect (L5).
const (
	confirmPolls = 2
	afterPolls   = 2
	// faultRun consecutive answers without call information end the polling: the call is
	// gone, and asking again only rings up the poll limit.
	faultRun = 3
)

// CallState values (spec: UMCallState) and the order an outbound call moves through them
// (L4). Transferring and Forwarding share a rank: a call may move between them. Incoming
// has no rank: an outbound call is never Incoming.
const (
	stateDisconnected = "Disconnected"
	stateIncoming     = "Incoming"
	causeNone         = "None"
)

var callStates = []string{"Idle", "Connecting", "Alerted", "Connected", "Disconnected", "Incoming", "Transferring", "Forwarding"}

var stateRank = map[string]int{
	"Idle": 0, "Connecting": 1, "Alerted": 2, "Connected": 3,
	"Transferring": 4, "Forwarding": 4, stateDisconnected: 5,
}

var causes = []string{"None", "UserBusy", "NoAnswer", "Unavailable", "Other"}

// answer is what one GetCallInfo said about a call, reduced to what the lifecycle rules
// read. Exactly one of State and Other is set.
type answer struct {
	// State and Cause are the call information, spelled canonically. The lifecycle rules
	// judge what a state means; its spelling is S2's business, so "connected" reads as
	// Connected here.
	State string
	Cause string
	// Other describes an answer without call information (a Fault, another message) or
	// with a CallState or EventCause no spelling makes valid: the rules skip those.
	Other string
	// Exception is the Fault's bare ExceptionType, when the answer is a Fault.
	Exception string
	// Response: the answer is a GetCallInfoResponse carrying both values (L1 needs no
	// more), whether or not they are in their enumerations.
	Response bool
}

func (a answer) isInfo() bool { return a.State != "" }

func (a answer) String() string {
	if a.isInfo() {
		return a.State + "/" + a.Cause
	}
	return a.Other
}

// canonical returns the value of valid that v spells, ignoring case.
func canonical(v string, valid []string) (string, bool) {
	for _, c := range valid {
		if strings.EqualFold(strings.TrimSpace(v), c) {
			return c, true
		}
	}
	return "", false
}

// answerOf reduces a GetCallInfo exchange to an answer.
func answerOf(ex *Exchange) answer {
	r := ex.Result
	if r.IsFault() {
		exc, _ := r.Value("ExceptionType")
		name := fixtures.ExceptionName(exc)
		if name == "" {
			code, _ := r.Value("faultcode")
			return answer{Other: "Fault " + code}
		}
		return answer{Other: "Fault " + name, Exception: name}
	}
	rawState, ok1 := r.Value("CallState")
	rawCause, ok2 := r.Value("EventCause")
	if !isSuccess(ex) || r.Message != "GetCallInfoResponse" || !ok1 || !ok2 {
		return answer{Other: describe(ex)}
	}
	return infoAnswer(rawState, rawCause)
}

// infoAnswer is the answer of a response carrying call information: a state and a cause
// (the EWS PhoneCallState and ConnectionFailureCause share the UM enumerations).
func infoAnswer(rawState, rawCause string) answer {
	state, ok1 := canonical(rawState, callStates)
	cause, ok2 := canonical(rawCause, causes)
	if !ok1 || !ok2 {
		return answer{Other: fmt.Sprintf("%s/%s (outside the enumerations)", rawState, rawCause), Response: true}
	}
	return answer{State: state, Cause: cause, Response: true}
}

// callTrace is everything the harness saw of one call: placed with PlayOnPhone, polled
// until it ended by itself or the poll limit, confirmed, disconnected, asked again.
type callTrace struct {
	Dial    string
	CallID  string
	Answers []answer    // every GetCallInfo answer, in order
	Polls   []*Exchange // the GetCallInfo exchanges behind Answers
	// All is every exchange of the trace (PlayOnPhone, polls, Disconnect), for X5.
	All []*Exchange
	// EndedByItself: the call was reported Disconnected before the harness disconnected it.
	EndedByItself bool
	// DisconnectAt is the index in Answers of the first answer after the harness's
	// Disconnect, or -1 when no Disconnect was sent.
	DisconnectAt int
	Disconnect   *Exchange
	// Err is why the trace stopped early (setup failure, transport error); what was seen
	// before it is still judged.
	Err error
}

// states renders the trace for reports: answers in order, runs of one answer folded
// ("Connected/None ×12"), and the harness's Disconnect marked where it was sent.
func (t *callTrace) states() []string {
	var out []string
	last, run := "", 0
	flush := func() {
		if run == 1 {
			out = append(out, last)
		} else if run > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", last, run))
		}
		run = 0
	}
	for i, a := range t.Answers {
		if i == t.DisconnectAt {
			flush()
			out = append(out, "[Disconnect]")
			last = ""
		}
		if s := a.String(); s == last {
			run++
		} else {
			flush()
			last, run = s, 1
		}
	}
	flush()
	if t.DisconnectAt == len(t.Answers) && t.Disconnect != nil {
		out = append(out, "[Disconnect]")
	}
	return out
}

// traceCall places a call to dial and follows it to its end. A call that does not end by
// itself within the poll limit is ended by the harness; either way the harness then sends
// Disconnect and asks again, so that L5 is judged on every call.
func (e *Env) traceCall(ctx context.Context, dial string) *callTrace {
	return e.follow(ctx, e.umAPI(), dial)
}

// placeCall creates a call to dial with the recorded PlayOnPhone request.
func (e *Env) placeCall(ctx context.Context, dial string) (string, *Exchange, error) {
	if err := e.breaker.open(); err != nil {
		return "", nil, err
	}
	f, ok := e.cfg.Fixtures.Lookup(CreateCallFixture)
	if !ok {
		return "", nil, &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s, needed to create calls, is not in the corpus", CreateCallFixture)}
	}
	ex := e.sender.Send(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: dial})
	e.breaker.record(ex.Err)
	if ex.Err != nil {
		return "", ex, fmt.Errorf("creating a call to %s with PlayOnPhone: %w", dial, ex.Err)
	}
	id, ok := ex.Result.Value("PlayOnPhoneResponse")
	if ex.Status != 200 || ex.Result.Message != "PlayOnPhoneResponse" || !ok || id == "" {
		return "", ex, &TransportError{Kind: "setup", Err: fmt.Errorf("creating a call to %s with PlayOnPhone (entry id from --entry-id) got %s", dial, describe(ex))}
	}
	return id, ex, nil
}

// sleep waits d unless ctx ends first, and reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// The sequence judges below are pure: they read answers, never the network, so that each
// rule is tested on hand-written sequences. Each reports the first break it finds.

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

// judgeL2Seq: EventCause is None whenever CallState is not Disconnected (OXWUMS
// 3.1.4.3.4.2: "None MUST be returned while the call is not Disconnected").
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

// umDisconnected tells whether a UM Disconnect succeeded.
func umDisconnected(ex *Exchange) bool {
	return isSuccess(ex) && ex.Result.Message == "DisconnectResponse"
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
		return cannotJudge("the call to %s was not followed to its end: %v", t.Dial, t.Err)
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

// traceMemo runs one trace once and shares it among the checks that judge it.
type traceMemo struct {
	once   sync.Once
	traces []*callTrace
}

// lifecycleChecks are the requirements judged on every traced call: the lifecycle rules
// and, because every poll is a GetCallInfo answer like any other, its schema and timing.
var lifecycleChecks = []struct{ id, title string }{
	{"L1", "the first GetCallInfo right after PlayOnPhone is answered with call information"},
	{"L2", "EventCause is None until the call is Disconnected"},
	{"L3", "Disconnected is terminal"},
	{"L4", "the call never moves backwards and is never Incoming"},
	{"L5", "after Disconnect, GetCallInfo answers Disconnected or InvalidCallIdException"},
	{"S1", "every GetCallInfo answer validates"},
	{"S2", "every CallState and EventCause is in its enumeration"},
	{"S3", "every EventCause is one of the four documented values"},
	{"X5", "every answer arrives within the timeout"},
}

// lifecycleTimeout bounds a lifecycle spec: the first check of a call runs its whole trace
// (PlayOnPhone, up to PollLimit polls, the confirming polls, Disconnect, the polls after).
func (e *Env) lifecycleTimeout() time.Duration {
	n := e.cfg.PollLimit + confirmPolls + afterPolls + 2
	return time.Duration(n)*(e.cfg.PollInterval+e.cfg.Timeout) + 5*time.Second
}

// declareLifecycle declares, for every lifecycle dial string, one check per requirement
// judged on its traced call, and the same checks on all of them traced at once.
func (e *Env) declareLifecycle() {
	dials := e.cfg.LifecycleDialStrings
	if len(dials) == 0 {
		// No number to call (a preview of the checks, or a Config without one): the checks
		// exist all the same, so that the catalogue's coverage does not depend on settings,
		// and cannot be judged when run.
		dials = []string{""}
	}
	e.container("lifecycle", []string{"lifecycle"}, func() {
		for _, dial := range dials {
			m := &traceMemo{}
			run := func(ctx context.Context) []*callTrace {
				m.once.Do(func() { m.traces = []*callTrace{e.traceCall(ctx, dial)} })
				return m.traces
			}
			for _, c := range lifecycleChecks {
				e.Requirement(checkSpec{id: c.id, title: fmt.Sprintf("call to %s: %s", dialName(dial), c.title),
					timeout: e.lifecycleTimeout(), judge: traceJudge(c.id, run)})
			}
		}
		together := concurrentDials(dials)
		m := &traceMemo{}
		run := func(ctx context.Context) []*callTrace {
			m.once.Do(func() { m.traces = e.traceConcurrently(ctx, together) })
			return m.traces
		}
		names := make([]string, len(together))
		for i, d := range together {
			names[i] = dialName(d)
		}
		for _, c := range lifecycleChecks {
			e.Requirement(checkSpec{id: c.id, title: fmt.Sprintf("%d concurrent calls (%s) do not interfere: %s", len(together), strings.Join(names, ", "), c.title),
				timeout: e.lifecycleTimeout(), judge: traceJudge(c.id, run)})
		}
	})
}

func dialName(d string) string {
	if d == "" {
		return "the --dial-string number"
	}
	return d
}

// concurrentDials are the calls placed at once: every lifecycle dial string, and at least
// two calls, so that a server keeping one call's state where another's belongs is seen.
func concurrentDials(d []string) []string {
	out := append([]string(nil), d...)
	for i := 0; len(out) < 2; i++ {
		out = append(out, d[i%len(d)])
	}
	return out
}

// traceConcurrently traces one call per dial string, all at once.
func (e *Env) traceConcurrently(ctx context.Context, dials []string) []*callTrace {
	traces := make([]*callTrace, len(dials))
	var wg sync.WaitGroup
	for i, d := range dials {
		wg.Add(1)
		go func() {
			defer wg.Done()
			traces[i] = e.traceCall(ctx, d)
		}()
	}
	wg.Wait()
	return traces
}

// traceJudge judges requirement id on every trace run returns: the first call that breaks
// it decides, and its states are the evidence.
func traceJudge(id string, run func(context.Context) []*callTrace) func(SpecContext) (Outcome, reports.Evidence) {
	return traceJudgeBy(id, run, judgeTrace, breakingExchange)
}

// traceJudgeBy is traceJudge with the trace judge and the finder of the breaking exchange
// as parameters: the EWS lifecycle judges its traces with its own (ews_lifecycle.go).
func traceJudgeBy(id string, run func(context.Context) []*callTrace, judge func(string, *callTrace) Outcome,
	breaking func(string, *callTrace) *Exchange) func(SpecContext) (Outcome, reports.Evidence) {
	return func(ctx SpecContext) (Outcome, reports.Evidence) {
		traces := run(ctx)
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
					ev.Request, ev.Status, ev.Response = exchangeEvidence(ex)
				}
				return o, ev
			default:
				notes = append(notes, fmt.Sprintf("%s: %s", t.Dial, strings.Join(ev.States, " → ")))
			}
		}
		if unjudged != nil {
			return *unjudged, unjudgedEv
		}
		ev := reports.Evidence{}
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
	default:
		for _, ex := range t.Polls {
			if breaks(judges[id](ex)) {
				return ex
			}
		}
	}
	return nil
}

func exchangeEvidence(ex *Exchange) (string, int, string) {
	ev := evidence(ex)
	return ev.Request, ev.Status, ev.Response
}

// traceEvidence shows the call's states and its last GetCallInfo exchange.
func traceEvidence(t *callTrace) reports.Evidence {
	ev := reports.Evidence{States: t.states()}
	if n := len(t.Polls); n > 0 {
		ev.Request, ev.Status, ev.Response = exchangeEvidence(t.Polls[n-1])
	}
	return ev
}
