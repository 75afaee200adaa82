package suites

import (
	"context"
	"fmt"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// refusal is a request an API must refuse, and how: the refused-input scenario.
type refusal struct {
	f      fixtures.Fixture
	title  string
	places bool     // a PlayOnPhone: it counts against the call budget, and places a call if accepted
	ids    []string // the requirements judged on its answer
	codes  []string // the codes that name its cause (E15, E16, E20)
}

// declareRefusals declares, for each request of api's refused-input scenario, one check per
// requirement judged on its answer. The UM web service's are recorded fixtures of the
// corpus (pop-invalid-entry-id, pop-undialable, the gci-callid-* and dc-callid-* ones),
// replayed with the rest; the EWS ones are built (ews_requests.go).
func (e *Env) declareRefusals(api callAPI) {
	if api.refusals == nil {
		return
	}
	e.container(api.containerPrefix()+"refused input", nil, func() {
		for _, r := range api.refusals() {
			var labels []string
			if r.places {
				labels = []string{PlacesCallLabel}
			}
			var once sync.Once
			var ex *Exchange
			send := func(ctx context.Context) *Exchange {
				// A PlayOnPhone counts against the budget, and a call it placed all the same
				// is ended at once (send).
				once.Do(func() {
					ex = e.send(ctx, api, &request{f: r.f, v: fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}})
				})
				return ex
			}
			e.container(r.f.ID, labels, func() {
				for _, id := range r.ids {
					judge := refusalJudges(r)[id]
					e.Requirement(checkSpec{id: id, scenario: api.prefix + "refused-" + r.f.ID, title: r.title, keepEvidence: id == api.evidenceID,
						judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
							ex := send(ctx)
							if isBudget(ex.Err) {
								return cannotJudgeFor(ex.Err, ""), reports.Evidence{}
							}
							return judge(ex), evidence(ex)
						}})
				}
			})
		}
	})
}

// refusalJudges are the judges of a refusal's requirements.
func refusalJudges(r refusal) map[string]func(*Exchange) Outcome {
	return map[string]func(*Exchange) Outcome{
		"E1":  judgeE1,
		"E2":  judgeE2,
		"E5":  judgeEWSExpectation,
		"E13": judgeEWSExpectation,
		"E15": judgeEWSErrorCode(r.codes, "E15"),
		"E16": judgeEWSErrorCode(r.codes, "E16"),
		"E19": judgeE19,
		"E20": judgeE20(r.codes),
	}
}

// judgeE19: PlayOnPhone with input it cannot play is an error, never a PhoneCallId.
func judgeE19(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !ewsRefused(ex) {
		return fail("an error (ResponseClass Error or a SOAP Fault), never a PhoneCallId", ewsDescribe(ex), "status line and /Envelope/Body")
	}
	return pass("refused: " + ewsDescribe(ex))
}

// judgeE20: PlayOnPhone's error is ResponseClass Error with a code that names its cause.
func judgeE20(codes []string) func(*Exchange) Outcome {
	return func(ex *Exchange) Outcome {
		if o, stop := transportProblem(ex); stop {
			return o
		}
		if !ewsRefused(ex) {
			return pass("not refused at all: E19's business")
		}
		return judgeErrorCode(ex, codes)
	}
}

// judgeEWSErrorCode (E15, E16): a request about an id that names no call is answered in
// HTTP 200 with ResponseClass Error and the code ErrorInvalidPhoneCallId; a success is E5's
// or E13's business.
func judgeEWSErrorCode(codes []string, id string) func(*Exchange) Outcome {
	return func(ex *Exchange) Outcome {
		if o, stop := transportProblem(ex); stop {
			return o
		}
		if ewsSucceeded(ex) {
			return pass(fmt.Sprintf("answered Success: not %s's business but E5's or E13's", id))
		}
		return judgeErrorCode(ex, codes)
	}
}

// judgeErrorCode: ex is an EWS Error response (HTTP 200, ResponseClass Error) whose
// ResponseCode is one of codes.
func judgeErrorCode(ex *Exchange, codes []string) Outcome {
	want := fmt.Sprintf("HTTP 200, ResponseClass Error, ResponseCode %s", codes[0])
	if len(codes) > 1 {
		want = fmt.Sprintf("HTTP 200, ResponseClass Error, ResponseCode one of %v", codes)
	}
	code, _ := ex.Result.Value("ResponseCode")
	switch {
	case ex.Result.IsFault():
		fc, _ := ex.Result.Value("faultcode")
		return fail(want+", not a SOAP Fault", fmt.Sprintf("a SOAP Fault (HTTP %d, faultcode %s)", ex.Status, fc), "/Envelope/Body/Fault")
	case ex.Status != 200 || ewsClass(ex) != classError:
		return fail(want, ewsDescribe(ex), "status line and /Envelope/Body")
	case !slices.Contains(codes, code):
		return fail(want, fmt.Sprintf("ResponseCode %q", code), "/Envelope/Body/"+ex.Result.Message+"/ResponseCode")
	}
	return pass("")
}
