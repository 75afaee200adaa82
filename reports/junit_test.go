package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/internal/xsdcheck"
)

func junitSampleRun() Run {
	return Run{
		Name: "umconform", Target: "https://um.contoso.com/EWS/UM2007Legacy.asmx",
		Started: time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC), Duration: 1500 * time.Millisecond,
		HarnessVersion: "v1.0.0", CatalogueVersion: "2026-11-27.1",
		Checks: []Check{
			{Name: "[T2] gci-doc-request: doc", Requirements: []string{"T2"}, Level: "MUST", Area: "transport", Fixture: "gci-doc-request",
				FixtureFile: "fixtures/corpus/gci-doc-request.json", Verdict: Passed, Duration: 2 * time.Millisecond},
			{Name: "[C2] gci-callid-unknown: unknown", Requirements: []string{"C2"}, Level: "MUST", Area: "callid", Fixture: "gci-callid-unknown",
				Verdict: Failed, Message: "C2 (MUST) broken: detail\n  expected: InvalidCallIdException\n  actual:   InvalidObjectIdException",
				Evidence: Evidence{Request: "POST /x HTTP/1.1\r\n\r\n<a/>", Status: 500, Response: "<soap:Envelope/>", Violations: []string{"5: /soap:Envelope: bad"}}},
			{Name: "[X5] gci-doc-request: timely", Requirements: []string{"X5"}, Level: "MUST", Area: "robustness",
				Verdict: Error, Message: "X5 could not be judged: connection refused"},
			{Name: "[R2] gci-utf8-bom: bom", Requirements: []string{"R2"}, Level: "SHOULD", Area: "replay", Verdict: Warning, Message: "R2 (SHOULD) broken"},
		},
	}
}

type parsedSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Time       string `xml:"time,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name       string `xml:"name,attr"`
			Classname  string `xml:"classname,attr"`
			Time       string `xml:"time,attr"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"error"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitStructure(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, junitSampleRun()); err != nil {
		t.Fatal(err)
	}
	var p parsedSuites
	if err := xml.Unmarshal(b.Bytes(), &p); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if len(p.Suites) != 4 {
		t.Fatalf("%d testsuites, want one per area (4)", len(p.Suites))
	}
	byName := map[string]int{}
	for i, s := range p.Suites {
		byName[s.Name] = i
		if s.Timestamp != "2026-11-27T01:02:03" || len(s.Cases) != 1 || s.Tests != 1 {
			t.Errorf("suite %s: timestamp %q, %d cases", s.Name, s.Timestamp, len(s.Cases))
		}
	}
	callid := p.Suites[byName["umconform.callid"]]
	c := callid.Cases[0]
	if callid.Failures != 1 || c.Failure == nil || c.Error != nil || c.Failure.Type != "C2" ||
		c.Failure.Message != "C2 (MUST) broken: detail" || !strings.Contains(c.Failure.Text, "actual:   InvalidObjectIdException") {
		t.Errorf("failed check: %+v", c)
	}
	if !strings.Contains(c.SystemOut, "5: /soap:Envelope: bad") || !strings.Contains(c.SystemOut, "response (HTTP 500)") {
		t.Errorf("evidence missing from system-out: %q", c.SystemOut)
	}
	head := junitHead(c.SystemOut)
	if head["requirement"] != "C2" || head["level"] != "MUST" || head["fixture"] != "gci-callid-unknown" || head["verdict"] != "failed" ||
		c.Classname != "umconform.callid.C2" || len(c.Properties) != 0 {
		t.Errorf("a testcase must say its requirement, level, fixture and verdict in its classname and system-out, with no properties: %+v", c)
	}
	if suite := p.Suites[byName["umconform.callid"]]; len(suite.Properties) != 6 || suite.Properties[0].Value != "https://um.contoso.com/EWS/UM2007Legacy.asmx" || suite.Properties[4].Name != "calls.placed" {
		t.Errorf("suite properties %+v", suite.Properties)
	}
	rob := p.Suites[byName["umconform.robustness"]]
	if rob.Errors != 1 || rob.Failures != 0 || rob.Cases[0].Error == nil || rob.Cases[0].Failure != nil || rob.Cases[0].Error.Type != "cannot-judge" {
		t.Errorf("an unjudged check must be an <error> only: %+v", rob.Cases[0])
	}
	warn := p.Suites[byName["umconform.replay"]].Cases[0]
	if warn.Failure != nil || warn.Error != nil || junitHead(warn.SystemOut)["verdict"] != "warning" || !strings.Contains(warn.SystemOut, "\n\nWARNING (SHOULD): R2 (SHOULD) broken") {
		t.Errorf("a warning passes with its text in system-out: %+v", warn)
	}
	if tr := p.Suites[byName["umconform.transport"]]; tr.Time != "0.002" {
		t.Errorf("transport suite time %q, want the sum of its cases, 0.002", tr.Time)
	}
	pass := p.Suites[byName["umconform.transport"]].Cases[0]
	if pass.Failure != nil || pass.Error != nil || pass.Time != "0.002" || pass.Classname != "umconform.transport.T2" ||
		pass.SystemOut != "requirement: T2\nlevel: MUST\nverdict: passed\nfixture: gci-doc-request\nfixture.file: fixtures/corpus/gci-doc-request.json" {
		t.Errorf("passed check: %+v", pass)
	}
	if p.Tests != 4 || p.Failures != 1 || p.Errors != 1 {
		t.Errorf("totals: tests=%d failures=%d errors=%d, want 4, 1, 1", p.Tests, p.Failures, p.Errors)
	}
	if strings.Contains(b.String(), "BeforeSuite") || strings.Contains(b.String(), "AfterSuite") {
		t.Error("setup nodes in the report")
	}
}

