package suites

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

// ewsJudges maps a requirement an EWS fixture names, or that every EWS replay checks, to
// how its exchange is judged; the rest (E5, E7, E13) are the fixture's expected outcome
// (judgeEWSExpectation). The wire judges (wireJudges) are the same for both APIs.
var ewsJudges = withWireJudges(map[string]func(*Exchange) Outcome{
	"S6": judgeS6,
	"E1": judgeE1,
	"E2": judgeE2,
	"E3": judgeE3,
	"E4": judgeE4,
	"E6": judgeE6,
	"E9": judgeE9,
})

// EWS's response classes and the code of success (messages.xsd ResponseMessageType).
const (
	classSuccess = "Success"
	classError   = "Error"
	codeNoError  = "NoError"
	// codeUnknownCall is the code of "this PhoneCallId names no call" (Microsoft Learn,
	// ResponseCode: ErrorInvalidPhoneCallId).
	codeUnknownCall = "ErrorInvalidPhoneCallId"
)

// ewsClass returns the ResponseClass of an EWS response message, "" when there is none.
func ewsClass(ex *Exchange) string {
	c, _ := ex.Result.Attr(ex.Result.Message, "ResponseClass")
	return c
}

// ewsSucceeded tells whether ex is an HTTP 200 answer with ResponseClass Success.
func ewsSucceeded(ex *Exchange) bool {
	return ex.Err == nil && isSuccess(ex) && ex.Result.Message == ex.Operation+"Response" && ewsClass(ex) == classSuccess
}

// ewsRefused tells whether ex is an EWS error: ResponseClass Error, a SOAP Fault or a 4xx.
func ewsRefused(ex *Exchange) bool {
	return ex.Result.IsFault() || ex.Status/100 == 4 || (ex.Status == 200 && ewsClass(ex) == classError)
}

// ewsDescribe adds the ResponseClass and ResponseCode to describe's words.
func ewsDescribe(ex *Exchange) string {
	d := describe(ex)
	if class := ewsClass(ex); class != "" {
		code, _ := ex.Result.Value("ResponseCode")
		d += fmt.Sprintf(", ResponseClass %s, ResponseCode %q", class, code)
	}
	return d
}

// isEWSEnumViolation tells E3's violations (a PhoneCallState or ConnectionFailureCause
// outside its enumeration) from E1's (structure).
func isEWSEnumViolation(v schema.Violation) bool {
	return (strings.HasSuffix(v.Path, "PhoneCallState") || strings.HasSuffix(v.Path, "ConnectionFailureCause")) &&
		(strings.Contains(v.Message, "[facet 'enumeration']") || strings.Contains(v.Message, "is not a valid value"))
}

// ewsMessage reports whether ex carries an EWS response message to judge, and otherwise
// the passing outcome that says why not.
func ewsMessage(ex *Exchange, id string) (Outcome, bool) {
	if o, stop := transportProblem(ex); stop {
		return o, false
	}
	if ex.Result.IsFault() || !isSOAPStatus(ex.Status) {
		return pass(fmt.Sprintf("no EWS response message (%s): %s applies to the others", describe(ex), id)), false
	}
	return Outcome{}, true
}

// judgeE1: an EWS answer that is not a Fault is the operation's valid response element.
func judgeE1(ex *Exchange) Outcome {
	if o, ok := ewsMessage(ex, "E1"); !ok {
		return o
	}
	want := ex.Operation + "Response"
	if o, found := violationOutcome(ex, func(v schema.Violation) bool { return !isEWSEnumViolation(v) }, "a valid "+want+" (EWS messages.xsd)"); found {
		return o
	}
	if ex.Result.Message != want {
		return fail("a "+want+" in the Body", describe(ex), "/Envelope/Body")
	}
	return pass("")
}

// judgeE2: the frame is consistent: Success with NoError; Error with an Error* code and a
// MessageText.
func judgeE2(ex *Exchange) Outcome {
	if o, ok := ewsMessage(ex, "E2"); !ok {
		return o
	}
	class := ewsClass(ex)
	code, hasCode := ex.Result.Value("ResponseCode")
	text, _ := ex.Result.Value("MessageText")
	where := "/Envelope/Body/" + ex.Result.Message
	switch class {
	case classSuccess:
		if !hasCode || code != codeNoError {
			return fail("ResponseCode NoError with ResponseClass Success", fmt.Sprintf("ResponseCode %q (present: %v)", code, hasCode), where)
		}
	case classError:
		if !hasCode || !strings.HasPrefix(code, "Error") {
			return fail("an Error* ResponseCode with ResponseClass Error", fmt.Sprintf("ResponseCode %q (present: %v)", code, hasCode), where)
		}
		if strings.TrimSpace(text) == "" {
			return fail("a MessageText saying what went wrong, with ResponseClass Error", "no MessageText", where)
		}
	case "":
		return pass("no ResponseClass to judge: E1's business")
	default:
		return pass("ResponseClass " + class + ": E2 names Success and Error")
	}
	return pass("")
}

