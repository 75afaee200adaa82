package reports

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
)

// gatedRun is sampleRun as a shard of a run with an expectations file: the S2 failure is
// expected, the S1 pass is covered by an entry that is no longer needed, and one entry has
// expired.
func gatedRun() Run {
	run := sampleRun()
	s2 := &Expectation{Requirement: "S2", Fixture: "getcallinfo-ringing", Reason: "vendor ticket 1234, CallState Ringing while alerting",
		Link: "https://tracker.example/1234", Expires: "2027-03-31", Source: "expectations.yaml:1"}
	s1 := &Expectation{Requirement: "S1", Reason: "old schema bug", Expires: "2027-01-01", Source: "expectations.yaml:6"}
	expired := Expectation{Requirement: "T2", Scenario: "lifecycle-call-0001", Reason: "fixed since", Expires: "2026-01-31", Source: "expectations.yaml:10", Expired: true}
	run.Checks[1].Verdict, run.Checks[1].Expectation = ExpectedFailure, s2
	run.Checks[0].Verdict, run.Checks[0].Expectation = Warning, s1
	run.Checks[0].Message = "unexpectedly passed: remove the expectation at expectations.yaml:6"
	run.Checks[3].Scenario = "lifecycle-call-0001"
	run.Expectations = []Expectation{*s2, *s1, expired}
	run.Selection = &Selection{LabelFilter: "MUST", Shard: 2, Shards: 4}
	return run
}

func TestGatedRunValidatesAndRoundTrips(t *testing.T) {
	run := gatedRun()
	var b bytes.Buffer
	if err := WriteJSON(&b, run); err != nil {
		t.Fatal(err)
	}
	validateReport(t, b.Bytes())
	for _, want := range []string{`"verdict": "expected-failure"`, `"source": "expectations.yaml:1"`, `"expired": true`, `"shards": 4`, `"scenario": "lifecycle-call-0001"`} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("report.json lacks %s", want)
		}
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if want := withCatalogue(run, catalogueForTest()); !reflect.DeepEqual(back, want) {
		t.Errorf("round trip changed the run:\ngot  %+v\nwant %+v", back, want)
	}
	if run.ExitCode() != 2 { // the sample's L1 error; the expected S2 failure does not count
		t.Errorf("exit code %d, want 2 (an error, no failure)", run.ExitCode())
	}
	run.Checks[3].Verdict = Passed
	if run.ExitCode() != 0 {
		t.Errorf("exit code %d with only an expected failure and a warning, want 0", run.ExitCode())
	}
}

func TestJUnitSkipsExpectedFailures(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, gatedRun()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Skipped int `xml:"skipped,attr"`
		Suites  []struct {
			Skipped    int `xml:"skipped,attr"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct{}
				Skipped *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var skipped []string
	suiteSkipped := 0
	for _, s := range doc.Suites {
		suiteSkipped += s.Skipped
		found := false
		for _, p := range s.Properties {
			found = found || p.Name == "selection" && p.Value == "partial run: shard 2 of 4"
		}
		if !found {
			t.Errorf("suite properties %+v do not say the run was shard 2 of 4", s.Properties)
		}
		for _, c := range s.Cases {
			if c.Skipped == nil {
				continue
			}
			skipped = append(skipped, c.Name)
			want := "expected failure: vendor ticket 1234, CallState Ringing while alerting (until 2027-03-31, https://tracker.example/1234; expectations.yaml:1)"
			if c.Skipped.Message != want || c.Skipped.Type != "expected-failure" || !strings.Contains(c.Skipped.Text, "S2 (MUST) broken") {
				t.Errorf("skipped = %+v, want message %q and the failure as text", c.Skipped, want)
			}
		}
	}
	if len(skipped) != 1 || !strings.HasPrefix(skipped[0], "[S2]") || suiteSkipped != 1 {
		t.Errorf("skipped cases %v (suites count %d, root %d), want the S2 check once", skipped, suiteSkipped, doc.Skipped)
	}
}

func TestSummaryShowsExpectedAndExpired(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummary(&b, gatedRun(), catalogueForTest().IDs(), false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"REQUIREMENT  LEVEL   VERDICT           PASSED  FAILED  WARNINGS  ERRORS  EXPECTED",
		"S2           MUST    EXPECTED-FAILURE  0       0       0         0       1",
		"EXPECTED FAILURES: 1 check broke a requirement as the expectations file accepts; they do not fail the run\n" +
			"  S2 (MUST) broken by 1 check, as the expectations file accepts: 'Ringing' is not a valid value of the atomic type 'CallStateType'\n" +
			"    accepted by: vendor ticket 1234, CallState Ringing while alerting (until 2027-03-31, https://tracker.example/1234; expectations.yaml:1)\n" +
			"    checks: getcallinfo-ringing\n",
		// An unexpected pass is said for what it is, and shows no response: nothing in it is wrong.
		"UNEXPECTED PASS S1 (MUST) passed by 1 check that the expectations file expects to fail: remove its entry\n" +
			"  [S1] getcallinfo-connected: the response validates\n    unexpectedly passed: remove the expectation at expectations.yaml:6\n\n",
		"EXPIRED EXPECTATION expectations.yaml:10: T2 on lifecycle-call-0001 expired after 2026-01-31 (fixed since); its checks count as they are",
		"Partial run: shard 2 of 4\n",
		"1 passed, 0 failed, 2 warnings, 1 error, 1 expected failure (2.3s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteSummary(&b, sampleRun(), catalogueForTest().IDs(), false); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, "EXPECTED") || strings.Contains(out, "artial") {
		t.Errorf("a run without expectations or selection mentions them:\n%s", out)
	}
}

func TestHTMLShowsExpectedAndSelection(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, gatedRun()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`<details class="check expected-failure" id="run0-group`,
		`<strong>Expected failure</strong>, accepted until 2027-03-31: vendor ticket 1234, CallState Ringing while alerting (<a href="https://tracker.example/1234">`,
		`<strong>Covered by an expectation</strong>, accepted until 2027-01-01: old schema bug`,
		`<dt>Selection</dt><dd>partial run: shard 2 of 4</dd>`,
		`<dt>Expired expectation</dt><dd>expectations.yaml:10: T2 on lifecycle-call-0001 expired after 2026-01-31`,
		`1 expected-failure</a>`, // a chip that links to the group
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
}
