package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/umconform/umconform/catalogue"
)

// update rewrites the golden files under testdata from the current writers.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// started is the fixed clock of every sample run, so golden files do not change by the hour.
var started = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

const sampleRequest = `POST /EWS/UM2007Legacy.asmx HTTP/1.1
Content-Type: text/xml; charset=utf-8
SOAPAction: "https://schemas.microsoft.com/exchange/services/2006/messages/GetCallInfo"

<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfo xmlns="https://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>AQAAAA==</CallId>
    </GetCallInfo>
  </soap:Body>
</soap:Envelope>`

// sampleResponse has an out-of-range CallState on line 6.
const sampleResponse = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfoResponse xmlns="https://schemas.microsoft.com/exchange/services/2006/messages">
      <GetCallInfoResponse>
        <CallState>Ringing</CallState>
        <EventCause>None</EventCause>
      </GetCallInfoResponse>
    </GetCallInfoResponse>
  </soap:Body>
</soap:Envelope>`

const goodResponse = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfoResponse xmlns="https://schemas.microsoft.com/exchange/services/2006/messages">
      <GetCallInfoResponse>
        <CallState>Connected</CallState>
        <EventCause>None</EventCause>
      </GetCallInfoResponse>
    </GetCallInfoResponse>
  </soap:Body>
</soap:Envelope>`

// sampleRun has one check of each verdict, as the suites record them.
func sampleRun() Run {
	return Run{
		Name:             "umconform",
		Target:           "http://127.0.0.1:8080/EWS/UM2007Legacy.asmx",
		Started:          started,
		Duration:         2345 * time.Millisecond,
		HarnessVersion:   "v0.4.0",
		CatalogueVersion: "2026-11-27.1",
		Checks: []Check{
			{
				Name: "[S1] getcallinfo-connected: the response validates", Requirements: []string{"S1"},
				Level: "MUST", Area: "schema", Fixture: "getcallinfo-connected", FixtureFile: "fixtures/getcallinfo-connected.xml",
				Verdict: Passed, Duration: 12 * time.Millisecond,
				Evidence: Evidence{Request: sampleRequest, Status: 200, Response: goodResponse},
			},
			{
				Name: "[S2] getcallinfo-ringing: CallState and EventCause are in range", Requirements: []string{"S2"},
				Level: "MUST", Area: "schema", Fixture: "getcallinfo-ringing", FixtureFile: "fixtures/getcallinfo-ringing.xml",
				Verdict: Failed, Duration: 15 * time.Millisecond,
				Message: "S2 (MUST) broken: CallState is one of the 8 values; EventCause one of the 5\n" +
					"  expected: CallState one of the 8 values and EventCause one of the 5\n" +
					"  actual:   'Ringing' is not a valid value of the atomic type 'CallStateType'\n" +
					"  where:    response line 6 /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState\n" +
					"  fixture:  fixtures/getcallinfo-ringing.xml",
				Evidence: Evidence{Request: sampleRequest, Status: 200, Response: sampleResponse,
					CallState: "the shared call AQAAAA==, placed 40ms before this request, last reported Connected/None 12ms before it",
					Violations: []string{"6: /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState: 'Ringing' is not a valid value of the atomic type 'CallStateType'"}},
			},
			{
				Name: "[S3] getcallinfo-connected: EventCause is documented", Requirements: []string{"S3"},
				Level: "SHOULD", Area: "schema", Fixture: "getcallinfo-connected",
				Verdict: Warning, Duration: 11 * time.Millisecond,
				Message: "S3 (SHOULD) broken: EventCause is one of the 4 documented values\n" +
					"  expected: EventCause None, UserBusy, NoAnswer or Other\n" +
					"  actual:   EventCause is Unavailable\n" +
					"  where:    response line 7 /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/EventCause",
				Evidence: Evidence{Status: 200, Response: goodResponse},
			},
			{
				Name: "[L1] a CallId from PlayOnPhone is accepted at once", Requirements: []string{"L1"},
				Level: "MUST", Area: "lifecycle", Verdict: Error, Duration: 10 * time.Second,
				Message:  "L1 could not be judged: PlayOnPhone: dial tcp 127.0.0.1:8080: connect: connection refused",
				Evidence: Evidence{States: []string{"Idle", "Connecting"}},
			},
			{
				Name: "[T2] getcallinfo-connected: responses are text/xml", Requirements: []string{"T2"},
				Level: "MUST", Area: "transport", Fixture: "getcallinfo-connected",
				Verdict: Passed, Duration: 3 * time.Millisecond,
			},
		},
	}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is meant, run go test ./reports/ -update and review the diff\ngot:\n%s", name, got)
	}
}

// validateReport checks a report.json against schema/report.schema.json with a real JSON
// Schema implementation (santhosh-tekuri/jsonschema: maintained, passes the official
// JSON-Schema-Test-Suite for draft 2020-12), because checking a schema by hand-written
// assertions would drift from the schema and miss what it says.
func validateReport(t *testing.T, report []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat() // "started" must be a real date-time, not only a string
	sch, err := c.Compile(filepath.Join("..", "schema", "report.schema.json"))
	if err != nil {
		t.Fatalf("compiling the report schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(report))
	if err != nil {
		t.Fatalf("report.json is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("report.json does not validate against schema/report.schema.json:\n%v", err)
	}
}

func catalogueForTest() catalogue.Catalogue { return catalogue.Default() }
