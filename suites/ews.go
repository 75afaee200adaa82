package suites

import (
	"net/url"
	"regexp"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

// EWSConfig is a target's EWS endpoint (/EWS/Exchange.asmx), when it offers one: the EWS
// twin of GetCallInfo (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall) is
// checked there, beside the UM web service (docs/PROTOCOL.md).
type EWSConfig struct {
	Target    *url.URL
	Validator *schema.Validator // compiled from the EWS schema (schema.For(schema.EWS))
	Fixtures  *fixtures.Stream  // the EWS corpus (fixtures.StartEmbeddedEWS)
	// Preflight, when set, is why the EWS endpoint cannot be reached: its checks error.
	Preflight error
}

// The EWS fixtures the suites send to place, ask about and end calls.
const (
	ewsPlaceFixture      = "ews-pop-doc-request"
	ewsPollFixture       = "ews-gpci-doc-request"
	ewsDisconnectFixture = "ews-dpc-doc-request"
)

// ewsAlwaysChecked are judged on every EWS replay of f besides what it names: the
// transport, the timeliness, the schema and frame of the answer and its version header; and
// for a request expected to be refused, the SOAP structure of its Fault, if it is one, and
// when it names a PhoneCallId no call has, the error MS-OXWUMS gives GetPhoneCallInformation
// (E15) and, by analogy, DisconnectPhoneCall (E16). A request the EWS schema rejects gets
// ErrorSchemaValidation first (G4), which EWS sends as a Fault: E15 and E16 are judged only
// on one it accepts.
func (e *Env) ewsAlwaysChecked(f fixtures.Fixture) []string {
	ids := append([]string{"T1", "T2", "T3", "X5", "E1", "E2", "E6"}, transportChecked...)
	if f.Expect.Outcome == fixtures.Success {
		return ids
	}
	ids = append(ids, "S6")
	if f.BindPhoneCallID == "" && namesPhoneCallID(f) && e.ewsSchemaValid(f) {
		switch f.Operation() {
		case "GetPhoneCallInformation":
			ids = append(ids, "E15")
		case "DisconnectPhoneCall":
			ids = append(ids, "E16")
		}
	}
	return ids
}

// ewsJudge is how the EWS replay judges requirement id.
func ewsJudge(id string) func(*Exchange) Outcome {
	switch j := ewsJudges[id]; {
	case id == "E15" || id == "E16":
		return judgeEWSErrorCode([]string{codeUnknownCall}, id)
	case j != nil:
		return j
	}
	return judgeEWSExpectation
}

// namesPhoneCallID tells whether f's request carries a PhoneCallId with an Id attribute.
func namesPhoneCallID(f fixtures.Fixture) bool {
	body, err := f.Body()
	return err == nil && phoneCallIDAttr.Match(body)
}

var phoneCallIDAttr = regexp.MustCompile(`PhoneCallId\s[^>]*\bId\s*=`)
