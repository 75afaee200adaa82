package reports

import (
	"bytes"
	"strings"
	"testing"
)

// TestFailureShowsItsRerunCommand: the HTML sample of a failure carries the command that
// makes it again, quoted for a shell.
func TestFailureShowsItsRerunCommand(t *testing.T) {
	run := sampleRun()
	run.Rerun = "umconform run --target https://um.example/EWS/UM2007Legacy.asmx"
	want := `umconform run --target https://um.example/EWS/UM2007Legacy.asmx --label-filter S2 --focus '\[S2\] getcallinfo-ringing: CallState and EventCause are in range$'`
	if got := RerunCommand(run, run.Checks[1]); got != want {
		t.Fatalf("RerunCommand = %s\nwant            %s", got, want)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `<pre class="request rerun">umconform run --target https://um.example/EWS/UM2007Legacy.asmx --label-filter S2 --focus &#39;\[S2\] getcallinfo-ringing`) {
		t.Error("the HTML report does not carry the rerun command")
	}
	if got := ShellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("ShellQuote = %s", got)
	}
}

// TestTitleOfAGroupWithoutRequirement: a broken fixture proves no requirement; its group
// says so without an empty list ("ERROR , 1 check").
func TestTitleOfAGroupWithoutRequirement(t *testing.T) {
	g := Group{Verdict: Error, Checks: []int{0}, Summary: "broken fixture, not replayed"}
	if got := g.Title(); got != "1 check: broken fixture, not replayed" {
		t.Errorf("Title = %q", got)
	}
}
