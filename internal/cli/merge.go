package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/umconform/umconform/runner"
	"github.com/umconform/umconform/runner/envflag"
)

// mergeCommand implements "umconform merge --report-dir OUT DIR-or-report.json...": the
// reports of a sharded run joined into one.
func mergeCommand(args []string, stdout, stderr io.Writer) int {
	var cfg runner.MergeConfig
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := envflag.New(fs)
	ef.String(&cfg.ReportDir, "report-dir", "REPORT_DIR", "reports", "`folder` for the merged junit.xml, report.json and report.html")
	bf := bindBundleFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform merge [--report-dir OUT] DIR-or-report.json...\n\n"+
			"Joins the report.json files of a run split with umconform run --shard K/N (K = 1..N) into\n"+
			"the reports of the whole run: OUT/junit.xml, report.json and report.html, or per target\n"+
			"with the matrix for a run of several targets. Folders are searched for report.json files.\n"+
			"It refuses reports of different harness or catalogue versions, targets or filters, and\n"+
			"shards that overlap or leave a gap. Checks of both APIs (the UM web service and EWS) are\n"+
			"merged alike. --bundle writes a conformance bundle of the merged reports (see umconform\n"+
			"run --help). Exit 0 every MUST check passed, 1 a check failed, 2 the\n"+
			"reports could not be merged or a check could not be judged.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if errs := ef.Errs(); len(errs) > 0 {
		fmt.Fprintf(stderr, "umconform merge: %s\n", strings.Join(errs, "\n  "))
		return 2
	}
	if err := bf.prepare(fs, "merge", args, cfg.ReportDir); err != nil {
		fmt.Fprintf(stderr, "umconform merge: %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 2
	}
	cfg.Inputs = fs.Args()
	return bf.finish(runner.Merge(cfg, stdout, stderr), stdout, stderr)
}
