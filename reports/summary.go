package reports

import (
	"cmp"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/umconform/umconform/internal/termsafe"
)

// CallsLine says how many calls the run placed, and under which budget: against Exchange
// each PlayOnPhone rings a real phone.
func CallsLine(run Run) string {
	budget := "no budget (--max-calls)"
	if run.MaxCalls > 0 {
		budget = fmt.Sprintf("budget %d (--max-calls)", run.MaxCalls)
	}
	return fmt.Sprintf("Calls placed: %s, %s", plural.Irregular(run.CallsPlaced, "PlayOnPhone request", "PlayOnPhone requests"), budget)
}

// Console limits: a sample's response, violations and the list of a group's other members
// are cut here; report.html and report.json hold them whole.
const (
	consoleResponseLines = 15
	consoleViolations    = 3
	consoleMembers       = 60
)

// WriteSummary writes the end-of-run console summary: one line per requirement that did
// not pass every check, with its verdict and counts, and one line naming those that did;
// then one block per group of identical violations (Groups), with one check in full as
// the sample and the others named on one line; then the totals. verbose writes every
// requirement's line and every check of each group in full instead. A run that did not
// start (NotStarted) is said in two lines: its cause, and that no check was made.
func WriteSummary(w io.Writer, run Run, catalogueOrder []string, verbose bool) error {
	w = termsafe.NewWriter(w) // a target's bytes, escaped: see package termsafe
	n := run.Counts()
	if run.NotStarted() {
		_, err := fmt.Fprintf(w, "The run did not start: %s\n%s against %s not run: each is reported as an error of this one cause\n",
			run.Stopped, plural.Irregular(run.Total(), "check", "checks"), run.Target)
		return err
	}
	if err := writeRequirementTable(w, run, catalogueOrder, verbose); err != nil {
		return err
	}
	groups := run.Groups(catalogueOrder)
	// Checks the run left out by its own choice (no credentials for the auth checks, the
	// call budget spent) are a line each, under the table: nothing of the target is in them.
	for _, g := range groups {
		if g.Verdict == Skipped && !verbose {
			fmt.Fprintf(w, "Not run (%s of %s): %s\n", plural.Irregular(len(g.Checks), "check", "checks"), strings.Join(g.Requirements, ", "), strings.TrimPrefix(g.Summary, "not run: "))
		}
	}
	expected := false
	for _, g := range groups {
		if g.Verdict == Skipped && !verbose {
			continue
		}
		if g.Verdict == ExpectedFailure {
			if !expected {
				fmt.Fprintf(w, "\nEXPECTED FAILURES: %s broke a requirement as the expectations file accepts; they do not fail the run\n",
					plural.Irregular(n[ExpectedFailure], "check", "checks"))
				expected = true
			}
			writeExpectedGroup(w, run, g)
			continue
		}
		fmt.Fprintf(w, "\n%s %s\n", g.Label(), g.Title())
		if g.Text != "" {
			fmt.Fprintf(w, "  %s: %s\n", strings.Join(g.Requirements, ", "), g.Text)
		}
		members := g.Checks
		if !verbose {
			members = members[:1]
		}
		for _, k := range members {
			writeCheckInFull(w, run, run.Checks[k], len(members) == 1 && len(g.Checks) > 1, g.Text == "", !g.UnexpectedPass)
		}
		if !verbose && len(g.Checks) > 1 {
			writeOthers(w, run, g.Checks[1:], len(g.Requirements) > 1)
		}
	}
	writeExpired(w, run)
	if partial := run.Selection.Partial(); partial != "" {
		fmt.Fprintf(w, "\n%s\n", strings.ToUpper(partial[:1])+partial[1:])
	}
	if run.Stopped != "" {
		fmt.Fprintf(w, "\nThe run stopped sending requests: %s\n", run.Stopped)
	}
	if run.Retries != "" {
		fmt.Fprintf(w, "\nTransient faults: %s\n", run.Retries)
	}
	if run.Generated != "" {
		fmt.Fprintf(w, "\nGenerated requests: %s\n", run.Generated)
	}
	if _, err := fmt.Fprintf(w, "\n%s against %s: %s (%.1fs)\n", plural.Irregular(run.Total(), "check", "checks"), run.Target, countsLine(n), run.Duration.Seconds()); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, CallsLine(run))
	return err
}

