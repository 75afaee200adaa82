package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

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
	if run.Stopped != "" {
		fmt.Fprintf(w, "\nThe run stopped sending requests: %s\n", run.Stopped)
	}
	n := run.Counts()
	_, err := fmt.Fprintf(w, "\n%d checks against %s: %d passed, %d failed, %d warnings, %d errors (%.1fs)\n",
		len(run.Checks), run.Target, n[Passed], n[Failed], n[Warning]+n[Info], n[Error], run.Duration.Seconds())
	return err
}
