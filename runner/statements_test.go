package runner

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/umconform/umconform/catalogue"
)

// TestRequirementsShowsTheInventory: `umconform requirements` ends with each document's
// statements, checked, not judgeable and open, and names under each requirement the
// statements it judges, in both layouts.
func TestRequirementsShowsTheInventory(t *testing.T) {
	inv := catalogue.Inventory()
	for _, wide := range []bool{false, true} {
		var b bytes.Buffer
		if code := Requirements(&b, false, wide); code != ExitOK {
			t.Fatalf("wide=%v: exit %d\n%s", wide, code, b.String())
		}
		out := b.String()
		for _, c := range catalogue.CoverageByDocument(inv) {
			want := fmt.Sprintf("%-14s %10d %8d %14d %5d %15d\n", c.Document.Key, c.Statements, c.Checked, c.NotJudgeable, c.Open, len(c.Cited))
			if !strings.Contains(out, want) {
				t.Errorf("wide=%v: no coverage line %q", wide, want)
			}
		}
		// Every statement a requirement judges is named with its source, in its block.
		joined := strings.Join(strings.Fields(out), " ")
		for _, r := range catalogue.Default() {
			for _, s := range catalogue.StatementsOf(inv, r.ID) {
				if !strings.Contains(joined, s.ID+" ("+s.Source()+")") {
					t.Errorf("wide=%v: %s's statement %s (%s) is not shown", wide, r.ID, s.ID, s.Source())
				}
			}
		}
		if wide && !strings.Contains(out, "T3 statements: "+judgedStatements(inv, "T3")+"\n") {
			t.Errorf("--wide: T3's statements are not on one line")
		}
	}
}

// TestStatementsListsTheInventory: `umconform requirements --statements` shows every
// statement with its source, level and what judges it, in lines that fit a console (or
// on one line each with --wide).
func TestStatementsListsTheInventory(t *testing.T) {
	var b bytes.Buffer
	if code := Statements(&b, false); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	out := b.String()
	for line := range strings.Lines(out) {
		if n := utf8.RuneCountInString(strings.TrimRight(line, "\n")); n > consoleWidth {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
	joined := strings.Join(strings.Fields(out), " ")
	for _, s := range catalogue.Inventory() {
		var judged string
		switch s.Status {
		case catalogue.Checked:
			judged = "checked by " + strings.Join(s.Judges, ", ")
		case catalogue.NotJudgeable:
			judged = "not judgeable: " + s.Why
		default:
			judged = "open"
		}
		want := s.ID + " " + string(s.Level) + " " + s.Source() + ": " + strings.Join(strings.Fields(s.Text), " ") + " " + judged
		if !strings.Contains(joined, want) {
			t.Errorf("%s is not shown as %q", s.ID, want)
		}
	}
	for _, d := range catalogue.Documents {
		if !strings.Contains(out, d.Key+": "+d.Title+"\n") {
			t.Errorf("no heading for %s", d.Key)
		}
	}
	b.Reset()
	Statements(&b, true)
	for _, s := range catalogue.Inventory() {
		if !strings.Contains(b.String(), s.Source()+": "+s.Text+"\n") {
			t.Errorf("--wide: %s is not on one line", s.ID)
		}
	}
}
