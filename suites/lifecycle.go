package suites

// The lifecycle scenario, declared once for each API: a call placed and followed to its end
// for every lifecycle dial string, and two calls at once kept apart. Its tracing is in
// trace.go, its judges in lifecycle_judges.go.

import (
	"cmp"
	"context"
	"fmt"
)

// lifecycleChecks are the requirements judged on every traced call: the lifecycle rules
// and, because every poll is a GetCallInfo answer like any other, its schema and timing.
var lifecycleChecks = append([]check{
	{"L1", "the first GetCallInfo right after PlayOnPhone is answered with call information"},
	{"L2", "EventCause is None until the call is Disconnected"},
	{"L3", "Disconnected is terminal"},
	{"L4", "the call never moves backwards and is never Incoming"},
	{"L5", "after Disconnect, GetCallInfo answers Disconnected or InvalidCallIdException"},
	{"S1", "every GetCallInfo answer validates"},
	{"S2", "every CallState and EventCause is in its enumeration"},
	{"S3", "every EventCause is one of the four documented values"},
	{"X5", "every answer arrives within the timeout"},
}, messageChecks...)

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

// ewsLifecycleChecks are judged on every call traced through EWS: the twins of L1-L5 and,
// since every poll is an EWS answer, its schema, frame, enumerations, header and timing.
var ewsLifecycleChecks = append([]check{
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
}, messageChecks...)

// ewsApartChecks are the requirements judged on EWS calls traced together (traceApart).
var ewsApartChecks = []check{
	{"E17", "each call gets a PhoneCallId of its own"},
	{"E18", "each GetPhoneCallInformation reports the call its PhoneCallId names"},
}

// messageChecks are the message rules judged on every answer of a traced call, of either
// API, as X5 is.
var messageChecks = []check{
	{"T5", "no answer holds a processing instruction"},
	{"T6", "every answer's envelope has SOAP 1.1's shape"},
	{"T7", "every answer's length is framed once, and its body is whole"},
	{"T8", "every answer's status line and header fields are well-formed"},
	{"T9", "every answer's charset is UTF-8 or UTF-16, its own"},
	{"T10", "every answer follows the profiles' recommendations (HTTP/1.1, no xml prefix declared, SOAP's fault codes as defined)"},
}
