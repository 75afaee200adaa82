package suites

// Call tracing, part of the engine: a call placed through an API's driver (callAPI) and
// followed to its end, or several kept apart, every answer reduced to what the lifecycle
// judges read; and the memo that runs a scenario once for the checks that judge it.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/umconform/umconform/internal/progress"
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
		t.watch = e.cfg.Progress.Follow(api.id.Name(), dial)
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

// lifecycleTimeout bounds a lifecycle spec: the first check of a call runs its whole trace
// (PlayOnPhone, up to PollLimit polls, the confirming polls, Disconnect, the polls after).
func (e *Env) lifecycleTimeout() time.Duration {
	n := e.cfg.PollLimit + confirmPolls + afterPolls + 2
	return time.Duration(n)*(e.cfg.PollInterval+e.cfg.Timeout) + 5*time.Second
}
