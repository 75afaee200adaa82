package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/umconform/umconform/expect"
	"github.com/umconform/umconform/reports"
)

// expectationsCommand implements "umconform expectations REPORT.json [--expires DATE]":
// an expectations file accepting every failure of a report, so that adopting a baseline
// takes one command.
func expectationsCommand(args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("expectations", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := now.AddDate(0, 0, expect.DefaultLifetime).Format(expect.DateLayout)
	expires := fs.String("expires", def, fmt.Sprintf("last `day` (YYYY-MM-DD) the failures are accepted; the default is %d days from today", expect.DefaultLifetime))
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform expectations [--expires DATE] REPORT.json > expectations.yaml\n\n"+
			"Prints an expectations file (YAML) with one entry for every requirement and fixture or\n"+
			"scenario that failed in REPORT.json; umconform run --expectations FILE then accepts them\n"+
			"until they expire. Entries of checks that were already expected failures are kept as they\n"+
			"were. Checks of both APIs (the UM web service and EWS) are handled alike. Replace each\n"+
			"reason with why the deviation is accepted.\n"+
			"Exit 0 written, 2 the report could not be read.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "umconform expectations: want one report, REPORT.json (got %d arguments)\n", fs.NArg())
		return 2
	}
	if day, err := time.Parse(expect.DateLayout, *expires); err != nil || day.Format(expect.DateLayout) != *expires {
		fmt.Fprintf(stderr, "umconform expectations: --expires %q: want a date YYYY-MM-DD, such as %s\n", *expires, def)
		return 2
	}
	// Only the failures make entries: they are all that is kept of a large report.
	run, err := reports.ReadJSONFileKeeping(fs.Arg(0), func(c reports.Check) bool {
		return c.Verdict == reports.Failed || c.Verdict == reports.ExpectedFailure
	})
	if err != nil {
		fmt.Fprintf(stderr, "umconform expectations: %v\n", err)
		return 2
	}
	if err := expect.Baseline(stdout, run, fs.Arg(0), *expires); err != nil {
		fmt.Fprintf(stderr, "umconform expectations: %v\n", err)
		return 2
	}
	return 0
}
