package suites

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/progress"
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
	// OthersEndedAt is, for a call traced beside others (traceApart), the index in Answers
	// of the first answer after another call was disconnected; -1 otherwise.
	OthersEndedAt int
	Disconnect    *Exchange
	// Err is why the trace stopped early (setup failure, transport error); what was seen
	// before it is still judged.
	Err error
	// watch shows the call on the console while it is followed (Config.Progress).
	watch *progress.Call
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

// placeTraced places a call to dial through api for a trace; the trace's Err says why it
// could not.
func (e *Env) placeTraced(ctx context.Context, api callAPI, dial string) *callTrace {
	t := &callTrace{Dial: dial, DisconnectAt: -1, OthersEndedAt: -1}
	id, placed, err := api.place(ctx, dial)
	if placed != nil {
		t.All = append(t.All, placed)
	}
	t.CallID, t.Err = id, err
	if err == nil {
		t.watch = e.cfg.Progress.Follow(api.name, dial)
	}
	return t
}

// endTraced ends a traced call that stopped before the harness disconnected it: never
// leave a phone ringing.
func (e *Env) endTraced(ctx context.Context, api callAPI, t *callTrace) {
	defer t.watch.End()
	if t.CallID != "" && t.Disconnect == nil {
		api.end(context.WithoutCancel(ctx), t.CallID)
	}
}

// ask asks api about t's call once (after the poll interval when wait is set) and adds
// its answer to the trace; it reports false, with t.Err set, when no answer came.
func (e *Env) ask(ctx context.Context, api callAPI, t *callTrace, wait bool) bool {
	if wait && !sleep(ctx, e.cfg.PollInterval) {
		t.Err = &TransportError{Kind: "timeout", Err: fmt.Errorf("the check ran out of time while polling: %w", context.Cause(ctx))}
		return false
	}
	ex, a := api.query(ctx, t.CallID, len(t.Answers))
	t.All = append(t.All, ex)
	if ex.Err != nil {
		t.Err = fmt.Errorf("polling %s (answer %d): %w", api.ask, len(t.Answers)+1, ex.Err)
		return false
	}
	t.Polls, t.Answers = append(t.Polls, ex), append(t.Answers, a)
	t.watch.Saw(a.String())
	return true
}

// hangUp ends t's call through api; it reports false, with t.Err set, when no answer came.
func (e *Env) hangUp(ctx context.Context, api callAPI, t *callTrace) bool {
	t.DisconnectAt = len(t.Answers)
	t.Disconnect = api.end(ctx, t.CallID)
	t.All = append(t.All, t.Disconnect)
	if t.Disconnect.Err != nil {
		t.Err = fmt.Errorf("disconnecting the call: %w", t.Disconnect.Err)
		return false
	}
	return true
}

// traceApart proves that calls live at the same time are kept apart (L7, L8), also when
// they go to one number, as they do for a user with one test line. It places one call per
// dial string, one after the other, asks about each until all are reported live, then
// disconnects them one at a time in the order placed, asking about every call after each
// Disconnect: the call just ended must be reported Disconnected (or refused) while the
// others still answer as live calls. A server that answers about the wrong call (the
// newest, the oldest, the one asked about last) reports a live call where one was just
// ended, or an ended one where one is live. Every answer also joins its call's trace, on
// which the single-call rules (L1–L5, S1–S3, X5) are judged as for any traced call.
func (e *Env) traceApart(ctx context.Context, api callAPI, dials []string) []*callTrace {
	var traces []*callTrace
	defer func() {
		for _, t := range traces {
			e.endTraced(ctx, api, t)
		}
	}()
	for _, d := range dials {
		t := e.placeTraced(ctx, api, d)
		traces = append(traces, t)
		if t.Err != nil {
			return traces
		}
	}
	round := func(wait bool) bool {
		if wait && !sleep(ctx, e.cfg.PollInterval) {
			traces[0].Err = &TransportError{Kind: "timeout", Err: fmt.Errorf("the check ran out of time while polling: %w", context.Cause(ctx))}
			return false
		}
		for _, t := range traces {
			if !e.ask(ctx, api, t, false) {
				return false
			}
		}
		return true
	}
	allLive := func() bool {
		for _, t := range traces {
			if a := t.Answers[len(t.Answers)-1]; !a.isInfo() || a.State == stateDisconnected {
				return false
			}
		}
		return true
	}
	until := time.Now().Add(e.followFor())
	for i := 0; i < e.cfg.PollLimit && (i == 0 || time.Now().Before(until)); i++ {
		if !round(i > 0) {
			return traces
		}
		if allLive() {
			break
		}
	}
	for i, t := range traces {
		if i == 0 {
			for _, other := range traces[1:] {
				other.OthersEndedAt = len(other.Answers)
			}
		}
		if !e.hangUp(ctx, api, t) || !round(false) {
			return traces
		}
	}
	round(true) // every call asked about at least afterPolls times after its Disconnect
	return traces
}

