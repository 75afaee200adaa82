package reports

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// benchRun is shaped like bench/run.sh's N = 1 000 run: seven passing checks per
// exchange, the T1 check of each keeping the request and response as evidence.
func benchRun(exchanges int) Run {
	reqs := []struct{ id, area string }{{"C1", "callid"}, {"S1", "schema"}, {"S2", "schema"}, {"S3", "schema"}, {"T1", "transport"}, {"T2", "transport"}, {"X5", "robustness"}}
	run := Run{Name: "reference", Target: "http://127.0.0.1:34043/EWS/UM2007Legacy.asmx (embedded reference server, profile exchange)",
		Started: time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC), Duration: 7 * time.Second, HarnessVersion: "(devel)", CatalogueVersion: "2026-11-27.3"}
	request := "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCallInfo xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><CallId>MDlkZjllZGMtNGUyMy00NzA5LWJkYWYtN2JlMjBjYjBhZTU2</CallId></GetCallInfo></soap:Body></soap:Envelope>"
	response := "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCallInfoResponse xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></soap:Body></soap:Envelope>"
	for i := range exchanges {
		fixture := fmt.Sprintf("bench-%06d-gci-doc-request", i)
		for _, r := range reqs {
			c := Check{Name: fmt.Sprintf("[%s] %s: The documentation's request, with a live CallId", r.id, fixture),
				Requirements: []string{r.id}, Level: "MUST", Area: r.area, Fixture: fixture,
				FixtureFile: "/tmp/umconform-bench/fixtures-1000/" + fixture + ".json", Verdict: Passed, Duration: 1373 * time.Nanosecond}
			if r.id == "T1" {
				c.Evidence = Evidence{Request: request, Status: 200, Response: response}
			}
			run.Checks = append(run.Checks, c)
		}
	}
	return run
}

// BenchmarkWriteAll writes the three reports of a 7 000-check run, as a run of 1 000
// exchanges does after its last check.
func BenchmarkWriteAll(b *testing.B) {
	run := benchRun(1000)
	dir := b.TempDir()
	for b.Loop() {
		if err := WriteAll(dir, run); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJUnit(b *testing.B) { benchWriter(b, WriteJUnit) }
func BenchmarkWriteJSON(b *testing.B)  { benchWriter(b, WriteJSON) }
func BenchmarkWriteHTML(b *testing.B)  { benchWriter(b, WriteHTML) }

func benchWriter(b *testing.B, write func(w io.Writer, run Run) error) {
	run := benchRun(1000)
	for b.Loop() {
		if err := write(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}
