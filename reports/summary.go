package reports

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteSummary writes the end-of-run console summary: one line per requirement with its
// verdict and counts, then every failed, errored and warned check with its message.
func WriteSummary(w io.Writer, run Run, catalogueOrder []string) error {
	n := run.Counts()
	expected := n[ExpectedFailure] > 0 // a column only when there are any: most runs have none
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "REQUIREMENT\tLEVEL\tVERDICT\tPASSED\tFAILED\tWARNINGS\tERRORS")
	if expected {
		fmt.Fprintf(tw, "\tEXPECTED")
	}
	fmt.Fprintln(tw)
	for _, s := range run.ByRequirement(catalogueOrder) {
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
	// Checks that share one message (a dead target, an interrupted run) are listed once
	// with their count after the first few, so the console stays readable.
	const shown = 3
	for _, v := range []Verdict{Failed, Error, Warning} {
		seen := map[string]int{}
		var order []string
		for _, c := range run.Checks {
			if c.Verdict != v {
				continue
			}
			if seen[c.Message] == 0 {
				order = append(order, c.Message)
			}
			if seen[c.Message]++; seen[c.Message] <= shown {
				fmt.Fprintf(w, "\n%s %s\n  %s\n", strings.ToUpper(string(v)), c.Name, strings.ReplaceAll(c.Message, "\n", "\n  "))
			}
		}
		for _, msg := range order {
			if n := seen[msg]; n > shown {
				fmt.Fprintf(w, "\n… and %d more %s checks with the message %q\n", n-shown, v, firstLine(msg))
			}
		}
	}
	writeExpected(w, run)
	if partial := run.Selection.Partial(); partial != "" {
		fmt.Fprintf(w, "\n%s\n", strings.ToUpper(partial[:1])+partial[1:])
	}
	more := ""
	if expected {
		more = fmt.Sprintf(", %d expected failures", n[ExpectedFailure])
	}
	_, err := fmt.Fprintf(w, "\n%d checks against %s: %d passed, %d failed, %d warnings, %d errors%s (%.1fs)\n",
		len(run.Checks), run.Target, n[Passed], n[Failed], n[Warning]+n[Info], n[Error], more, run.Duration.Seconds())
	return err
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
