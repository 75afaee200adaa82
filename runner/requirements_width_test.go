package runner

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/umconform/umconform/catalogue"
)

// TestRequirementsFitAConsole: `umconform requirements` fits 100 columns, wrapped so that
// no word is lost; --wide keeps each requirement on one line for scripts.
func TestRequirementsFitAConsole(t *testing.T) {
	for _, matrix := range []bool{false, true} {
		var b bytes.Buffer
		if code := Requirements(&b, matrix, false); code != ExitOK {
			t.Fatalf("matrix=%v: exit %d\n%s", matrix, code, b.String())
		}
		for line := range strings.Lines(b.String()) {
			if n := utf8.RuneCountInString(strings.TrimRight(line, "\n")); n > consoleWidth {
				t.Errorf("matrix=%v: a line of %d columns: %q", matrix, n, line)
			}
		}
		if !matrix {
			words := strings.Fields(b.String())
			for _, r := range catalogue.Default() {
				if !strings.Contains(strings.Join(words, " "), strings.Join(strings.Fields(r.Text), " ")) {
					t.Errorf("%s: its text is not all there:\n%s", r.ID, r.Text)
				}
			}
		}
	}
	var b bytes.Buffer
	Requirements(&b, false, true)
	for _, r := range catalogue.Default() {
		if !strings.Contains(b.String(), r.Text+"\n") {
			t.Errorf("--wide: %s is not on one line", r.ID)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc dddddddddd e", 7, "  ")
	want := []string{"aaa bbb", "  ccc", "  dddddddddd", "  e"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrap = %q, want %q", got, want)
	}
}
