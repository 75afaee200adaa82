package cli

import (
	"context"

	"github.com/umconform/umconform/runner"
)

// mergeCmd is "umconform merge --report-dir OUT DIR-or-report.json...": the reports of a
// sharded run joined into one.
var mergeCmd = &command{
	name:     "merge",
	synopsis: "[flags] DIR-or-report.json...",
	summary:  "merge the reports of a sharded run (--shard K/N)",
	help: `Joins the report.json files of a run split with umconform run --shard K/N (K = 1..N) into
the reports of the whole run: OUT/junit.xml, report.json and report.html, or per target
with the matrix for a run of several targets. Folders are searched for report.json files.
It refuses reports of different harness or catalogue versions, targets or filters, and
shards that overlap or leave a gap. Checks of both APIs (the UM web service and EWS) are
merged alike. --bundle writes a conformance bundle of the merged reports (see umconform
run --help). Exit 0 every MUST check passed, 1 a check failed, 2 the reports could not be
merged or a check could not be judged.
`,
	operands: anyOperands,
	setup: func(inv *invocation) body {
		var cfg runner.MergeConfig
		inv.envFlags().String(&cfg.ReportDir, "report-dir", "REPORT_DIR", runner.DefaultReportDir, "`folder` for the merged junit.xml, report.json and report.html")
		bf := bindBundleFlags(inv)
		return func(context.Context) int {
			if err := bf.prepare(cfg.ReportDir); err != nil {
				return inv.cannotRun("%v", err)
			}
			cfg.Inputs = inv.args
			return bf.finish(runner.Merge(cfg, inv.stdout, inv.stderr))
		}
	},
}
