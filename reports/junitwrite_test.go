package reports

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"
)

// TestJUnitWriterMatchesEncodingXML: the hand-written JUnit writer gives what encoding/xml
// gave for the same testsuites, byte for byte, hostile text included.
func TestJUnitWriterMatchesEncodingXML(t *testing.T) {
	odd := sampleRun()
	odd.Target = tricky
	odd.Checks = append(append([]Check(nil), odd.Checks...),
		Check{Name: tricky, Requirements: []string{"T1"}, Level: "MUST", Area: tricky, Verdict: Failed, Message: tricky + "\nsecond line",
			Fixture: tricky, FixtureFile: tricky, Duration: time.Millisecond, Evidence: Evidence{Request: tricky, Status: 500, Response: "\x00\x0b" + tricky}},
		Check{Name: "error", Requirements: []string{"X5"}, Verdict: Error, Message: tricky},
		Check{Name: "warning", Requirements: []string{"S3"}, Level: "SHOULD", Area: "schema", Verdict: Warning, Message: "w"},
		Check{Name: "bare", Verdict: Passed},
		Check{Name: "skipped", Requirements: []string{"L1"}, Verdict: Skipped, Message: "not run: " + tricky},
		Check{Name: "expected", Requirements: []string{"S2"}, Verdict: ExpectedFailure, Message: tricky, Expectation: &Expectation{Requirement: "S2", Reason: tricky, Expires: "2027-01-01"}},
	)
	many := sampleRun() // more than the writer's 32 KiB buffer
	many.Checks = nil
	for range 300 {
		many.Checks = append(many.Checks, sampleRun().Checks...)
	}
	bare := junitSuites{Name: "umconform", Suites: []junitSuite{{Name: "empty"}, {Name: "case without children", Cases: []junitCase{{Name: "c"}}}}}
	for name, root := range map[string]junitSuites{
		"sample": junitRoot(sampleRun()), "odd": junitRoot(odd), "many": junitRoot(many),
		"no checks": junitRoot(Run{}), "bare": bare,
	} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := xml.NewEncoder(&want)
			enc.Indent("", "  ")
			if err := enc.Encode(root); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeJUnitXML(&got, root); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, got.Bytes(), want.Bytes(), "encoding/xml", "writeJUnitXML")
			if err := xml.Unmarshal(got.Bytes(), new(junitSuites)); err != nil {
				t.Fatalf("not well-formed: %v", err)
			}
		})
	}
}