// countsLine says how many checks ended with each verdict: the four this package always
// names, then any other there is.
func countsLine(n map[Verdict]int) string {
	s := fmt.Sprintf("%d passed, %d failed, %s, %s", n[Passed], n[Failed], counted(n[Warning]+n[Info], Warning), counted(n[Error], Error))
	for _, v := range otherVerdicts(n) {
		s += ", " + counted(n[v], v)
	}
	return s
}

// otherVerdicts are the verdicts with checks that are none of the five this package
// defines, in name order, so that a verdict added later is still counted somewhere.
func otherVerdicts(n map[Verdict]int) []Verdict {
	var out []Verdict
	for v, c := range n {
		switch v {
		case Passed, Failed, Warning, Info, Error:
			continue
		}
		if c > 0 {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// writeRequirementTable writes a line per requirement that did not pass every check
// (every requirement when all is set), then one line naming those that did: a run that
// breaks one rule shows that rule, not fifty rows of PASSED above it. A requirement none
// of whose checks ran has no row: WriteSummary's "Not run" lines name it, with why.
func writeRequirementTable(w io.Writer, run Run, order []string, all bool) error {
	expected := run.Counts()[ExpectedFailure] > 0 // a column only when there are any: most runs have none
	var rows, passed []RequirementSummary
	for _, s := range run.ByRequirement(order) {
		switch v := s.Verdict(); {
		case all || v == Passed && s.Counts[Skipped] > 0: // passed what ran, not all of it
			rows = append(rows, s)
		case v == Skipped: // none ran: the "Not run" lines name it
		case v != Passed:
			rows = append(rows, s)
		default:
			passed = append(passed, s)
		}
	}
	if len(rows) > 0 {
		// A minimum width of 8 keeps the LEVEL column as wide as SHOULD needs, whichever
		// rows are shown: the columns line up alike from run to run.
		tw := tabwriter.NewWriter(w, 8, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "REQUIREMENT\tLEVEL\tVERDICT\tPASSED\tFAILED\tWARNINGS\tERRORS")
		if expected {
			fmt.Fprintf(tw, "\tEXPECTED")
		}
		fmt.Fprintln(tw)
		for _, s := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d", s.ID, s.Level, strings.ToUpper(string(s.Verdict())),
				s.Counts[Passed], s.Counts[Failed], s.Counts[Warning]+s.Counts[Info], s.Counts[Error])
			if expected {
				fmt.Fprintf(tw, "\t%d", s.Counts[ExpectedFailure])
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(passed) == 0 {
		return nil
	}
	ids := make([]string, len(passed))
	checks := 0
	for i, s := range passed {
		ids[i] = s.ID
		checks += s.Counts[Passed]
	}
	what := "every requirement"
	if len(rows) > 0 {
		what = "the other " + plural.Irregular(len(passed), "requirement", "requirements")
	}
	_, err := fmt.Fprintf(w, "Passed every check (%s, %s): %s\n", what, plural.Irregular(checks, "check", "checks"), strings.Join(ids, " "))
	return err
}

// writeCheckInFull writes one check: its name, its message (the headline only when the
// group does not already say it), and its evidence when asked. As a group's sample ("for
// example") it is one of several.
func writeCheckInFull(w io.Writer, run Run, c Check, sample, headline, evidence bool) {
	lead := "  "
	if sample {
		lead = "  for example "
	}
	fmt.Fprintf(w, "%s%s\n", lead, c.Name)
	writeCheckDetail(w, c, headline, "    ")
	ev := c.Evidence
	// The request a replayed fixture sent (it may differ from the recording: a live
	// CallId put in). A scenario's check names its request in where ("GetCallInfo
	// answer 4 of 7") already.
	if first, _, _ := strings.Cut(ev.Request, "\n"); first != "" && c.Fixture != "" && evidence {
		fmt.Fprintf(w, "    request:  %s (in full in report.html)\n", strings.TrimSpace(first))
	}
	if cmd := RerunCommand(run, c); cmd != "" {
		fmt.Fprintf(w, "    rerun:    %s\n", cmd)
	}
	if evidence && (ev.Status != 0 || ev.Response != "") { // a pass's response shows nothing wrong
		lines := strings.Split(strings.TrimRight(ev.Response, "\n"), "\n")
		fmt.Fprintf(w, "    response (HTTP %d):", ev.Status)
		if len(lines) == 1 {
			fmt.Fprintf(w, " %s\n", lines[0])
			return
		}
		fmt.Fprintln(w)
		for i, l := range lines {
			if i == consoleResponseLines && len(lines) > consoleResponseLines+1 {
				fmt.Fprintf(w, "      … %d more lines\n", len(lines)-i)
				break
			}
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
}

// writeCheckDetail writes what a check's message says (its headline only when asked, or
// when it has no fields), the states it observed and its violations, each line indented.
func writeCheckDetail(w io.Writer, c Check, headline bool, indent string) {
	m := parseMessage(c.Message)
	if headline || len(m.Fields) == 0 {
		fmt.Fprintf(w, "%s%s\n", indent, strings.ReplaceAll(m.Headline, "\n", "\n"+indent))
	}
	for _, f := range m.Fields {
		fmt.Fprintf(w, "%s%-9s %s\n", indent, f.Name+":", f.Value)
	}
	ev := c.Evidence
	if len(ev.Retries) > 0 {
		fmt.Fprintf(w, "%sretries:  %s\n", indent, strings.Join(ev.Retries, "; "))
	}
	if len(ev.States) > 0 {
		fmt.Fprintf(w, "%sstates:   %s\n", indent, strings.Join(ev.States, " → "))
	}
	if ev.CallState != "" {
		fmt.Fprintf(w, "%scall:     %s\n", indent, ev.CallState)
	}
	for i, v := range ev.Violations {
		if i == consoleViolations && len(ev.Violations) > consoleViolations+1 {
			fmt.Fprintf(w, "%s… and %d more violations\n", indent, len(ev.Violations)-i)
			break
		}
		fmt.Fprintf(w, "%sviolation: %s\n", indent, v)
	}
}

// writeOthers names a group's other checks on one line (a terminal wraps it), with their
// requirement when the group has several.
func writeOthers(w io.Writer, run Run, others []int, withRequirement bool) {
	names := make([]string, 0, min(len(others), consoleMembers))
	for _, k := range others[:min(len(others), consoleMembers)] {
		names = append(names, shortName(run.Checks[k], withRequirement))
	}
	more := ""
	if len(others) > consoleMembers {
		more = fmt.Sprintf(" and %d more", len(others)-consoleMembers)
	}
	fmt.Fprintf(w, "  also %s: %s%s\n", plural.Irregular(len(others), "other", "others"), strings.Join(names, ", "), more)
}

// writeExpectedGroup writes a group of expected failures in three lines: its title, the
// expectation's reason and entry, and the checks. They are accepted: their evidence is in
// report.html, not here.
func writeExpectedGroup(w io.Writer, run Run, g Group) {
	sample := run.Checks[g.Checks[0]]
	fmt.Fprintf(w, "  %s\n    accepted by: %s\n", g.Title(), sample.Expectation.Summary())
	names := make([]string, 0, min(len(g.Checks), consoleMembers))
	for _, k := range g.Checks[:min(len(g.Checks), consoleMembers)] {
		names = append(names, shortName(run.Checks[k], len(g.Requirements) > 1))
	}
	more := ""
	if len(g.Checks) > consoleMembers {
		more = fmt.Sprintf(" and %d more", len(g.Checks)-consoleMembers)
	}
	fmt.Fprintf(w, "    checks: %s%s\n", strings.Join(names, ", "), more)
}

// writeExpired writes the entries of the expectations file that have expired, whose
// checks counted as they were.
func writeExpired(w io.Writer, run Run) {
	for _, x := range run.Expectations {
		if x.Expired {
			what := x.Requirement
			if unit := cmp.Or(x.Fixture, x.Scenario); unit != "" {
				what += " on " + unit
			}
			fmt.Fprintf(w, "\nEXPIRED EXPECTATION %s: %s expired after %s (%s); its checks count as they are: fix the target, or renew the entry with a later expires\n",
				x.Source, what, x.Expires, x.Reason)
		}
	}
}