// judgeE3: PhoneCallState and ConnectionFailureCause hold values of their enumerations.
func judgeE3(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if o, found := violationOutcome(ex, isEWSEnumViolation, "PhoneCallState one of the 8 values and ConnectionFailureCause one of the 5"); found {
		return o
	}
	return pass("")
}

// judgeE4: a valid request about a live call succeeds, with its payload.
func judgeE4(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	want := ex.Operation + "Response"
	if !ewsSucceeded(ex) {
		return fail("HTTP 200 with "+want+" ResponseClass Success", ewsDescribe(ex), "status line and /Envelope/Body")
	}
	switch ex.Operation {
	case "PlayOnPhone":
		if id, _ := ex.Result.Attr("PhoneCallId", "Id"); id == "" {
			return fail("a PhoneCallId whose Id names the call", "no PhoneCallId, or an empty Id", "/Envelope/Body/PlayOnPhoneResponse")
		}
	case "GetPhoneCallInformation":
		if _, ok := ex.Result.Value("PhoneCallState"); !ok {
			return fail("PhoneCallInformation with the call's state", "no PhoneCallInformation", "/Envelope/Body/GetPhoneCallInformationResponse")
		}
	}
	return pass("")
}

// judgeE6: an answer to a request carrying RequestServerVersion carries ServerVersionInfo.
func judgeE6(ex *Exchange) Outcome {
	if o, ok := ewsMessage(ex, "E6"); !ok {
		return o
	}
	if !bytes.Contains(ex.Fixture.Request, []byte("RequestServerVersion")) {
		return pass("the request carries no RequestServerVersion")
	}
	if !slices.Contains(ex.Result.HeaderBlocks, "{"+schema.TypesNamespace+"}ServerVersionInfo") {
		return fail("a ServerVersionInfo SOAP header (types namespace)", fmt.Sprintf("header blocks %v", ex.Result.HeaderBlocks), "/Envelope/Header")
	}
	return pass("")
}

// judgeE9 (replay form): ConnectionFailureCause is None while the call is not Disconnected.
func judgeE9(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	a := ewsAnswerOf(ex)
	if !a.isInfo() {
		return pass("no call information: " + ewsDescribe(ex))
	}
	return ewsWords(judgeL2Seq([]answer{a}))
}

// judgeEWSExpectation checks an EWS fixture's expected outcome (E5, E7, E13): an error is
// ResponseClass Error, a SOAP Fault or a 4xx refusal, never Success.
func judgeEWSExpectation(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	switch e := ex.Fixture.Expect; e.Outcome {
	case fixtures.Success:
		return judgeE4(ex)
	case fixtures.Error, fixtures.Fault, fixtures.Rejected:
		if !ewsRefused(ex) {
			return fail("an error: ResponseClass Error or a SOAP Fault, never Success", ewsDescribe(ex), "status line and /Envelope/Body")
		}
	default:
		return cannotJudge("fixture %s: unknown expected outcome %q", ex.Fixture.ID, e.Outcome)
	}
	if ex.Status/100 == 4 {
		return pass(fmt.Sprintf("refused with HTTP %d rather than an EWS error", ex.Status))
	}
	return pass("")
}

// ewsAnswerOf reduces a GetPhoneCallInformation exchange to the answer the lifecycle
// judges read. "This PhoneCallId names no call" (ErrorInvalidPhoneCallId, as an Error or
// in a Fault's detail) is given the UM name of the same verdict, InvalidCallIdException,
// which judgeL5Seq accepts after a disconnect.
func ewsAnswerOf(ex *Exchange) answer {
	code, _ := ex.Result.Value("ResponseCode")
	switch {
	case ex.Err != nil:
		return answer{Other: "no answer"}
	case ex.Result.IsFault() || ewsClass(ex) == classError:
		a := answer{Other: "Error " + code}
		if code == codeUnknownCall {
			a.Exception = "InvalidCallIdException"
		}
		return a
	}
	rawState, ok1 := ex.Result.Value("PhoneCallState")
	rawCause, ok2 := ex.Result.Value("ConnectionFailureCause")
	if !ewsSucceeded(ex) || !ok1 || !ok2 {
		return answer{Other: ewsDescribe(ex)}
	}
	return infoAnswer(rawState, rawCause)
}

// ewsWords rewrites the UM words of the shared sequence judges' outcomes into EWS's.
func ewsWords(o Outcome) Outcome {
	r := strings.NewReplacer("GetCallInfo", "GetPhoneCallInformation", "EventCause", "ConnectionFailureCause",
		"an InvalidCallIdException Fault", "the error ErrorInvalidPhoneCallId", "CallId", "PhoneCallId")
	o.Expected, o.Actual, o.Where = r.Replace(o.Expected), r.Replace(o.Actual), r.Replace(o.Where)
	return o
}
