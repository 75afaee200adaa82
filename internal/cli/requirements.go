package cli

import (
	"context"

	"github.com/umconform/umconform/runner"
)

// requirementsCmd is "umconform requirements [--matrix | --statements]": the catalogue
// with the checks, fixtures and public statements covering each requirement, the kill
// matrix, or the statement inventory. Exit 1 when a requirement has no check or no profile
// breaks it.
var requirementsCmd = &command{
	name:     "requirements",
	synopsis: "[--matrix | --statements] [--wide]",
	summary:  "the requirements, their coverage and kill matrix",
	help: `Prints every requirement of the catalogue, of both APIs (the UM web service and EWS),
with its level, source, the checks and fixtures that cover it and the statements of the
public documents it judges, then for each document (SOAP 1.1, WS-I Basic Profile 1.1,
RFC 9110 and 9112, MS-OXWUMS, the EWS pages) how many of its statements are checked,
cannot be judged from outside, or are open. --matrix prints which broken reference
profiles trip each requirement; --statements lists the whole statement inventory
(docs/STATEMENTS.md). Exit 1 when a requirement has no check or no profile breaks it (and
it is not marked untestable).
`,
	operands: noOperands,
	setup: func(inv *invocation) body {
		matrix := inv.fs.Bool("matrix", false, "print the kill matrix: for each requirement, the broken reference profiles a run catches through it")
		statements := inv.fs.Bool("statements", false, "print the statement inventory instead: each statement that binds a server, with the requirements that judge it, why it cannot be judged, or that it is open")
		wide := inv.fs.Bool("wide", false, "one line a requirement (text and source) and one line of fixtures each, however long, instead of lines that fit 100 columns")
		inv.check(func() []string {
			if *matrix && *statements {
				return []string{"--matrix and --statements print different lists: choose one"}
			}
			return nil
		})
		return func(context.Context) int {
			if *statements {
				return runner.Statements(inv.stdout, *wide)
			}
			return runner.Requirements(inv.stdout, *matrix, *wide)
		}
	},
}