// followFor bounds, in time, the wait for calls to end by themselves: as long as PollLimit
// polls PollInterval apart take, however long the target takes to answer each, so that a
// distant or slow target does not stretch every call it holds up by its latency times the
// polls. PollLimit still bounds the count.
func (e *Env) followFor() time.Duration {
	return time.Duration(e.cfg.PollLimit) * e.cfg.PollInterval
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

// traceMemo runs a scenario once and shares its traces among the checks that judge it. A
// run without a call budget starts every scenario when the replay starts (startTraces):
// waiting for calls to end overlaps the replay instead of following it.
type traceMemo struct {
	// selected: the run selected a check of the scenario. startTraces starts no other:
	// a run that leaves its checks out (--label-filter '!places-call') places no call.
	selected bool
	once     sync.Once
	done     chan struct{}
	traces   []*callTrace
	trace    func(context.Context) []*callTrace
}

func (e *Env) newTraceMemo(trace func(context.Context) []*callTrace) *traceMemo {
	m := &traceMemo{done: make(chan struct{}), trace: trace}
	e.traceMemos = append(e.traceMemos, m)
	return m
}

// start runs the scenario in the background unless it already runs; stop is called when
// it ends.
func (m *traceMemo) start(ctx context.Context, stop func()) {
	m.once.Do(func() {
		go func() {
			defer close(m.done)
			defer stop()
			m.traces = m.trace(ctx)
		}()
	})
}

// wait starts the scenario if nobody has, and waits for its traces or for ctx to end.
func (m *traceMemo) wait(ctx context.Context) ([]*callTrace, error) {
	m.start(ctx, func() {})
	select {
	case <-m.done:
		return m.traces, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// startTraces starts every lifecycle scenario in the background, each bounded as its
// checks are. A run with a call budget does not: its calls go to the replay first, whose
// one shared call serves dozens of checks, and the scenarios place theirs when their checks
// run.
func (e *Env) startTraces() {
	if e.cfg.MaxCalls > 0 || !e.prefetchAllowed() {
		return
	}
	for _, m := range e.traceMemos {
		if !m.selected {
			continue
		}
		ctx, cancel := context.WithTimeout(e.runCtx, e.lifecycleTimeout())
		m.start(ctx, cancel)
	}
}

// lifecycleChecks are the requirements judged on every traced call: the lifecycle rules
// and, because every poll is a GetCallInfo answer like any other, its schema and timing.
var lifecycleChecks = []check{
	{"L1", "the first GetCallInfo right after PlayOnPhone is answered with call information"},
	{"L2", "EventCause is None until the call is Disconnected"},
	{"L3", "Disconnected is terminal"},
	{"L4", "the call never moves backwards and is never Incoming"},
	{"L5", "after Disconnect, GetCallInfo answers Disconnected or InvalidCallIdException"},
	{"S1", "every GetCallInfo answer validates"},
	{"S2", "every CallState and EventCause is in its enumeration"},
	{"S3", "every EventCause is one of the four documented values"},
	{"X5", "every answer arrives within the timeout"},
	{"T5", "no answer holds a processing instruction"},
	{"T6", "every answer's envelope has SOAP 1.1's shape"},
	{"T7", "every answer's length is framed once, and its body is whole"},
	{"T8", "every answer's status line and header fields are well-formed"},
	{"T9", "every answer's charset is UTF-8 or UTF-16, its own"},
	{"T10", "every answer follows the profiles' recommendations (HTTP/1.1, no xml prefix declared, SOAP's fault codes as defined)"},
}

// lifecycleTimeout bounds a lifecycle spec: the first check of a call runs its whole trace
// (PlayOnPhone, up to PollLimit polls, the confirming polls, Disconnect, the polls after).
func (e *Env) lifecycleTimeout() time.Duration {
	n := e.cfg.PollLimit + confirmPolls + afterPolls + 2
	return time.Duration(n)*(e.cfg.PollInterval+e.cfg.Timeout) + 5*time.Second
}

// declareLifecycle declares the UM web service's call scenarios (declareCalls).
func (e *Env) declareLifecycle() {
	e.container("lifecycle", []string{"lifecycle", PlacesCallLabel}, func() { e.declareCalls(e.umAPI()) })
}

// declareCalls declares, for every lifecycle dial string, one check per requirement judged
// on a call placed and followed through api; then the checks of two calls at once to the
// --dial-string number (traceApart): the single-call rules on each, and that they are kept
// apart.
func (e *Env) declareCalls(api callAPI) {
	dials := e.cfg.LifecycleDialStrings
	if len(dials) == 0 {
		// No number to call (a preview of the checks, or a Config without one): the checks
		// exist all the same, so that the catalogue's coverage does not depend on settings,
		// and cannot be judged when run.
		dials = []string{""}
	}
	for _, dial := range dials {
		scenario := api.prefix + "lifecycle-call-" + cmp.Or(dial, "dial-string")
		var m *traceMemo
		m = e.newTraceMemo(func(ctx context.Context) []*callTrace { return []*callTrace{e.follow(ctx, e.lend(api, m), dial)} })
		n := 0
		for _, c := range api.lifecycle {
			if e.Requirement(checkSpec{id: c.id, scenario: scenario, title: fmt.Sprintf("%scall to %s: %s", api.titlePrefix, dialName(dial), c.title),
				timeout: e.lifecycleTimeout(), judge: traceJudgeBy(c.id, m.wait, api.judgeTrace, api.breaking)}) {
				n++
			}
		}
		m.selected = n > 0
		if n > 0 && dial == e.cfg.DialString {
			e.claimReplays(api, m, 1)
		}
	}
	// A user with one test line has one number: the calls kept apart all go to it.
	apart := []string{e.cfg.DialString, e.cfg.DialString}
	var m *traceMemo
	m = e.newTraceMemo(func(ctx context.Context) []*callTrace { return e.traceApart(ctx, e.lend(api, m), apart) })
	prefix := fmt.Sprintf("%d %scalls at once to %s ended one at a time: ", len(apart), api.titlePrefix, dialName(e.cfg.DialString))
	scenario := api.prefix + "lifecycle-apart"
	n := 0
	for _, c := range api.apartIDs {
		if e.Requirement(checkSpec{id: c.id, scenario: scenario, title: prefix + c.title, timeout: e.lifecycleTimeout(), judge: apartJudge(api, c.id, m.wait)}) {
			n++
		}
	}
	for _, c := range api.lifecycle {
		if e.Requirement(checkSpec{id: c.id, scenario: scenario, title: prefix + c.title, timeout: e.lifecycleTimeout(), judge: traceJudgeBy(c.id, m.wait, api.judgeTrace, api.breaking)}) {
			n++
		}
	}
	// Not started early: the two calls must be the newest the target knows of when they
	// are asked about, or a server that answers about its newest call (L8) may answer
	// about another scenario's call, one that ended by itself, and the check could not
	// judge it. Started by its first check, once every other scenario has placed its call,
	// it lasts only until both its calls are live: a second or two.
	if n > 0 {
		e.claimReplays(api, m, len(apart))
	}
}

func dialName(d string) string {
	if d == "" {
		return "the --dial-string number"
	}
	return d
}

// apartChecks are the requirements judged on calls traced together (traceApart).
var apartChecks = []check{
	{"L7", "each call gets a CallId of its own"},
	{"L8", "each GetCallInfo reports the call its CallId names"},
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
// as parameters: the EWS lifecycle judges its traces with its own (ews_lifecycle.go).
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
