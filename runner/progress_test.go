package runner

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/umconform/umconform/internal/progress"
)

// TestConsoleOnANonTerminal: the marks' line is broken, while the run lasts, by lines
// that say how far it is, which calls it follows and what it waits for; the run's time
// ends the last line.
func TestConsoleOnANonTerminal(t *testing.T) {
	var b bytes.Buffer
	tr := &progress.Tracker{}
	c := &console{w: &b, raw: &b, every: 20 * time.Millisecond, tracker: tr}
	call := tr.Follow("UM", "+15550100")
	call.Saw("Connected/None")
	c.begin(3)
	c.specEnds(false)
	c.specStarts("[L1] call to +15550100: the first GetCallInfo")
	time.Sleep(70 * time.Millisecond)
	call.End()
	c.specEnds(true)
	c.specEnds(false)
	c.end(1234 * time.Millisecond)
	out := b.String()
	lines := regexp.MustCompile(`(?m)^  \[\d+m?s\] 1 of 3 specs done; following 1 call: UM \+15550100 Connected/None for \d+m?s; waiting for: \[L1\] call to \+15550100: the first GetCallInfo$`).FindAllString(out, -1)
	if !strings.HasPrefix(out, "Running 3 specs: •\n") || len(lines) < 2 || !strings.HasSuffix(out, "\nF• 1.2s\n") {
		t.Errorf("console:\n%s", out)
	}
}

// TestConsoleOnATerminal: one status line rewritten in place, never wider than the
// terminal, a target's bytes in it escaped; the run's result replaces it at the end.
func TestConsoleOnATerminal(t *testing.T) {
	var b bytes.Buffer
	tr := &progress.Tracker{}
	c := &console{w: &b, raw: &b, terminal: true, width: 60, every: time.Hour, tracker: tr}
	tr.Follow("EWS", "+15550100").Saw("Fault \x1b[2Jowned")
	c.begin(2)
	c.specStarts("[E8] call to +15550100")
	c.specEnds(true)
	c.specEnds(false)
	c.end(2 * time.Second)
	out := b.String()
	if strings.Contains(out, "\n") && !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("want every status on one line, rewritten, and one final line: %q", out)
	}
	for _, status := range strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:] {
		visible := strings.TrimSuffix(strings.TrimSuffix(status, " 2.0s"), "\x1b[K")
		if strings.ContainsRune(visible, '\x1b') {
			t.Errorf("a control reaches the terminal: %q", status)
		}
		if n := utf8.RuneCountInString(visible); n >= 60 {
			t.Errorf("status of %d columns on a terminal of 60: %q", n, visible)
		}
	}
	if !strings.Contains(out, "\r0/2 specs; following 1 call: EWS +15550100 Fault \\x1b[2Jow…\x1b[K") {
		t.Errorf("the first status does not show the call: %q", out)
	}
	if !strings.HasSuffix(out, "\rRan 2 specs: 1 passed, 1 did not pass\x1b[K 2.0s\n") {
		t.Errorf("final line: %q", out)
	}
}
