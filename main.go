// Command umconform is a conformance harness for the Exchange UM GetCallInfo operation.
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/umconform/umconform/internal/termsafe"
)

const usage = `umconform: conformance harness for the Exchange UM GetCallInfo operation

Usage:
  umconform run [flags]              replay the fixtures against a target and write reports
  umconform validate [flags] FILE... validate SOAP messages against the schema
  umconform serve [flags]            run the reference UM server
  umconform record [flags]           record a client's exchanges through a proxy as fixtures
  umconform fixtures lint [DIR...]   check fixtures for problems
  umconform compare BASE NEW         compare two report.json files: regressions, fixes, responses
  umconform merge [flags] REPORT...  merge the reports of a sharded run (--shard K/N) into one
  umconform expectations REPORT      an expectations file accepting every failure of a report
  umconform requirements [--matrix]  the requirement catalogue, its coverage and kill matrix
  umconform version [--json]         the harness, commit, Go, libxml2 and catalogue versions
  umconform verify [--key PUB] FILE  check a conformance bundle (run --bundle): intact, complete, passing

Run 'umconform COMMAND --help' for the flags of a command.
`

func main() {
	stop := startProfile()
	// Every command writes text for a person or a log, some of it a target's or a
	// client's bytes: their control characters are escaped (package termsafe).
	code := dispatch(os.Args[1:], os.Stdin, termsafe.NewWriter(os.Stdout), termsafe.NewWriter(os.Stderr))
	stop()
	os.Exit(code)
}

// dispatch runs one subcommand and returns the process exit code: 0 success, 1 a check
// failed, 2 the command could not run.
func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runCommand(rest, stdout, stderr)
	case "requirements":
		return requirementsCommand(rest, stdout, stderr)
	case "validate":
		return validateCommand(rest, stdin, stdout, stderr)
	case "fixtures":
		return fixturesCommand(rest, stdout, stderr)
	case "serve":
		return serveCommand(rest, stdout, stderr)
	case "record":
		return recordCommand(rest, stdout, stderr)
	case "compare":
		return compareCommand(rest, stdout, stderr)
	case "merge":
		return mergeCommand(rest, stdout, stderr)
	case "verify":
		return verifyCommand(rest, stdout, stderr)
	case "expectations":
		return expectationsCommand(rest, stdout, stderr, time.Now())
	case "version", "--version":
		return versionCommand(rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "umconform: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}
