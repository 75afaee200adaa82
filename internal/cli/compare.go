package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/umconform/umconform/reports"
)

// compareCommand compares two report.json files: exit 1 when a check that did not fail in
// BASE fails or errors in NEW, 0 otherwise, 2 when a report cannot be read.
func compareCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	volatile := reports.DefaultVolatile()
	fs.Func("volatile", fmt.Sprintf("element `path` (local names, such as Parent/Child) whose text differs on every run and is ignored in responses; repeatable; always includes %v", volatile), func(s string) error {
		volatile = append(volatile, s)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform compare [flags] BASE.json NEW.json\n\n"+
			"Compares two report.json files written by umconform run: regressions (a check that\n"+
			"did not fail in BASE fails or errors in NEW), fixes, other verdict changes, checks added\n"+
			"or removed, and the responses of every fixture replayed in both, compared as XML\n"+
			"(namespace prefixes, whitespace between elements and volatile values ignored). Checks and\n"+
			"responses of both APIs, the UM web service's and EWS's, are compared alike.\n"+
			"Exit 0 no regression, 1 a regression, 2 a report could not be read.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "umconform compare: want two reports, BASE.json NEW.json (got %d arguments)\n", fs.NArg())
		return 2
	}
	// Streamed: two reports of a week of traffic are 700 000 checks each, and the
	// comparison holds a check of each, not the runs.
	diff, err := reports.CompareFiles(fs.Arg(0), fs.Arg(1), volatile)
	if err != nil {
		fmt.Fprintf(stderr, "umconform compare: %v\n", err)
		return 2
	}
	if err := reports.WriteDiff(stdout, diff); err != nil {
		fmt.Fprintf(stderr, "umconform compare: %v\n", err)
		return 2
	}
	if diff.Totals().Regressions > 0 {
		return 1
	}
	return 0
}
