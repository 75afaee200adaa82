package suites

import (
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

// Outcome is a judge's answer about one requirement on one exchange. A judge never
// returns "failed" for something the run could not see: CannotJudge keeps the target's
// failures apart from the harness's.
type Outcome struct {
	Pass        bool
	CannotJudge bool
	Skipped     bool // not judged by the run's choice (the call budget spent): Actual says why
	Expected    string
	Actual      string
	Where       string             // line and node path, or the HTTP part concerned
	Note        string             // why a passing check had nothing to look at, for the report
	Violations  []schema.Violation // schema violations behind a failure
}

func pass(note string) Outcome { return Outcome{Pass: true, Note: note} }

func fail(expected, actual, where string) Outcome {
	return Outcome{Expected: expected, Actual: actual, Where: where}
}

// cannotJudgeFor is cannotJudge for an error, or skipped when the error is the call
// budget's: a check the budget left out is the run's choice, not a fault of the target.
func cannotJudgeFor(err error, format string, args ...any) Outcome {
	if isBudget(err) {
		var be *BudgetError
		errors.As(err, &be)
		return Outcome{Skipped: true, Actual: be.Error()}
	}
	return cannotJudge(format, args...)
}

func cannotJudge(format string, args ...any) Outcome {
	return Outcome{CannotJudge: true, Actual: fmt.Sprintf(format, args...)}
}

// responseOf maps an operation to its success response element.
var responseOf = map[string]string{
	"GetCallInfo": "GetCallInfoResponse",
	"PlayOnPhone": "PlayOnPhoneResponse",
	"Disconnect":  "DisconnectResponse",
}

// isSOAPStatus tells whether a status promises a SOAP message (SOAP 1.1 §6.2: 200 for a
// response, 500 for a fault). A 4xx may carry anything: C5 and T4 allow it.
func isSOAPStatus(status int) bool { return status == 200 || status == 500 }

func describe(ex *Exchange) string {
	ct := ex.Header.Get("Content-Type")
	switch {
	case ex.Result.IsFault():
		code, _ := ex.Result.Value("faultcode")
		exc, _ := ex.Result.Value("ExceptionType")
		return fmt.Sprintf("HTTP %d (%s) with a Fault, faultcode %q, ExceptionType %q", ex.Status, ct, code, exc)
	case ex.Result.Message != "":
		return fmt.Sprintf("HTTP %d (%s) with %s", ex.Status, ct, ex.Result.Message)
	}
	return fmt.Sprintf("HTTP %d (%s), %d bytes with no SOAP message", ex.Status, ct, ex.bodyLen())
}

func transportProblem(ex *Exchange) (Outcome, bool) {
	if ex.Err != nil {
		return cannotJudge("no complete response: %v", ex.Err), true
	}
	return Outcome{}, false
}

// judgeX5: the response arrived within the per-request timeout. Unlike every other
// judge, a timeout is the target's failure here, not a reason not to judge.
func judgeX5(ex *Exchange) Outcome {
	var te *TransportError
	if errors.As(ex.Err, &te) && te.Kind == "timeout" {
		return fail("a complete response within the timeout", te.Error(), "the whole exchange")
	}
	if o, ok := judgeLateStop(ex); ok {
		return o
	}
	if ex.Err != nil {
		return cannotJudge("no complete response: %v", ex.Err)
	}
	if late, ok := lateAnswer(ex); ok { // X5's business alone: the answer is judged by the rest
		return fail(fmt.Sprintf("a complete response within --timeout %v", ex.Timeout), late, "the whole exchange")
	}
	return pass("")
}

// judgeX2: an entity-expansion bomb is refused: a target that never answers it fails. One
// that refuses it late is X5's failure, not X2's.
func judgeX2(ex *Exchange) Outcome {
	if o, stop := hangs(ex); stop {
		return o
	}
	return judgeExpectation(ex)
}

// judgeT1: every SOAP response is well-formed XML holding a SOAP 1.1 Envelope with a Body,
// sent in a content coding the request offered, if any (RFC 9110 section 12.5.3), that
// decodes: encoding.go.
func judgeT1(ex *Exchange) Outcome {
	// An unasked coding is known from the headers alone: T1 fails even when the body then
	// could not be read (a decompression bomb).
	if ex.EncodingProblem != "" {
		return fail("a response in no content coding, or in one the request offered (Accept-Encoding)", ex.EncodingProblem, "Content-Encoding header")
	}
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !isSOAPStatus(ex.Status) {
		return pass(fmt.Sprintf("HTTP %d is not a SOAP status; T1 applies to 200 and 500", ex.Status))
	}
	r := ex.Result
	for _, v := range r.Violations {
		if strings.HasPrefix(v.Message, "not well-formed XML") || strings.Contains(v.Message, "DOCTYPE") || strings.HasPrefix(v.Message, schema.NotParsed) {
			return Outcome{Expected: "a well-formed SOAP 1.1 envelope", Actual: v.Message, Where: "response " + position(v), Violations: []schema.Violation{v}}
		}
	}
	if r.Envelope != schema.SOAP11Namespace {
		return fail("a root Envelope in "+schema.SOAP11Namespace, fmt.Sprintf("a root element in namespace %q", r.Envelope), "response line 1")
	}
	if !r.HasBody {
		return fail("a soap:Body in the Envelope", "no Body element", "/Envelope")
	}
	return pass("")
}

// notWellFormed returns the violation that says a response is not well-formed XML.
func notWellFormed(r schema.Result) (schema.Violation, bool) {
	for _, v := range r.Violations {
		if strings.HasPrefix(v.Message, "not well-formed XML") {
			return v, true
		}
	}
	return schema.Violation{}, false
}

// position says where in a response a violation is: its line, and its column when known.
func position(v schema.Violation) string {
	if v.Column > 0 {
		return fmt.Sprintf("line %d, column %d", v.Line, v.Column)
	}
	return fmt.Sprintf("line %d", v.Line)
}

// judgeT2: SOAP responses are labelled text/xml (parameters allowed, case-insensitive).
func judgeT2(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !isSOAPStatus(ex.Status) {
		return pass(fmt.Sprintf("HTTP %d is not a SOAP status; T2 applies to 200 and 500", ex.Status))
	}
	ct := ex.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "text/xml" {
		return fail("Content-Type text/xml (SOAP 1.1 §6)", fmt.Sprintf("Content-Type %q", ct), "response header Content-Type")
	}
	return pass("")
}

// judgeT3: 200 for a response, 500 for a fault, and never a Fault with a 200.
func judgeT3(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	fault := ex.Result.IsFault()
	switch {
	case fault && ex.Status != 500:
		return fail("HTTP 500 for a SOAP Fault", fmt.Sprintf("HTTP %d with a Fault", ex.Status), "status line")
	case ex.Status == 500 && !fault:
		return fail("a SOAP Fault in a 500 response", describe(ex), "response body")
	}
	return pass("")
}

// isEnumViolation tells S2's violations (a CallState or EventCause value outside its
// enumeration) from S1's (structure).
func isEnumViolation(v schema.Violation) bool {
	return (strings.HasSuffix(v.Path, "CallState") || strings.HasSuffix(v.Path, "EventCause")) &&
		(strings.Contains(v.Message, "[facet 'enumeration']") || strings.Contains(v.Message, "is not a valid value"))
}

// isSuccess tells whether the response claims success: a 200 without a Fault.
func isSuccess(ex *Exchange) bool { return ex.Status == 200 && !ex.Result.IsFault() }

// judgeSuccessSchema covers S1, S4, S5: a success answer to operation op is its valid
// response element (enumeration violations excepted: they are S2's).
func judgeSuccessSchema(op string) func(*Exchange) Outcome {
	return func(ex *Exchange) Outcome {
		if o, stop := transportProblem(ex); stop {
			return o
		}
		if ex.Operation != op || !isSuccess(ex) {
			return pass(fmt.Sprintf("no %s success to validate: %s", op, describe(ex)))
		}
		want := responseOf[op]
		if o, found := violationOutcome(ex, func(v schema.Violation) bool { return !isEnumViolation(v) }, "a valid "+want); found {
			return o
		}
		if ex.Result.Message != want {
			return fail("a "+want+" in the Body", describe(ex), "/Envelope/Body")
		}
		return pass("")
	}
}

// judgeS2: CallState and EventCause hold values of their enumerations.
func judgeS2(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if o, found := violationOutcome(ex, isEnumViolation, "CallState one of the 8 values and EventCause one of the 5"); found {
		o.Actual = enumActual(o.Violations[0])
		return o
	}
	if ex.Result.Message != "GetCallInfoResponse" {
		return pass("no call information to check: " + describe(ex))
	}
	return pass("")
}

// enumValue finds the rejected value in libxml2's two messages for an enumeration
// ("... The value 'Ringing' is not an element of the set {...}" and "'Ringing' is not a
// valid value of the atomic type ...").
var enumValue = regexp.MustCompile(`(?:The value |^)'(.*?)' is not`)

// enumActual says which value broke S2 in a line a person takes in at a glance, and the
// same line for every response that sends that value, so the reports can group them;
// libxml2's own message stays among the violations.
func enumActual(v schema.Violation) string {
	name, n := "CallState", 8
	if strings.HasSuffix(v.Path, "EventCause") {
		name, n = "EventCause", 5
	}
	if m := enumValue.FindStringSubmatch(v.Message); m != nil {
		return fmt.Sprintf("%s '%s' is not one of the %d values", name, m[1], n)
	}
	return v.Message
}

// violationOutcome is the failure for the response's schema violations that pick selects,
// the first named, all kept; found is false when there are none.
func violationOutcome(ex *Exchange, pick func(schema.Violation) bool, expected string) (o Outcome, found bool) {
	var vs []schema.Violation
	for _, v := range ex.Result.Violations {
		if pick(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return Outcome{}, false
	}
	v := vs[0]
	return Outcome{Expected: expected, Actual: v.Message, Where: fmt.Sprintf("response line %d %s", v.Line, v.Path), Violations: vs}, true
}

// judgeS3: EventCause is one of the four documented values (SHOULD).
func judgeS3(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	for _, f := range ex.Result.Findings {
		if f.Requirement == "S3" {
			return Outcome{Expected: "EventCause None, UserBusy, NoAnswer or Other", Actual: f.Message, Where: fmt.Sprintf("response line %d %s", f.Line, f.Path), Violations: []schema.Violation{f}}
		}
	}
	return pass("")
}

// judgeS6: a Fault has the SOAP 1.1 structure.
func judgeS6(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !ex.Result.IsFault() {
		// A 500 answer to a SOAP request carries a Fault (SOAP 1.1 §6.2): one that is not
		// well-formed XML (a NUL after the envelope, a missing end tag) is a broken Fault,
		// not the absence of one.
		if v, bad := notWellFormed(ex.Result); bad && ex.Status == 500 {
			return Outcome{Expected: "a well-formed SOAP 1.1 Fault in the HTTP 500 response", Actual: v.Message,
				Where: "response " + position(v), Violations: []schema.Violation{v}}
		}
		return pass("no Fault to validate: " + describe(ex))
	}
	if len(ex.Result.Violations) > 0 {
		v := ex.Result.Violations[0]
		return Outcome{Expected: "a SOAP 1.1 Fault: faultcode (QName), faultstring, optional faultactor and detail", Actual: v.Message,
			Where: fmt.Sprintf("response line %d %s", v.Line, v.Path), Violations: ex.Result.Violations}
	}
	return pass("")
}

// judgeExpectation checks the fixture's expected outcome: the requirement the fixture
// proves (C1, C3, C4, C5, T4, L1, ...) is that the target answers as recorded.
func judgeExpectation(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	e := ex.Fixture.Expect
	if e.Status != 0 && ex.Status != e.Status {
		return fail(fmt.Sprintf("HTTP %d", e.Status), describe(ex), "status line")
	}
	switch e.Outcome {
	case fixtures.Success:
		want := responseOf[ex.Operation]
		if !isSuccess(ex) || ex.Result.Message != want {
			return fail(fmt.Sprintf("HTTP 200 with %s", want), describe(ex), "status line and /Envelope/Body")
		}
	case fixtures.Fault:
		if !ex.Result.IsFault() {
			return fail("a SOAP Fault (HTTP 500)", describe(ex), "/Envelope/Body")
		}
	case fixtures.Rejected:
		if !ex.Result.IsFault() && (ex.Status < 400 || ex.Status > 499) {
			return fail("a SOAP Fault or a 4xx status, never a success", describe(ex), "status line and /Envelope/Body")
		}
	default:
		return cannotJudge("fixture %s: unknown expected outcome %q", ex.Fixture.ID, e.Outcome)
	}
	return pass("")
}

// judgeException (C2, P2): the Fault's detail names the exception the fixture expects.
func judgeException(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	want := ex.Fixture.Expect.Exception
	if want == "" {
		want = "InvalidCallIdException"
	}
	if !ex.Result.IsFault() {
		return fail("a Fault whose detail names "+want, describe(ex), "/Envelope/Body")
	}
	got, ok := ex.Result.Value("ExceptionType")
	if !ok || fixtures.ExceptionName(got) != want {
		return fail("detail/ExceptionType "+want+" (bare or a:-prefixed)", fmt.Sprintf("ExceptionType %q (present: %v)", got, ok), "/Envelope/Body/Fault/detail")
	}
	return pass("")
}

// verdictClass reduces an exchange to what R1 compares: the kind of answer, not its bytes.
func verdictClass(ex *Exchange) string {
	switch {
	case ex.Err != nil:
		return "no response"
	case ex.Result.IsFault():
		exc, _ := ex.Result.Value("ExceptionType")
		return fmt.Sprintf("Fault %s (HTTP %d)", fixtures.ExceptionName(exc), ex.Status)
	case isSuccess(ex) && ex.Result.Message != "":
		return fmt.Sprintf("%s (HTTP %d)", ex.Result.Message, ex.Status)
	}
	return fmt.Sprintf("HTTP %d without a SOAP message", ex.Status)
}

// judgeVariant (R1, R2): a wire variant gets the same verdict as its canonical form.
func judgeVariant(ex, canonical *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if canonical == nil {
		return cannotJudge("fixture %s: canonical fixture %q is not in the corpus", ex.Fixture.ID, ex.Fixture.VariantOf)
	}
	if canonical.Err != nil {
		return cannotJudge("canonical fixture %s got no complete response: %v", canonical.Fixture.ID, canonical.Err)
	}
	got, want := verdictClass(ex), verdictClass(canonical)
	if got != want {
		return fail(fmt.Sprintf("the verdict of %s: %s", canonical.Fixture.ID, want), got, "the whole response")
	}
	return pass("")
}

// judgeL2 (replay form): EventCause is None whenever CallState is not Disconnected.
func judgeL2(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	state, ok1 := ex.Result.Value("CallState")
	cause, ok2 := ex.Result.Value("EventCause")
	if ex.Result.Message != "GetCallInfoResponse" || !ok1 || !ok2 {
		return pass("no call information: " + describe(ex))
	}
	if state != "Disconnected" && cause != "None" {
		return fail("EventCause None while the call is "+state, "EventCause "+cause, "/Envelope/Body/GetCallInfoResponse/GetCallInfoResponse/EventCause")
	}
	return pass("")
}
