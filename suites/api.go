package suites

import (
	"context"
	"fmt"

	"github.com/umconform/umconform/fixtures"
)

// callAPI is one web service as the scenarios see it: how it places, asks about and ends a
// call, how its answers read, and how its hostile requests are written. Every scenario
// (the lifecycle of a call, two calls at once, the hostile requests and the shared call
// they ask about) is written once against it and run for each API the target offers
// (Env.apis); a new API costs one value of this type. What is truly one API's (the judges
// of an answer's content, its schema, its fixtures) stays in its own files: ews*.go for
// EWS, judge.go and the corpus for the UM web service.
type callAPI struct {
	name  string // UM or EWS, for titles
	label string // the Ginkgo label of the API's checks: api:um, api:ews
	ask   string // the operation that asks, for messages: GetCallInfo, GetPhoneCallInformation
	// prefix starts the scenario ids and titles of the API's checks ("" for UM, whose ids
	// and titles predate the second API and stay as they were).
	prefix, titlePrefix string

	place func(ctx context.Context, dial string) (string, *Exchange, error)
	// query asks about call id; n is the index of the answer in the trace.
	query func(ctx context.Context, id string, n int) (*Exchange, answer)
	end   func(ctx context.Context, id string) *Exchange
	// ended tells whether end's exchange is a successful disconnect.
	ended func(*Exchange) bool

	// shared is the API's call that read-only requests share.
	shared *shared
	// sender and breaker send the API's built requests (the hostile ones).
	sender  *Sender
	breaker *breaker

	// lifecycle and apart are the requirements judged on a traced call and on calls kept
	// apart; judgeTrace and breaking judge a trace and find the exchange behind a break;
	// apart judges the calls kept apart (L7/L8, E17/E18).
	lifecycle, apartIDs []check
	judgeTrace          func(id string, t *callTrace) Outcome
	breaking            func(id string, t *callTrace) *Exchange
	judgeApart          func(id string, traces []*callTrace) Outcome

	// probeRequest writes a request about a call whose PhoneCallId or CallId text is
	// payload, after the prolog (a DOCTYPE): the X1 and X2 probes. paddedRequest writes a
	// valid question about the live call (bound to placeholderCallID) padded to n bytes (X4).
	probeRequest  func(id, prolog, payload string) fixtures.Fixture
	paddedRequest func(id string, n int) fixtures.Fixture
}

// The labels of each API's checks: --label-filter api:ews selects the EWS checks, and
// '!api:ews' leaves every request to the EWS endpoint out. The cross-API checks (E14)
// carry both. A check's area (lifecycle, callid, ...) is a label too, shared by the APIs'
// twins: --label-filter lifecycle selects both lifecycles.
const (
	UMLabel  = "api:um"
	EWSLabel = "api:ews"
)

// legacyEWSLabel is the label every EWS check carried before the API labels: kept beside
// api:ews so that a filter such as '!ews' selects what it did.
const legacyEWSLabel = "ews"

// check is a requirement and the words a scenario's check title gives it.
type check struct{ id, title string }

// apis are the APIs the target offers, UM first.
func (e *Env) apis() []callAPI {
	var out []callAPI
	if e.cfg.Target != nil {
		out = append(out, e.umAPI())
	}
	if e.ews != nil {
		out = append(out, e.ewsAPI())
	}
	return out
}

// umAPI is the UM web service's.
func (e *Env) umAPI() callAPI {
	return callAPI{
		name: "UM", ask: "GetCallInfo", label: UMLabel,
		place: e.ownCall,
		query: func(ctx context.Context, id string, _ int) (*Exchange, answer) {
			f, ok := e.cfg.Fixtures.Lookup(pollFixture)
			if !ok {
				return &Exchange{Err: &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s, needed to poll calls, is not in the corpus", pollFixture)}}, answer{Other: "no answer"}
			}
			if err := e.breaker.open(); err != nil { // another call's requests found the target gone
				return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}, answer{Other: "no answer"}
			}
			ex := e.sender.Send(ctx, f, fixtures.Values{CallID: id})
			e.breaker.record(ex.Err)
			return ex, answerOf(ex)
		},
		end:           e.disconnect,
		ended:         umDisconnected,
		shared:        &e.calls.um,
		sender:        e.sender,
		breaker:       &e.breaker,
		lifecycle:     lifecycleChecks,
		apartIDs:      apartChecks,
		judgeTrace:    judgeTrace,
		breaking:      breakingExchange,
		judgeApart:    judgeApart,
		probeRequest:  umProbeRequest,
		paddedRequest: umPaddedRequest,
	}
}

// ewsAPI is the EWS endpoint's.
func (e *Env) ewsAPI() callAPI {
	return callAPI{
		name: "EWS", ask: "GetPhoneCallInformation", label: EWSLabel, prefix: "ews-", titlePrefix: "EWS ",
		place: e.placeEWSCall,
		query: func(ctx context.Context, id string, _ int) (*Exchange, answer) {
			ex := e.ews.send(ctx, ewsPollFixture, fixtures.Values{PhoneCallID: id})
			return ex, ewsAnswerOf(ex)
		},
		end:           e.endEWSCall,
		ended:         ewsSucceeded,
		shared:        &e.calls.ews,
		sender:        e.ews.sender,
		breaker:       &e.ews.breaker,
		lifecycle:     ewsLifecycleChecks,
		apartIDs:      ewsApartChecks,
		judgeTrace:    ewsJudgeTrace,
		breaking:      breakingBy(ewsJudgeTrace),
		judgeApart:    func(id string, traces []*callTrace) Outcome { return ewsWords(judgeApart(ewsTwin[id], traces)) },
		probeRequest:  ewsProbeRequest,
		paddedRequest: ewsPaddedRequest,
	}
}

// judgeApart judges L7 or L8 on the traces of calls kept apart.
func judgeApart(id string, traces []*callTrace) Outcome {
	if id == "L7" {
		return judgeL7(traces)
	}
	return judgeL8(traces)
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

// umDisconnected tells whether a UM Disconnect succeeded.
func umDisconnected(ex *Exchange) bool {
	return isSuccess(ex) && ex.Result.Message == "DisconnectResponse"
}
