package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/umconform/umconform/expect"
	"github.com/umconform/umconform/reports"
)

// expectationsCmd is "umconform expectations REPORT.json [--expires DATE]": an
// expectations file accepting every failure of a report, so that adopting a baseline takes
// one command.
var expectationsCmd = &command{
	name:     "expectations",
	synopsis: "[--expires DATE] REPORT.json",
	summary:  "an expectations file accepting a report's failures",
	help: `Prints an expectations file (YAML; save it with > expectations.yaml) with one entry for
every requirement and fixture or scenario that failed in REPORT.json; umconform run
--expectations FILE then accepts them until they expire. Entries of checks that were
already expected failures are kept as they were. Checks of both APIs (the UM web service
and EWS) are handled alike. Replace each reason with why the deviation is accepted.
Exit 0 written, 2 the report could not be read.
`,
	operands: operands{min: 1, max: 1, want: "one report, REPORT.json"},
	setup: func(inv *invocation) body {
		def := time.Now().AddDate(0, 0, expect.DefaultLifetime).Format(expect.DateLayout)
		expires := inv.fs.String("expires", def, fmt.Sprintf("last `day` (YYYY-MM-DD) the failures are accepted; the default is %d days from today", expect.DefaultLifetime))
		inv.check(func() []string {
			if day, err := time.Parse(expect.DateLayout, *expires); err != nil || day.Format(expect.DateLayout) != *expires {
				return []string{fmt.Sprintf("--expires %q: want a date YYYY-MM-DD, such as %s", *expires, def)}
			}
			return nil
		})
		return func(context.Context) int {
			// Only the failures make entries: they are all that is kept of a large report.
			run, err := reports.ReadJSONFileKeeping(inv.args[0], func(c reports.Check) bool {
				return c.Verdict == reports.Failed || c.Verdict == reports.ExpectedFailure
			})
			if err != nil {
				return inv.cannotRun("%v", err)
			}
			if err := expect.Baseline(inv.stdout, run, inv.args[0], *expires, inv.prog); err != nil {
				return inv.cannotRun("%v", err)
			}
			return exitOK
		}
	},
}
