package cli

import (
	"context"

	"github.com/umconform/umconform/runner"
)

// requirementsCmd is "umconform requirements [--matrix]": the catalogue with the checks
// and fixtures covering each requirement, or the kill matrix. Exit 1 when a requirement
// has no check or no profile breaks it.
var requirementsCmd = &command{
	name:     "requirements",
	synopsis: "[--matrix] [--wide]",
	summary:  "the requirements, their coverage and kill matrix",
	help: `Prints every requirement of the catalogue, of both APIs (the UM web service and EWS),
with its level, source and the checks and fixtures that cover it; --matrix prints which
broken reference profiles trip each one. Exit 1 when a requirement has no check or no
profile breaks it (and it is not marked untestable).
`,
	operands: noOperands,
	setup: func(inv *invocation) body {
		matrix := inv.fs.Bool("matrix", false, "print the kill matrix: for each requirement, the broken reference profiles a run catches through it")
		wide := inv.fs.Bool("wide", false, "one line a requirement (text and source) and one line of fixtures each, however long, instead of lines that fit 100 columns")
		return func(context.Context) int { return runner.Requirements(inv.stdout, *matrix, *wide) }
	},
}
