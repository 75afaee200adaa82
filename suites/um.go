package suites

// The UM web service's share of its driver (umAPI): the recorded requests that place, ask
// about and end calls, how its answers read, the judges of its replay and how its hostile
// requests are written.

import (
	"bytes"
	"fmt"

	"github.com/umconform/umconform/fixtures"
)

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

// CreateCallFixture is the recorded PlayOnPhone request used to create the live calls that
// CallId-bound fixtures and the lifecycle specs need.
const CreateCallFixture = "pop-request"

// disconnectFixture is the recorded Disconnect request used to end calls the run created.
const disconnectFixture = "dc-request"

// pollFixture is the recorded GetCallInfo request the lifecycle suite polls calls with.
const pollFixture = "gci-doc-request"

// wireJudges judge what every answer of either API is held to whatever it says: its HTTP
// message, its envelope and its timing. Each API's table starts from them (withWireJudges).
var wireJudges = map[string]func(*Exchange) Outcome{
	"T1": judgeT1, "T2": judgeT2, "T3": judgeT3, "T5": judgeT5, "T6": judgeT6,
	"T7": judgeT7, "T8": judgeT8, "T9": judgeT9, "T10": judgeT10, "X5": judgeX5,
}

// withWireJudges is own with the wire judges added.
func withWireJudges(own map[string]func(*Exchange) Outcome) map[string]func(*Exchange) Outcome {
	for id, j := range wireJudges {
		own[id] = j
	}
	return own
}

// judges maps a requirement a UM fixture names to how its exchange is judged. A requirement
// not listed here is judged by the fixture's expected outcome (judgeExpectation).
var judges = withWireJudges(map[string]func(*Exchange) Outcome{
	"S1": judgeSuccessSchema("GetCallInfo"),
	"S2": judgeS2,
	"S3": judgeS3,
	"S4": judgeSuccessSchema("PlayOnPhone"),
	"S5": judgeSuccessSchema("Disconnect"),
	"S6": judgeS6,
	"C2": judgeException,
	"L9": judgeException,
	"P2": judgeException,
	"L2": judgeL2,
	"X2": judgeX2,
})

// umJudge is how the UM replay judges requirement id.
func umJudge(id string) func(*Exchange) Outcome {
	if j, ok := judges[id]; ok {
		return j
	}
	return judgeExpectation
}

// alwaysChecked returns the requirements judged on every replay of UM fixture f besides
// those it names: every answer's transport (T1–T3), its timeliness (X5) and the schema of
// what it should be.
func alwaysChecked(f fixtures.Fixture) []string {
	ids := append([]string{"T1", "T2", "T3", "X5"}, transportChecked...)
	if f.Expect.Outcome != fixtures.Success {
		return append(ids, "S6")
	}
	switch f.Operation() {
	case "GetCallInfo":
		ids = append(ids, "S1", "S2", "S3")
	case "PlayOnPhone":
		ids = append(ids, "S4")
	case "Disconnect":
		ids = append(ids, "S5")
	}
	return ids
}

// umProbeRequest is a GetCallInfo whose CallId is payload, after prolog.
func umProbeRequest(id, prolog, payload string) fixtures.Fixture {
	body := `<?xml version="1.0" encoding="utf-8"?>
` + prolog + envelope(`<GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>`+payload+`</CallId>
    </GetCallInfo>`)
	return wireRequest(id, "GetCallInfo", fixtures.Rejected, "", []byte(body))
}

// umPaddedRequest is a GetCallInfo for the live call padded to n bytes with a comment, so
// that only its size can be the reason to refuse it. The comment follows the Body, where
// readers that stop at the operation element (ours too) never scan it.
func umPaddedRequest(id string, n int) fixtures.Fixture {
	head := `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>` + placeholderCallID + `</CallId>
    </GetCallInfo>
  </soap:Body>
  <!-- `
	return wireRequest(id, "GetCallInfo", fixtures.Rejected, placeholderCallID, padded(head, n))
}

// envelope wraps a Body child in the documentation's SOAP 1.1 envelope.
func envelope(op string) string {
	return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    ` + op + `
  </soap:Body>
</soap:Envelope>
`
}

// wireRequest frames body as the documentation's requests are framed, so that a built-in
// request differs from a recorded one only in what it is built to test.
func wireRequest(id, op string, outcome fixtures.Outcome, bindCallID string, body []byte) fixtures.Fixture {
	var raw bytes.Buffer
	raw.Grow(len(body) + 256)
	fmt.Fprintf(&raw, "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: mail.contoso.com\r\nContent-Type: text/xml; charset=utf-8\r\n"+
		"SOAPAction: \"http://schemas.microsoft.com/exchange/services/2006/messages/%s\"\r\nContent-Length: %d\r\n\r\n", op, len(body))
	raw.Write(body)
	return fixtures.Fixture{ID: id, Title: id, Expect: fixtures.Expect{Outcome: outcome}, BindCallID: bindCallID, Request: raw.Bytes()}
}
