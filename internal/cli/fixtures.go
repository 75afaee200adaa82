package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/generate"
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

// fixturesExportCmd is "umconform fixtures export": the requests a run generates from the
// schemas, written as fixtures.
var fixturesExportCmd = &command{
	name:     "fixtures export",
	synopsis: "[--seed N] DIR",
	summary:  "write the schema-generated requests as fixtures",
	help: `Writes the requests a run generates from the schemas (label generated, docs/GENERATED.md)
as fixtures in DIR, for both APIs and all six operations, made with the seed a run's --seed
names: "umconform run --fixtures DIR" replays each like a recording, and "umconform
fixtures lint DIR" checks them. A PlayOnPhone carries placeholders bound to the run's
--entry-id and --dial-string. Exit 0 written, 2 on error.
`,
	operands: operands{min: 1, max: 1, want: "one folder, DIR"},
	setup: func(inv *invocation) body {
		seed := inv.fs.Int64("seed", generate.DefaultSeed, "`seed` of the generated requests, as umconform run --seed")
		return func(context.Context) int {
			dir := inv.args[0]
			written, skipped, err := generate.Export(dir, *seed)
			if err != nil {
				return inv.cannotRun("%v", err)
			}
			for _, s := range skipped {
				fmt.Fprintf(inv.stdout, "%s: not exported: %s\n", s.ID, s.Why)
			}
			fmt.Fprintf(inv.stdout, "%s: %s written (seed %d), %d not exported\n", dir, plural.Count(len(written), "generated fixture"), *seed, len(skipped))
			return exitOK
		}
	},
}
