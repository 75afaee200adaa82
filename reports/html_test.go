package reports

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

func TestHTMLReportMatchesGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.html", b.Bytes())
}

// TestHTMLReportIsSelfContained: the page is archived by CI and opened offline; one
// fetch of a stylesheet or script would leave it broken (and leak that it was opened).
func TestHTMLReportIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML report holds %q: it must not fetch anything", bad)
		}
	}
	for _, want := range []string{
		"5 checks: 2 passed, 1 failed, 1 warning, 0 info, 1 error",
		`<details class="check failed" id="run0-group0" open>`,
		`<div class="sample" id="run0-check1">`,
		`<a href="#run0-group0">1 failed</a>`,                          // the requirement table links to its failures
		"CallState is one of the 8 values; EventCause one of the 5",    // requirement text
		`<tr class="mark"><td class="n">6</td>`,                        // the violation's line
		"&lt;CallId&gt;AQAAAA==&lt;/CallId&gt;",                        // the request, escaped
		"<strong>Call:</strong> the shared call AQAAAA==, placed 40ms", // the call as the request went out
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}

// TestHTMLEscapesTargetContent: responses come from the server under test, which may
// send anything; none of it may become markup.
func TestHTMLEscapesTargetContent(t *testing.T) {
	run := sampleRun()
	run.Checks[1].Evidence.Response = `<script>alert(1)</script>`
	run.Checks[1].Message = `<img src=x onerror=alert(1)>`
	for k := range run.Checks { // passing checks are listed by name; titles come from fixtures
		if run.Checks[k].Verdict == Passed {
			run.Checks[k].Name = `[T1] x: <script>alert(2)</script>`
		}
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") || strings.Contains(b.String(), "<img") {
		t.Error("server content reached the page unescaped")
	}
	if !strings.Contains(b.String(), "[T1] x: &lt;script&gt;alert(2)&lt;/script&gt;") {
		t.Error("a passing check's name is missing from the page, or not escaped")
	}
}

func TestAppendHTMLEscapedMatchesTemplate(t *testing.T) {
	for _, s := range []string{"", "plain", `<script>alert("x")</script>`, "it's & more", "nul\x00byte", "bad utf8 \xff\xfe", "\u2028 é ✓", "&&&", ">"} {
		if got, want := string(appendHTMLEscaped([]byte("prefix:"), s)), "prefix:"+template.HTMLEscapeString(s); got != want {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
}

// TestHTMLShowsVerdictsItDoesNotKnow: a verdict added after this package (a check not run
// because a budget was spent, say) is counted and grouped, not dropped.
func TestHTMLShowsVerdictsItDoesNotKnow(t *testing.T) {
	run := sampleRun()
	run.Checks = append(run.Checks, Check{Name: "[L1] budget", Requirements: []string{"L1"}, Level: "MUST", Area: "lifecycle", Verdict: "skipped", Message: "not run: the call budget is spent"})
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"6 checks: 2 passed, 1 failed, 1 warning, 0 info, 1 error, 1 skipped",
		`<a class="chip v-skipped" href="#run0-group3">1 skipped</a>`, // a chip that links to its group
		`<details class="check skipped" id="run0-group3">`,
		"L1, 1 check: not run: the call budget is spent",
		"1 error, 1 skipped",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}

// TestHTMLReportDescribesACutBody: a check whose evidence shows the start of a body says
// how long the whole body was and its hash.
func TestHTMLReportDescribesACutBody(t *testing.T) {
	run := sampleRun()
	run.Checks[1].Evidence.ResponseBytes = 2147483648
	run.Checks[1].Evidence.ResponseSHA256 = "ab12"
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	if want := "(HTTP 200), the start of 2147483648 bytes (SHA-256 ab12)"; !strings.Contains(b.String(), want) {
		t.Errorf("the HTML report lacks %q", want)
	}
}
