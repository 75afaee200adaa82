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
	statements := fs.Bool("statements", false, "print the statement inventory instead: every statement of SOAP 1.1, WS-I BP 1.1, RFC 9110/9112, MS-OXWUMS and the EWS pages that binds a server, with the requirements that judge it, why it cannot be judged, or that it is open")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform requirements [--matrix | --statements] [--wide]\n\n"+
			"Prints every requirement of the catalogue with its level, source, the checks and fixtures\n"+
			"that cover it and the documents' statements it judges, then how many statements of each\n"+
			"document are checked, cannot be judged, or are open; --matrix prints which broken reference\n"+
			"profiles trip each requirement; --statements lists the whole statement inventory. Exit 1\n"+
			"when a requirement has no check or no profile breaks it (and it is not marked untestable).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *statements {
		if *matrix {
			fmt.Fprintln(stderr, "umconform requirements: --matrix and --statements print different lists; choose one")
			return 2
		}
		return runner.Statements(stdout, *wide)
	}
	return runner.Requirements(stdout, *matrix, *wide)
}
