package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/umconform/umconform/catalogue"
)

// hostileBody is a response built to act on whatever shows it: terminal control sequences
// (a colour, a window title, a clipboard write), markup that would close the report's own
// elements and run a script, and a run of backticks that would close a Markdown fence.
const hostileBody = "\x1b[31mred\x1b]0;title\x07\x1b]52;c;aGk=\x07\r</td></tr></table></pre></details><script>alert(1)</script>\n````\n# heading"

func hostileRun() Run {
	run := sampleRun()
	c := &run.Checks[1]
	c.Evidence.Response = hostileBody
	c.Message += "\n  actual:   " + hostileBody[:20]
	c.Message = strings.Replace(c.Message, "'Ringing'", "'"+hostileBody[:12]+"'", 1)
	return run
}

// TestConsoleSummaryEscapesControlCharacters: the console shows a target's control
// characters as escapes, never as bytes a terminal acts on.
func TestConsoleSummaryEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummary(&b, hostileRun(), catalogue.Default().IDs(), true); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if i := strings.IndexAny(out, "\x1b\x07\r"); i >= 0 {
		t.Errorf("a control character reaches the console: %q", out[max(0, i-40):min(len(out), i+40)])
	}
	if !strings.Contains(out, `\x1b[31mred\x1b]0;title\x07\x1b]52;c;aGk=\x07\r</td>`) {
		t.Errorf("the response is not shown escaped:\n%s", out)
	}
}

// TestHTMLAndMarkdownHoldHostileTextSafely: the HTML report escapes a response's markup
// (its script is text, not an element), and the Markdown summary's fence is longer than
// any run of backticks in it, so the body cannot close it.
func TestHTMLAndMarkdownHoldHostileTextSafely(t *testing.T) {
	var page bytes.Buffer
	if err := WriteHTML(&page, hostileRun()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page.String(), "<script") || !strings.Contains(page.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the HTML report does not escape the response's markup")
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, []Run{hostileRun()}, catalogue.Default().IDs()); err != nil {
		t.Fatal(err)
	}
	// The response's fence opens with more backticks than the body's four, and the body
	// sits inside it whole.
	fenced := regexp.MustCompile("(?s)\n(`{5,})xml\n(.*?)\n(`{5,})\n").FindStringSubmatch(md.String())
	if fenced == nil || fenced[1] != fenced[3] || !strings.Contains(fenced[2], "<script>alert(1)</script>\n````\n# heading") {
		t.Errorf("the Markdown summary does not fence the hostile response whole:\n%s", md.String())
	}
}
