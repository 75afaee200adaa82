package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestMarkdownSummaryMatchesGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, []Run{htmlRun()}, catalogueForTest().IDs()); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.md", b.Bytes())
}

// TestMarkdownSummaryGroups: the summary holds the totals, the requirement table and one
// section per group with its sample in full, the response indented when it was minified,
// and the other checks named.
func TestMarkdownSummaryGroups(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, []Run{groupedRun()}, testOrder); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"## umconform: FAILED\n\n39 checks against `http://um.example/EWS/UM2007Legacy.asmx`: 1 passed, 33 failed, 1 warning, 3 errors, 1 skipped (2.0 s)\n",
		"| Requirement | Level | Verdict | Passed | Failed | Warnings | Errors |\n|---|---|---|--:|--:|--:|--:|\n| T1 | MUST | **ERROR** | 1 | 0 | 0 | 1 |\n| S2 | MUST | **FAILED** | 0 | 33 | 0 | 0 |\n",
		"\n### FAILED S2 (MUST) broken by 31 checks: CallState 'Ringing' is not one of the 8 values\n\nS2: CallState is one of the 8 values; EventCause one of the 5\n\nFor example `[S2] gci-00: a replayed request`\n\n```text\nexpected: CallState one of the 8 values and EventCause one of the 5\n",
		"<details><summary>Response (HTTP 200)</summary>\n\n```xml\n<soap:Envelope><soap:Body><CallState>Ringing</CallState></soap:Body></soap:Envelope>\n```\n\n</details>\n",
		"\nAlso 30 others: `gci-01`, `gci-02`,",
		"`gci-29`, `call to +15550100`\n",
		"\n### ERROR T1, C1, X5, 3 checks: could not be judged: no complete response: refused: dial tcp 127.0.0.1:9: connection refused\n",
		"\nAlso 2 others: `[T1] gci-dead`, `[C1] gci-dead`\n",
		"\n### SKIPPED L1, 1 check: not run: the call budget is spent\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the summary lacks %q:\n%s", want, md)
		}
	}

	// A minified response is indented, as in report.html.
	b.Reset()
	WriteMarkdown(&b, []Run{htmlRun()}, catalogueForTest().IDs())
	if !strings.Contains(b.String(), "Response (HTTP 200), indented here for reading</summary>\n\n```xml\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<soap:Envelope") ||
		!strings.Contains(b.String(), "\n        <CallState>Ringing</CallState>\n") {
		t.Errorf("the minified response is not indented:\n%s", b.String())
	}
}

// TestMarkdownEscapesServerText: names, targets and responses may hold anything; none of
// it may become markup or break out of its code block.
func TestMarkdownEscapesServerText(t *testing.T) {
	run := groupedRun()
	run.Target = "http://x/`a`|b"
	c := &run.Checks[1]
	c.Evidence.Response = "```\n# heading\n```"
	c.Message = strings.Replace(c.Message, "CallState 'Ringing'", "CallState '*<b>[x](y)|`'", 1)
	var b bytes.Buffer
	if err := WriteMarkdown(&b, []Run{run}, testOrder); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"checks against ``http://x/`a`|b``:",
		"CallState '\\*&lt;b&gt;\\[x\\](y)\\|\\`'",
		"````xml\n```\n# heading\n```\n````\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
}
