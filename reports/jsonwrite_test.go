package reports

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// encodeRunJSON is report.json as encoding/json writes it from the wire types: the
// reference the hand-written writer must match byte for byte.
func encodeRunJSON(t *testing.T, run Run) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(newRunWire(run)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tricky holds what JSON escaping must get right, as a server's answer may hold anything.
const tricky = "quote \" backslash \\ <tag> & \x00\x01\x1f\x7f \b\f\n\r\t invalid \xff\xfe utf-8 é 漢 \u2028\u2029 😀"

func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	full := sampleRun()
	odd := full
	odd.Name, odd.Target, odd.Stopped, odd.Retries = tricky, tricky, tricky, tricky
	odd.Duration = 500 * time.Nanosecond // below 1e-6 s: exponent form
	odd.Checks = append([]Check(nil), full.Checks...)
	odd.Checks = append(odd.Checks,
		Check{Name: tricky, Requirements: []string{"T1", tricky}, Level: "MUST", Area: tricky, Verdict: Failed,
			Message: tricky, Fixture: tricky, FixtureFile: tricky, Duration: 3 * time.Nanosecond,
			Evidence: Evidence{Request: tricky, Status: 599, Response: tricky, ResponseBytes: 1 << 40, ResponseSHA256: tricky, States: []string{"Idle", tricky},
				ResponseEncoding: tricky, ResponseWireBytes: 1 << 33, CallState: tricky, Retries: []string{tricky, "attempt 2"},
				Violations: []string{"6: /a/b: " + tricky, tricky, "0: : no path"}}},
		Check{Name: "empty evidence", Verdict: Passed},
		Check{Name: "expected", Requirements: []string{"L3"}, Scenario: tricky, Verdict: ExpectedFailure, Message: tricky,
			Expectation: &Expectation{Requirement: "L3", Scenario: tricky, Reason: tricky, Expires: "2027-03-31", Source: tricky + ":3"}},
		Check{Name: "covered pass", Fixture: "f", Verdict: Warning,
			Expectation: &Expectation{Requirement: "T1", Fixture: "f", Reason: "r", Link: tricky, Expires: "2027-03-31", Source: "x.yaml:9", Expired: true}},
		Check{Name: "long", Verdict: Info, Duration: 90 * time.Hour, Evidence: Evidence{States: []string{"Connected"}}},
	)
	odd.Selection = &Selection{LabelFilter: tricky, Focus: []string{tricky, "b"}, Shard: 2, Shards: 4, RerunOf: tricky, MergedFrom: []string{"a", tricky}}
	odd.Expectations = []Expectation{*odd.Checks[len(odd.Checks)-3].Expectation, *odd.Checks[len(odd.Checks)-2].Expectation}
	empty := full
	empty.Checks = nil
	empty.Selection = &Selection{} // written {}: every member omitted
	many := full
	many.Checks = nil // more than the writer's 32 KiB buffer
	for range 300 {
		many.Checks = append(many.Checks, full.Checks...)
	}
	for name, run := range map[string]Run{"sample": full, "odd": odd, "no checks": empty, "many": many} {
		t.Run(name, func(t *testing.T) {
			run = withCatalogue(run, nil)
			if run.Checks == nil {
				run.Checks = []Check{}
			}
			want := encodeRunJSON(t, run)
			var buf bytes.Buffer
			if err := writeRunJSON(&buf, run); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			sameBytes(t, got, want, "encoding/json", "writeRunJSON")
			if !json.Valid(got) {
				t.Fatal("not valid JSON")
			}
		})
	}
}

func TestJSONStringsMatchEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', '"', '\\', '<', '&', 0, 0x1f, 0x7f, '\n', 'é', '\u2028', '\u2029', 0xfffd, 0x10ffff}
	for range 5000 {
		var b []byte
		for range r.IntN(12) {
			if r.IntN(8) == 0 {
				b = append(b, byte(0x80+r.IntN(0x80))) // a stray byte: invalid UTF-8
				continue
			}
			b = append(b, string(alphabet[r.IntN(len(alphabet))])...)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(string(b)); err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, string(b)); string(got)+"\n" != want.String() {
			t.Fatalf("%q: got %s, want %s", b, got, want.String())
		}
	}
	for _, f := range []float64{0, 1, 0.5, 1e-6, 9.99e-7, 5e-7, 1e-10, 123456.789, 1e20, 1e21, 2.5e22, -3e-8} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

// sameBytes fails the test at the first byte where a hand-written writer departs from the
// standard library's output, showing both around it.
func sameBytes(t *testing.T, got, want []byte, lib, writer string) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("differs from %s at byte %d:\ngot:  %q\nwant: %q\n(a field added to the model must be added to %s too)",
		lib, i, got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)], writer)
}
