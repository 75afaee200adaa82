package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/umconform/umconform/runner"
)

// requirementsCommand implements "umconform requirements [--matrix]": the catalogue with
// the checks and fixtures covering each requirement, or the kill matrix. Exit 1 when a
// requirement has no check or no profile breaks it.
func requirementsCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("requirements", flag.ContinueOnError)
	fs.SetOutput(stderr)
	matrix := fs.Bool("matrix", false, "print the kill matrix: for each requirement, the broken reference profiles a run catches through it")
	wide := fs.Bool("wide", false, "one line a requirement (text and source) and one line of fixtures each, however long, instead of lines that fit 100 columns")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform requirements [--matrix] [--wide]\n\n"+
			"Prints every requirement of the catalogue with its level, source and the checks and fixtures\n"+
			"that cover it; --matrix prints which broken reference profiles trip each one. Exit 1 when a\n"+
			"requirement has no check or no profile breaks it (and it is not marked untestable).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	return runner.Requirements(stdout, *matrix, *wide)
}