// junitHead reads the "name: value" lines that open a testcase's system-out.
func junitHead(systemOut string) map[string]string {
	head := map[string]string{}
	for _, l := range strings.Split(systemOut, "\n") {
		name, value, ok := strings.Cut(l, ": ")
		if !ok || l == "" {
			break
		}
		head[name] = value
	}
	return head
}

// TestJUnitValidatesAgainstJenkinsSchema: junit.xml is valid against the Jenkins xUnit
// plugin's junit-10.xsd, the strictest JUnit schema in common use, for runs with every
// verdict (one this package does not know included) and hostile text. The schema is shown
// to be strict first: the layout this writer had before (a skipped count on testsuites,
// properties in a testcase) must fail it.
func TestJUnitValidatesAgainstJenkinsSchema(t *testing.T) {
	const xsdFile = "testdata/junit-10.xsd"
	old := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="umconform" tests="1" failures="0" errors="0" skipped="0" time="0.001">
  <testsuite name="umconform.transport" tests="1" failures="0" errors="0" skipped="0" time="0.001" timestamp="2026-11-27T01:02:03">
    <testcase name="c" classname="umconform.transport" time="0.001"><properties><property name="verdict" value="passed"></property></properties></testcase>
  </testsuite>
</testsuites>`
	problems, err := xsdcheck.Problems(xsdFile, []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], "skipped") || !strings.Contains(problems[1], "properties") {
		t.Fatalf("the schema must reject the old layout twice (skipped on testsuites, properties in testcase): %q", problems)
	}
	odd := sampleRun()
	odd.Checks = append(odd.Checks, Check{Name: tricky, Requirements: []string{"T1"}, Level: "MUST", Area: tricky, Verdict: Failed,
		Message: tricky + "\nsecond", Fixture: tricky + "\nx", FixtureFile: tricky, Evidence: Evidence{Request: tricky, Status: 500, Response: "\x00\x0b" + tricky}})
	for name, run := range map[string]Run{"sample": sampleRun(), "junit sample": junitSampleRun(), "grouped": groupedRun(), "odd": odd, "empty": {}} {
		var b bytes.Buffer
		if err := WriteJUnit(&b, run); err != nil {
			t.Fatal(err)
		}
		problems, err := xsdcheck.Problems(xsdFile, b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			t.Errorf("%s: junit.xml does not validate against junit-10.xsd:\n%s", name, strings.Join(problems, "\n"))
		}
	}
}

func TestExitCodeAndSummary(t *testing.T) {
	run := junitSampleRun()
	if run.ExitCode() != 1 {
		t.Errorf("a failure must exit 1, got %d", run.ExitCode())
	}
	run.Checks[1].Verdict = Passed
	if run.ExitCode() != 2 {
		t.Errorf("an error without failures must exit 2, got %d", run.ExitCode())
	}
	run.Checks[2].Verdict = Passed
	if run.ExitCode() != 0 {
		t.Errorf("warnings alone must exit 0, got %d", run.ExitCode())
	}
	// A run stopped early exits 2 whatever failed, unless a redirect stopped it: the
	// redirect is the target's answer (H2), and the verdicts stand.
	for _, c := range []struct {
		stopped string
		want    int
	}{
		{"the target stopped answering: 5 timeouts in a row", 2},
		{RedirectStop + "the UM endpoint answers HTTP 302", 1},
		{"the EWS endpoint: " + RedirectStop + "the EWS endpoint answers HTTP 302", 1},
	} {
		stopped := junitSampleRun()
		stopped.Stopped = c.stopped
		if got := stopped.ExitCode(); got != c.want {
			t.Errorf("stopped %q with a failure: exit %d, want %d", c.stopped, got, c.want)
		}
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, junitSampleRun(), []string{"T2", "C2", "X5", "R2"}, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"C2           MUST    FAILED", "X5           MUST    ERROR", "R2           SHOULD  WARNING", "FAILED C2 (MUST) broken by 1 check: InvalidObjectIdException", "WARNING R2",
		"4 checks against https://um.contoso.com/EWS/UM2007Legacy.asmx: 1 passed, 1 failed, 1 warning, 1 error (1.5s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	many := junitSampleRun()
	for i := range 5 {
		many.Checks = append(many.Checks, Check{Name: fmt.Sprintf("[L1] call %d", i), Requirements: []string{"L1"}, Level: "MUST", Verdict: Error, Message: "not run: the run was interrupted before this check"})
	}
	b.Reset()
	WriteSummary(&b, many, nil, false)
	if n := strings.Count(b.String(), "not run: the run was interrupted"); n != 2 || !strings.Contains(b.String(), "ERROR L1, 5 checks: not run: the run was interrupted before this check\n") {
		t.Errorf("identical messages are not grouped (%d copies):\n%s", n, b.String())
	}
	if strings.Index(out, "C2  ") > strings.Index(out, "X5  ") || strings.Index(out, "X5  ") > strings.Index(out, "R2  ") {
		t.Error("summary not in catalogue order")
	}
	if !strings.Contains(out, "Passed every check (the other 1 requirement, 1 check): T2\n") || strings.Contains(out, "T2  ") {
		t.Errorf("the requirement that passed has a row, not the one line of those that passed:\n%s", out)
	}
}

// TestAStoppedRunExits2AndSaysWhy: a run that stopped sending because the target stopped
// answering exits 2 even though checks failed before it stopped (those failures say
// nothing about the checks it could not make), and every report says why it stopped.
func TestAStoppedRunExits2AndSaysWhy(t *testing.T) {
	run := junitSampleRun()
	run.Stopped = "the target stopped answering: 5 timeouts in a row"
	if run.ExitCode() != 2 {
		t.Errorf("a stopped run with a failure must exit 2, got %d", run.ExitCode())
	}
	var sum, junit, html bytes.Buffer
	if err := WriteSummary(&sum, run, nil, false); err != nil {
		t.Fatal(err)
	}
	if want := "\nThe run stopped sending requests: the target stopped answering: 5 timeouts in a row\n"; !strings.Contains(sum.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, sum.String())
	}
	if err := WriteJUnit(&junit, run); err != nil {
		t.Fatal(err)
	}
	if want := `<property name="stopped" value="the target stopped answering: 5 timeouts in a row">`; !strings.Contains(junit.String(), want) {
		t.Errorf("JUnit lacks %s", want)
	}
	if err := WriteHTML(&html, run); err != nil {
		t.Fatal(err)
	}
	if want := "<dt>Stopped</dt><dd>the target stopped answering: 5 timeouts in a row; the checks after that are errors</dd>"; !strings.Contains(html.String(), want) {
		t.Errorf("the HTML report lacks %s", want)
	}
}

// TestEvidenceTextDescribesACutBody: when the evidence shows the start of a body, the CI
// page says how long the whole body was and its hash.
func TestEvidenceTextDescribesACutBody(t *testing.T) {
	e := Evidence{Status: 200, Response: "<soap:Envelope", ResponseBytes: 2147483648, ResponseSHA256: "ab12"}
	if got := e.text(); !strings.Contains(got, "response (HTTP 200; 2147483648 bytes in all, SHA-256 ab12):\n<soap:Envelope") {
		t.Errorf("got %q", got)
	}
	if got := (Evidence{Status: 200, Response: "x"}).text(); got != "response (HTTP 200):\nx" {
		t.Errorf("a whole body: got %q", got)
	}
	// A compressed answer: its coding and both sizes, the excerpt being the decoded body.
	e = Evidence{Status: 500, Response: "<s:Envelope", ResponseBytes: 412, ResponseEncoding: "gzip", ResponseWireBytes: 287}
	if got := e.text(); !strings.Contains(got, "response (HTTP 500; Content-Encoding gzip, 287 bytes on the wire, shown decoded, 412 bytes in all):\n<s:Envelope") {
		t.Errorf("a compressed body: got %q", got)
	}
}
