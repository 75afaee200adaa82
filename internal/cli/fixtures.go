package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/plural"
)

// fixturesLintCmd is "umconform fixtures lint": exit 0 when every fixture is clean, 1 when
// any has a problem, 2 when a directory cannot be read.
var fixturesLintCmd = &command{
	name:     "fixtures lint",
	synopsis: "[DIR...]",
	summary:  "check fixtures (recorded exchanges) for problems",
	help: `Checks fixture directories, as umconform record writes them (its --help gives the format),
and prints every problem as FILE: field "NAME": problem; fix. Without DIR it checks the
corpora built into umconform. A folder may hold recordings of both APIs, the UM web
service's and EWS's; each is told from its request (path, operation) and held to its API's
outcomes and bindings. "umconform run --fixtures DIR" replays each against its own
endpoint.
Exit 0 no problems, 1 problems found, 2 a directory could not be read or bad usage.
`,
	operands: anyOperands,
	setup: func(inv *invocation) body {
		return func(context.Context) int { return lintFixtures(inv) }
	},
}

func lintFixtures(inv *invocation) int {
	type source struct {
		name string
		load func() (fixtures.Corpus, error)
	}
	var sources []source
	if len(inv.args) == 0 {
		sources = append(sources, source{fixtures.EmbeddedPrefix + " (embedded)", fixtures.LoadEmbedded},
			source{fixtures.EWSPrefix + " (embedded)", fixtures.LoadEmbeddedEWS})
	}
	for _, dir := range inv.args {
		sources = append(sources, source{dir, func() (fixtures.Corpus, error) { return fixtures.LoadDir(dir) }})
	}
	code := exitOK
	for _, s := range sources {
		c, err := s.load()
		var problems fixtures.Problems
		switch {
		case errors.As(err, &problems):
			for _, p := range problems {
				fmt.Fprintln(inv.stdout, p)
			}
			fmt.Fprintf(inv.stdout, "%s: %s, %s\n", s.name, plural.Count(len(c), "clean fixture"), plural.Count(len(problems), "problem"))
			code = max(code, exitFailed)
		case err != nil:
			inv.cannotRun("%v", err)
			code = exitCannotRun
		default:
			ews := 0
			for _, f := range c {
				if f.API() == fixtures.EWS {
					ews++
				}
			}
			fmt.Fprintf(inv.stdout, "%s: %s, no problems (%d UM, %d EWS)\n", s.name, plural.Count(len(c), "fixture"), len(c)-ews, ews)
		}
	}
	return code
}
