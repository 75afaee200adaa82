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
	for _, v := range []Verdict{Failed, Error, Warning} {
		for _, c := range run.Checks {
			if c.Verdict == v {
				fmt.Fprintf(w, "\n%s %s\n  %s\n", strings.ToUpper(string(v)), c.Name, strings.ReplaceAll(c.Message, "\n", "\n  "))
			}
		}
	}
	n := run.Counts()
	_, err := fmt.Fprintf(w, "\n%d checks against %s: %d passed, %d failed, %d warnings, %d errors (%.1fs)\n",
		len(run.Checks), run.Target, n[Passed], n[Failed], n[Warning]+n[Info], n[Error], run.Duration.Seconds())
	return err
}
