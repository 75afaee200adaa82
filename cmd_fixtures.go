package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/generate"
)

const fixturesUsage = `Usage: umconform fixtures lint [DIR...]
       umconform fixtures export [--seed N] DIR

Checks fixture directories (format: fixtures/README.md) and prints every problem as
FILE: field "NAME": problem; fix. Without DIR it checks the corpora built into umconform.
A folder may hold recordings of both APIs, the UM web service's and EWS's, as "umconform
record" writes them; each is told from its request (path, operation) and held to its
API's outcomes and bindings. "umconform run --fixtures DIR" replays each against its own
endpoint.
Exit 0 no problems, 1 problems found, 2 a directory could not be read or bad usage.

"export" writes the requests a run generates from the schemas (label generated, seed N;
docs/GENERATED.md) as fixtures in DIR, for both APIs and all six operations: each is
replayed by "umconform run --fixtures DIR" like a recording. A PlayOnPhone carries
placeholders bound to the run's --entry-id and --dial-string. Exit 0 written, 2 on error.
`

// fixturesCommand implements "umconform fixtures": exit 0 when every fixture is clean, 1 when
// any has a problem, 2 on a usage error or an unreadable directory.
func fixturesCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "umconform fixtures: no subcommand; use 'umconform fixtures lint [DIR...]' or 'umconform fixtures export DIR'\n\n%s", fixturesUsage)
		return 2
	}
	switch args[0] {
	case "export":
		return exportCommand(args[1:], stdout, stderr)
	case "lint":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, fixturesUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "umconform fixtures: unknown subcommand %q; use 'umconform fixtures lint [DIR...]'\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("fixtures lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, fixturesUsage) }
	if err := parseFlags(fs, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	type source struct {
		name string
		load func() (fixtures.Corpus, error)
	}
	var sources []source
	if fs.NArg() == 0 {
		sources = append(sources, source{fixtures.EmbeddedPrefix + " (embedded)", fixtures.LoadEmbedded},
			source{fixtures.EWSPrefix + " (embedded)", fixtures.LoadEmbeddedEWS})
	}
	for _, dir := range fs.Args() {
		sources = append(sources, source{dir, func() (fixtures.Corpus, error) { return fixtures.LoadDir(dir) }})
	}
	code := 0
	for _, s := range sources {
		c, err := s.load()
		var problems fixtures.Problems
		switch {
		case errors.As(err, &problems):
			for _, p := range problems {
				fmt.Fprintln(stdout, p)
			}
			fmt.Fprintf(stdout, "%s: %d clean fixtures, %d problems\n", s.name, len(c), len(problems))
			code = max(code, 1)
		case err != nil:
			fmt.Fprintf(stderr, "umconform fixtures lint: %v\n", err)
			code = 2
		default:
			ews := 0
			for _, f := range c {
				if f.API() == fixtures.EWS {
					ews++
				}
			}
			fmt.Fprintf(stdout, "%s: %d fixtures, no problems (%d UM, %d EWS)\n", s.name, len(c), len(c)-ews, ews)
		}
	}
	return code
}

// exportCommand implements "umconform fixtures export": the generated requests as fixtures.
func exportCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fixtures export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, fixturesUsage) }
	seed := fs.Int64("seed", generate.DefaultSeed, "`seed` of the generated requests, as umconform run --seed")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "umconform fixtures export: want one folder, got %d arguments\n\n%s", fs.NArg(), fixturesUsage)
		return 2
	}
	written, skipped, err := generate.Export(fs.Arg(0), *seed)
	if err != nil {
		fmt.Fprintf(stderr, "umconform fixtures export: %v\n", err)
		return 2
	}
	for _, s := range skipped {
		fmt.Fprintf(stdout, "%s: not exported: %s\n", s.ID, s.Why)
	}
	fmt.Fprintf(stdout, "%s: %d generated fixtures written (seed %d), %d not exported\n", fs.Arg(0), len(written), *seed, len(skipped))
	return 0
}
