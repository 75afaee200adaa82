package reports

import (
	"bytes"
	"fmt"
	"github.com/umconform/umconform/catalogue"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ringingCheck is an S2 failure as the suites record it for fixture id, with the
// violation on the given response line.
func ringingCheck(id string, line int, value string) Check {
	file := "fixtures/corpus/" + id + ".json"
	where := fmt.Sprintf("response line %d /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState", line)
	return Check{
		Name: "[S2] " + id + ": a replayed request", Requirements: []string{"S2"}, Level: "MUST", Area: "schema",
		Fixture: id, FixtureFile: file, Verdict: Failed,
		Message: "S2 (MUST) broken: CallState is one of the 8 values; EventCause one of the 5\n" +
			"  expected: CallState one of the 8 values and EventCause one of the 5\n" +
			"  actual:   CallState '" + value + "' is not one of the 8 values\n" +
			"  where:    " + where + "\n" +
			"  fixture:  " + file,
		Evidence: Evidence{Status: 200, Response: `<soap:Envelope><soap:Body><CallState>` + value + `</CallState></soap:Body></soap:Envelope>`,
			Violations: []string{fmt.Sprintf("%d: /soap:Envelope/soap:Body/CallState: Element 'CallState': [facet 'enumeration'] The value '%s' is not an element of the set", line, value)}},
	}
}

// groupedRun: 30 exchanges send Ringing (on different lines), two send Sneezing, a
// lifecycle check sends Ringing too, one SHOULD is broken, a dead target left three
// requirements unjudged, and a verdict this package does not know.
func groupedRun() Run {
	run := Run{Target: "http://um.example/EWS/UM2007Legacy.asmx", Duration: 2 * time.Second}
	run.Checks = append(run.Checks, Check{Name: "[T1] gci-a: ok", Requirements: []string{"T1"}, Level: "MUST", Verdict: Passed})
	for i := range 30 {
		run.Checks = append(run.Checks, ringingCheck(fmt.Sprintf("gci-%02d", i), 1+i%3, "Ringing"))
	}
	run.Checks = append(run.Checks, ringingCheck("gci-sneeze-1", 6, "Sneezing"), ringingCheck("gci-sneeze-2", 6, "Sneezing"))
	life := ringingCheck("x", 1, "Ringing")
	life.Name, life.Fixture, life.FixtureFile = "[S2] call to +15550100: every CallState and EventCause is in its enumeration", "", ""
	life.Message = strings.Replace(life.Message, "\n  fixture:  fixtures/corpus/x.json", "", 1)
	run.Checks = append(run.Checks, life)
	run.Checks = append(run.Checks, Check{Name: "[R2] gci-bom: bom", Requirements: []string{"R2"}, Level: "SHOULD", Fixture: "gci-bom", Verdict: Warning,
		Message: "R2 (SHOULD) broken: a BOM is accepted\n  expected: the verdict of gci-doc: GetCallInfoResponse (HTTP 200)\n  actual:   Fault  (HTTP 500)\n  where:    the whole response"})
	for _, id := range []string{"X5", "T1", "C1"} {
		run.Checks = append(run.Checks, Check{Name: "[" + id + "] gci-dead: d", Requirements: []string{id}, Level: "MUST", Fixture: "gci-dead", FixtureFile: "fixtures/corpus/gci-dead.json",
			Verdict: Error, Message: id + " could not be judged: no complete response: refused: dial tcp 127.0.0.1:9: connection refused\n  fixture:  fixtures/corpus/gci-dead.json"})
	}
	run.Checks = append(run.Checks, Check{Name: "[L1] budget", Requirements: []string{"L1"}, Level: "MUST", Verdict: "skipped", Message: "not run: the call budget is spent"})
	return run
}

var testOrder = []string{"T1", "S2", "C1", "L1", "X5", "R2"}

func TestGroupsGatherIdenticalViolations(t *testing.T) {
	run := groupedRun()
	groups := run.Groups(testOrder)
	var titles []string
	for _, g := range groups {
		titles = append(titles, strings.ToUpper(string(g.Verdict))+" "+g.Title())
	}
	want := []string{
		"FAILED S2 (MUST) broken by 31 checks: CallState 'Ringing' is not one of the 8 values",
		"FAILED S2 (MUST) broken by 2 checks: CallState 'Sneezing' is not one of the 8 values",
		"ERROR T1, C1, X5, 3 checks: could not be judged: no complete response: refused: dial tcp 127.0.0.1:9: connection refused",
		"WARNING R2 (SHOULD) broken by 1 check: Fault  (HTTP 500)",
		"SKIPPED L1, 1 check: not run: the call budget is spent",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	ringing := groups[0]
	if ringing.Checks[0] != 1 || ringing.Checks[30] != 33 || ringing.Text != "CallState is one of the 8 values; EventCause one of the 5" {
		t.Errorf("the Ringing group: members %v, text %q; want run order with the lifecycle check last", ringing.Checks, ringing.Text)
	}
	n := 0
	for _, g := range groups {
		n += len(g.Checks)
	}
	if n != len(run.Checks)-1 {
		t.Errorf("the groups hold %d checks, want every one that did not pass (%d)", n, len(run.Checks)-1)
	}
}

// TestGroupKeyIgnoresTheFixtureOnly: a message naming the check's own fixture still
// groups with its siblings, but a different requirement or verdict does not.
// TestGroupSampleIsAReplayedFixture: a group's sample is a check with a fixture when it
// has one, whatever the run order; the others keep theirs.
func TestGroupSampleIsAReplayedFixture(t *testing.T) {
	run := Run{}
	for _, id := range []string{"", "", "gci-b", "", "gci-a"} {
		c := ringingCheck(id, 1, "Ringing")
		if id == "" {
			c.Fixture, c.FixtureFile = "", ""
			c.Message = strings.Replace(c.Message, "\n  fixture:  fixtures/corpus/.json", "", 1)
		}
		run.Checks = append(run.Checks, c)
	}
	g := run.Groups(nil)
	if len(g) != 1 || fmt.Sprint(g[0].Checks) != "[2 0 1 3 4]" {
		t.Errorf("groups %+v, want one with the first fixture's check first, then the others in run order", g)
	}
}

func TestGroupKeyIgnoresTheFixtureOnly(t *testing.T) {
	a, b := ringingCheck("gci-one", 1, "Ringing"), ringingCheck("gci-two", 9, "Ringing")
	a.Message = strings.Replace(a.Message, "8 values\n  where", "8 values (gci-one)\n  where", 1)
	b.Message = strings.Replace(b.Message, "8 values\n  where", "8 values (gci-two)\n  where", 1)
	ka, sa := groupKey(a)
	kb, _ := groupKey(b)
	if ka != kb || sa != "CallState 'Ringing' is not one of the 8 values (…)" {
		t.Errorf("fixture names not taken out: %q vs %q (summary %q)", ka, kb, sa)
	}
	c := b
	c.Requirements = []string{"S1"}
	if kc, _ := groupKey(c); kc == kb {
		t.Error("two requirements broken the same way share a group")
	}
	d := b
	d.Verdict = Warning
	if kd, _ := groupKey(d); kd == kb {
		t.Error("two verdicts share a group")
	}
	if got := withoutWord("gci-one gci-one-2 xgci-one gci-one. (gci-one)", "gci-one"); got != "… gci-one-2 xgci-one …. (…)" {
		t.Errorf("withoutWord: %q", got)
	}
}

func TestParseMessage(t *testing.T) {
	m := parseMessage("S2 (MUST) broken: x\n  expected: a: b\n  actual:   c\n  where:    d")
	if m.Headline != "S2 (MUST) broken: x" || m.get("expected") != "a: b" || m.get("actual") != "c" || m.get("where") != "d" {
		t.Errorf("%+v", m)
	}
	for _, odd := range []string{"one line", "head\nnot indented: x", "head\n  other: x", "head\n  actual: x\nmore"} {
		if m := parseMessage(odd); m.Headline != odd || len(m.Fields) != 0 {
			t.Errorf("%q: a message in another shape must stay whole: %+v", odd, m)
		}
	}
}

// TestConsoleSummaryGroups: the console gives the requirement table, one block per group
// with one sample in full and the others on one line, and the totals; verbose gives every
// check in full.
func TestConsoleSummaryGroups(t *testing.T) {
	run := groupedRun()
	var b bytes.Buffer
	if err := WriteSummary(&b, run, testOrder, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"REQUIREMENT  LEVEL   VERDICT  PASSED  FAILED  WARNINGS  ERRORS\n",
		"S2           MUST    FAILED   0       33      0         0\n",
		"\nFAILED S2 (MUST) broken by 31 checks: CallState 'Ringing' is not one of the 8 values\n" +
			"  S2: CallState is one of the 8 values; EventCause one of the 5\n" +
			"  for example [S2] gci-00: a replayed request\n" +
			"    expected: CallState one of the 8 values and EventCause one of the 5\n" +
			"    actual:   CallState 'Ringing' is not one of the 8 values\n" +
			"    where:    response line 1 /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState\n" +
			"    fixture:  fixtures/corpus/gci-00.json\n" +
			"    violation: 1: /soap:Envelope/soap:Body/CallState: Element 'CallState': [facet 'enumeration'] The value 'Ringing' is not an element of the set\n" +
			"    response (HTTP 200): <soap:Envelope><soap:Body><CallState>Ringing</CallState></soap:Body></soap:Envelope>\n" +
			"  also 30 others: gci-01, gci-02, ",
		", gci-29, call to +15550100\n",
		"\nERROR T1, C1, X5, 3 checks: could not be judged: no complete response: refused: dial tcp 127.0.0.1:9: connection refused\n" +
			"  for example [X5] gci-dead: d\n" +
			"    X5 could not be judged: no complete response: refused: dial tcp 127.0.0.1:9: connection refused\n" +
			"    fixture:  fixtures/corpus/gci-dead.json\n" +
			"  also 2 others: [T1] gci-dead, [C1] gci-dead\n",
		// A check the run left out is a line under the table, not a block.
		"\nNot run (1 check of L1): the call budget is spent\n\nFAILED",
		"\n39 checks against http://um.example/EWS/UM2007Legacy.asmx: 1 passed, 33 failed, 1 warning, 3 errors, 1 skipped (2.0s)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "actual:"); n != 3 {
		t.Errorf("%d checks shown in full, want one per group that has fields (3):\n%s", n, out)
	}
	if strings.Index(out, "T1 ") > strings.Index(out, "S2 ") {
		t.Error("the table is not in catalogue order")
	}

	b.Reset()
	if err := WriteSummary(&b, run, testOrder, true); err != nil {
		t.Fatal(err)
	}
	verbose := b.String()
	if n := strings.Count(verbose, "actual:"); n != 34 || strings.Contains(verbose, "also ") {
		t.Errorf("verbose: %d checks in full, want every one with fields (34), and no list of others:\n%s", n, verbose)
	}
}

// TestGroupKeyIgnoresWhatVariesPerCall: checks that break one rule the same way on
// different calls (another answer number, phone number, call id) are one group; an HTTP
// status is the violation itself and keeps two apart.
func TestGroupKeyIgnoresWhatVariesPerCall(t *testing.T) {
	call := func(dial string, answer int, id, actual string) Check {
		return Check{Name: "[L3] call to " + dial + ": Disconnected is terminal", Requirements: []string{"L3"}, Level: "MUST",
			Scenario: "lifecycle-call-" + dial, Verdict: Failed,
			Message: fmt.Sprintf("L3 (MUST) broken: Once Disconnected, a call is never reported in another state\n"+
				"  expected: Disconnected in every answer after answer %d reported it (call %s)\n"+
				"  actual:   %s\n  where:    GetCallInfo answer %d of %d", answer, id, actual, answer+1, answer+4)}
	}
	a := call("+15550101", 3, "NjkyNTBjODAtOWRmOS00Yjc2LThlYTgtYmQwYmRiOTk3OTk3fHVtLnVtY29uZm9ybS50ZXN0", "Connected/None")
	b := call("+15550107", 10, "ZmZmZjBjODAtOWRmOS00Yjc2LThlYTgtYmQwYmRiOTk3OTk3fHVtLnVtY29uZm9ybS50ZXN0", "Connected/None")
	c := call("+15550102", 8, "x", "Alerted/None")
	run := Run{Checks: []Check{a, b, c}}
	groups := run.Groups(testOrder)
	if len(groups) != 2 || len(groups[0].Checks) != 2 || groups[0].Title() != "L3 (MUST) broken by 2 checks: Connected/None" {
		t.Errorf("groups %+v, want the two Connected/None checks together and Alerted/None apart", groups)
	}
	status := func(code int) Check {
		return Check{Name: "[T3] f", Requirements: []string{"T3"}, Level: "MUST", Verdict: Failed,
			Message: fmt.Sprintf("T3 (MUST) broken: a Fault is sent with HTTP 500\n  expected: HTTP 500\n  actual:   HTTP %d", code)}
	}
	if k1, _ := groupKey(status(200)); k1 == func() string { k, _ := groupKey(status(404)); return k }() {
		t.Error("HTTP 200 and HTTP 404 share a group")
	}
}

// TestARunThatDidNotStart: a run whose first request found the target unreachable is one group of one
// cause in every report, and the console says it in two lines; a run stopped after a
// check was judged is not.
func TestARunThatDidNotStart(t *testing.T) {
	run := Run{Target: "http://127.0.0.1:9/EWS/UM2007Legacy.asmx", Stopped: "target unreachable: connection refused"}
	for i, id := range []string{"T1", "S2", "X5", "L1"} {
		run.Checks = append(run.Checks, Check{Name: fmt.Sprintf("[%s] c%d", id, i), Requirements: []string{id}, Level: "MUST", Verdict: Error,
			Message: fmt.Sprintf("%s could not be judged: call %d was not placed: connection refused", id, i)})
	}
	if !run.NotStarted() {
		t.Fatal("a run of errors that stopped is not NotStarted")
	}
	if g := run.Groups(testOrder); len(g) != 1 || len(g[0].Checks) != 4 || !strings.Contains(g[0].Title(), "the run did not start: target unreachable") {
		t.Errorf("groups %+v, want one of every check", g)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, run, testOrder, false); err != nil {
		t.Fatal(err)
	}
	if want := "The run did not start: target unreachable: connection refused\n4 checks against http://127.0.0.1:9/EWS/UM2007Legacy.asmx not run: each is reported as an error of this one cause\n"; b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteMarkdown(&b, []Run{run}, testOrder); err != nil || !strings.Contains(b.String(), "## umconform: DID NOT START") {
		t.Errorf("markdown (%v):\n%s", err, b.String())
	}
	b.Reset()
	if err := WriteHTML(&b, run); err != nil || !strings.Contains(b.String(), "<dt>Did not start</dt><dd>target unreachable: connection refused; no check was made") {
		t.Errorf("report.html does not say the run did not start (%v)", err)
	}
	throttled := run
	throttled.Stopped = "the target is throttling the run: 5 busy answers in a row"
	if throttled.NotStarted() {
		t.Error("a run that reached the target and was throttled is NotStarted")
	}
	run.Checks[0].Verdict = Passed
	if run.NotStarted() {
		t.Error("a run that judged a check is NotStarted")
	}
}

// TestHTMLWhereLineIsTheShownLine: a minified response is indented in report.html; the
// where field beside it names the line the element is shown on, not line 1 of the
// response as sent.
func TestHTMLWhereLineIsTheShownLine(t *testing.T) {
	c := ringingCheck("gci-min", 1, "Ringing")
	c.Evidence.Response = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		`<GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><GetCallInfoResponse><CallState>Ringing</CallState>` +
		`<EventCause>None</EventCause></GetCallInfoResponse></GetCallInfoResponse></soap:Body></soap:Envelope>`
	c.Evidence.Violations = nil
	var b bytes.Buffer
	if err := WriteHTML(&b, Run{Target: "http://um.example", Checks: []Check{c}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	m := regexp.MustCompile(`<td class="n">(\d+)</td><td>\s*&lt;CallState&gt;Ringing`).FindStringSubmatch(out)
	if m == nil || m[1] == "1" {
		t.Fatalf("the listing does not indent the response: %v", m)
	}
	if want := "<dd>response line " + m[1] + " (line 1 as sent) /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState</dd>"; !strings.Contains(out, want) {
		t.Errorf("report.html lacks %s:\n%s", want, out[strings.Index(out, `<dl class="expect">`):][:600])
	}
}

// TestOneRuleOnBothAPIsIsOneGroup: L3 broken on UM calls and its EWS twin E10 broken the
// same way on EWS calls are one group naming both IDs; a different actual stays apart.
func TestOneRuleOnBothAPIsIsOneGroup(t *testing.T) {
	call := func(id, api, actual string) Check {
		return Check{Name: "[" + id + "] " + api + "call: Disconnected is terminal", Requirements: []string{id}, Level: "MUST", Verdict: Failed,
			Message: id + " (MUST) broken: Once Disconnected, a call is never reported in another state\n" +
				"  expected: Disconnected in every answer after answer 1 reported it\n  actual:   " + actual}
	}
	run := Run{Checks: []Check{call("L3", "", "Connected/None"), call("E10", "EWS ", "Connected/None"), call("E10", "EWS ", "Alerted/None")}}
	groups := run.Groups(catalogue.Default().IDs())
	if len(groups) != 2 || groups[0].Title() != "L3, E10 (MUST) broken by 2 checks: Connected/None" || len(groups[1].Checks) != 1 {
		var titles []string
		for _, g := range groups {
			titles = append(titles, g.Title())
		}
		t.Errorf("groups %q, want L3 and E10's Connected/None together and Alerted/None apart", titles)
	}
}
