package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// CallsLine says how many calls the run placed, and under which budget: against Exchange
// each PlayOnPhone rings a real phone.
func CallsLine(run Run) string {
	budget := "no budget (--max-calls)"
	if run.MaxCalls > 0 {
		budget = fmt.Sprintf("budget %d (--max-calls)", run.MaxCalls)
	}
	return fmt.Sprintf("Calls placed: %d PlayOnPhone requests, %s", run.CallsPlaced, budget)
}

// WriteSummary writes the end-of-run console summary: one line per requirement with its
// verdict and counts, then every failed, errored and warned check with its message.
func WriteSummary(w io.Writer, run Run, catalogueOrder []string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "REQUIREMENT\tLEVEL\tVERDICT\tPASSED\tFAILED\tWARNINGS\tERRORS\n")
	for _, s := range run.ByRequirement(catalogueOrder) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", s.ID, s.Level, strings.ToUpper(string(s.Verdict())),
			s.Counts[Passed], s.Counts[Failed], s.Counts[Warning]+s.Counts[Info], s.Counts[Error])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Checks that share one message (a dead target, an interrupted run) are listed once
	// with their count after the first few, so the console stays readable.
	const shown = 3
	for _, v := range []Verdict{Failed, Error, Warning, Skipped} {
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
	n := run.Counts()
	skipped := ""
	if n[Skipped] > 0 {
		skipped = fmt.Sprintf(", %d skipped", n[Skipped])
	}
	if _, err := fmt.Fprintf(w, "\n%d checks against %s: %d passed, %d failed, %d warnings, %d errors%s (%.1fs)\n",
		len(run.Checks), run.Target, n[Passed], n[Failed], n[Warning]+n[Info], n[Error], skipped, run.Duration.Seconds()); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, CallsLine(run))
	return err
}
