package cli

import (
	"context"
	"fmt"

	"github.com/umconform/umconform/reports"
)

// compareCmd compares two report.json files: exit 1 when a check that did not fail in BASE
// fails or errors in NEW, 0 otherwise, 2 when a report cannot be read.
var compareCmd = &command{
	name:     "compare",
	synopsis: "[flags] BASE.json NEW.json",
	summary:  "compare two report.json: regressions, fixes, responses",
	help: `Compares two report.json files written by umconform run: regressions (a check that
did not fail in BASE fails or errors in NEW), fixes, other verdict changes, checks added
or removed, and the responses of every fixture replayed in both, compared as XML
(namespace prefixes, whitespace between elements and volatile values ignored). Checks and
responses of both APIs, the UM web service's and EWS's, are compared alike.
Exit 0 no regression, 1 a regression, 2 a report could not be read.
`,
	operands: operands{min: 2, max: 2, want: "two reports, BASE.json NEW.json"},
	setup: func(inv *invocation) body {
		volatile := reports.DefaultVolatile()
		inv.fs.Func("volatile", fmt.Sprintf("element `path` (local names, such as Parent/Child) whose text differs on every run and is ignored in responses; repeatable; always includes %v", volatile), func(s string) error {
			volatile = append(volatile, s)
			return nil
		})
		return func(context.Context) int {
			// Streamed: two reports of a week of traffic are 700 000 checks each, and the
			// comparison holds a check of each, not the runs.
			diff, err := reports.CompareFiles(inv.args[0], inv.args[1], volatile)
			if err != nil {
				return inv.cannotRun("%v", err)
			}
			if err := reports.WriteDiff(inv.stdout, diff); err != nil {
				return inv.cannotRun("%v", err)
			}
			if diff.Totals().Regressions > 0 {
				return exitFailed
			}
			return exitOK
		}
	},
}
