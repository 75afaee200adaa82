package reports

import (
	"cmp"
	"fmt"
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
	return fmt.Sprintf("Calls placed: %s, %s", plural(run.CallsPlaced, "PlayOnPhone request", "PlayOnPhone requests"), budget)
}

// Console limits: a sample's response, violations and the list of a group's other members
// are cut here; report.html and report.json hold them whole.
const (
	consoleResponseLines = 15
	consoleViolations    = 3
	consoleMembers       = 60
)

// WriteSummary writes the end-of-run console summary: one line per requirement with its
// verdict and counts; then one block per group of identical violations (Groups), with
// one check in full as the sample and the others named on one line; then the totals.
// verbose writes every check of each group in full instead.
func WriteSummary(w io.Writer, run Run, catalogueOrder []string, verbose bool) error {
	w = termsafe.NewWriter(w) // a target's bytes, escaped: see package termsafe
	if err := writeRequirementTable(w, run, catalogueOrder); err != nil {
		return err
	}
	for _, g := range run.Groups(catalogueOrder) {
		if g.Verdict == ExpectedFailure {
			continue // their own section, by reason: writeExpected
		}
		fmt.Fprintf(w, "\n%s %s\n", strings.ToUpper(string(g.Verdict)), g.Title())
		if g.Text != "" {
			fmt.Fprintf(w, "  %s: %s\n", strings.Join(g.Requirements, ", "), g.Text)
		}
		members := g.Checks
		if !verbose {
			members = members[:1]
		}
		for _, k := range members {
			writeCheckInFull(w, run, run.Checks[k], len(members) == 1 && len(g.Checks) > 1, g.Text == "")
		}
		if !verbose && len(g.Checks) > 1 {
			writeOthers(w, run, g.Checks[1:], len(g.Requirements) > 1)
		}
	}
	writeExpected(w, run)
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
	n := run.Counts()
	if _, err := fmt.Fprintf(w, "\n%s against %s: %s (%.1fs)\n", plural(run.Total(), "check", "checks"), run.Target, countsLine(n), run.Duration.Seconds()); err != nil {
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

func writeRequirementTable(w io.Writer, run Run, order []string) error {
	expected := run.Counts()[ExpectedFailure] > 0 // a column only when there are any: most runs have none
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "REQUIREMENT\tLEVEL\tVERDICT\tPASSED\tFAILED\tWARNINGS\tERRORS")
	if expected {
		fmt.Fprintf(tw, "\tEXPECTED")
	}
	fmt.Fprintln(tw)
	for _, s := range run.ByRequirement(order) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d", s.ID, s.Level, strings.ToUpper(string(s.Verdict())),
			s.Counts[Passed], s.Counts[Failed], s.Counts[Warning]+s.Counts[Info], s.Counts[Error])
		if expected {
			fmt.Fprintf(tw, "\t%d", s.Counts[ExpectedFailure])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// writeCheckInFull writes one check: its name, its message (the headline only when the
// group does not already say it), and its evidence. As a group's sample ("for example")
// it is one of several.
func writeCheckInFull(w io.Writer, run Run, c Check, sample, headline bool) {
	lead := "  "
	if sample {
		lead = "  for example "
	}
	fmt.Fprintf(w, "%s%s\n", lead, c.Name)
	writeCheckDetail(w, c, headline, "    ")
	ev := c.Evidence
	if first, _, _ := strings.Cut(ev.Request, "\n"); first != "" {
		fmt.Fprintf(w, "    request:  %s (in full in report.html)\n", strings.TrimSpace(first))
	}
	if cmd := RerunCommand(run, c); cmd != "" {
		fmt.Fprintf(w, "    rerun:    %s\n", cmd)
	}
	if ev.Status != 0 || ev.Response != "" {
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
	fmt.Fprintf(w, "  also %s: %s%s\n", plural(len(others), "other", "others"), strings.Join(names, ", "), more)
}

// writeExpected writes the expected failures, grouped by reason (a baseline gives one
// reason to all; a vendor's tickets one each), and the entries that have expired, whose
// checks counted as they were.
func writeExpected(w io.Writer, run Run) {
	var order []string
	by := map[string][]Check{}
	n := 0
	for _, c := range run.Checks {
		if c.Verdict != ExpectedFailure {
			continue
		}
		key := "(no expectation recorded)"
		if x := c.Expectation; x != nil {
			key = x.Reason + " (until " + x.Expires
			if x.Link != "" {
				key += ", " + x.Link
			}
			key += ")"
		}
		if by[key] == nil {
			order = append(order, key)
		}
		by[key] = append(by[key], c)
		n++
	}
	if n > 0 {
		fmt.Fprintf(w, "\nEXPECTED FAILURES: %d checks broke a requirement as the expectations file accepts; they do not fail the run\n", n)
	}
	const shown = 3
	for _, key := range order {
		checks := by[key]
		fmt.Fprintf(w, "  %s: %d checks\n", key, len(checks))
		for i, c := range checks {
			if i == shown {
				fmt.Fprintf(w, "    … and %d more\n", len(checks)-shown)
				break
			}
			source := ""
			if c.Expectation != nil {
				source = " (" + c.Expectation.Source + ")"
			}
			fmt.Fprintf(w, "    %s%s\n", c.Name, source)
		}
	}
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
