// Package cli holds umconform's commands: one table of them (commands), and the parsing,
// help and checks of arguments that every command shares.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/umconform/umconform/internal/plural"
	"github.com/umconform/umconform/runner"
	"github.com/umconform/umconform/runner/envflag"
)

// A command is one verb of umconform. Its help is its usage line, its help text and its
// flags, each line at most helpWidth columns.
type command struct {
	name     string   // "run", or a verb and its subcommand: "fixtures lint"
	synopsis string   // what follows the name in the usage line
	summary  string   // its line in the top-level help
	help     string   // between the usage line and the flags; "" for none
	operands operands // how many arguments may follow the flags
	// setup registers the command's flags on the invocation's flag set and returns the
	// command's body, which runs once the flags are parsed and the shared checks passed.
	setup func(inv *invocation) body
}

// A body runs a command; it returns the exit code.
type body func(ctx context.Context) int

// operands is how many arguments a command takes after its flags, and what they are.
type operands struct {
	min, max int    // max < 0: no bound
	want     string // what they are, for the message when their count is wrong: "one report, REPORT.json"
}

var (
	noOperands  = operands{}
	anyOperands = operands{max: -1}
)

// commands is every command, in the order of the top-level help.
var commands = []*command{
	runCmd, validateCmd, serveCmd, recordCmd, fixturesLintCmd, fixturesExportCmd, compareCmd, mergeCmd,
	expectationsCmd, requirementsCmd, versionCmd, verifyCmd,
}

// The exit codes of every command.
const (
	exitOK        = 0
	exitFailed    = runner.ExitFailed    // the target (or the input) broke a rule
	exitCannotRun = runner.ExitCannotRun // the command could not run or could not judge
)

// An invocation is one command as the user gave it: the program's name, the command's
// flags and operands, and where it reads and writes.
type invocation struct {
	prog   string // the binary as the user invoked it, as hints name it (Prog)
	cmd    *command
	fs     *flag.FlagSet
	raw    []string // the arguments after the command's name, as given
	args   []string // the operands, once the flags are parsed
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	envs   []*envflag.Set    // whose problems stop the command before it runs
	checks []func() []string // more problems, reported with those of the flags
}

// envFlags returns a set of flags whose defaults are UMCONFORM_* variables; a variable
// that is not a valid value stops the command with exit 2.
func (inv *invocation) envFlags() *envflag.Set {
	ef := envflag.New(inv.fs)
	inv.watch(ef)
	return ef
}

// watch makes the problems of ef stop the command, as envFlags' own do.
func (inv *invocation) watch(ef *envflag.Set) { inv.envs = append(inv.envs, ef) }

// check adds a check of the settings, made once the flags are parsed: every problem it
// returns is said with those of the flags and operands, and the command exits 2.
func (inv *invocation) check(f func() []string) { inv.checks = append(inv.checks, f) }

// cannotRun says the command could not run, as "umconform NAME: MESSAGE", and returns 2.
// A message of several lines is indented under the first.
func (inv *invocation) cannotRun(format string, args ...any) int {
	msg := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", "\n  ")
	fmt.Fprintf(inv.stderr, "umconform %s: %s\n", inv.cmd.name, msg)
	return exitCannotRun
}

// hint is a command for the user to type, as they invoked the binary: "bin/umconform verify".
func (inv *invocation) hint(args string) string { return inv.prog + " " + args }

// Prog is the name to show in hints for a binary invoked as argv0 (os.Args[0]): as typed
// when it is a relative path, such as bin/umconform, which the user can type again; the
// file's name alone when it is absolute (found on PATH by a launcher, or an image's
// entrypoint), where the long path would only be noise.
func Prog(argv0 string) string {
	switch {
	case argv0 == "":
		return "umconform"
	case filepath.IsAbs(argv0):
		return filepath.Base(argv0)
	}
	return argv0
}

// Main runs the command args name and returns the process's exit code: 0 success, 1 the
// target (or input) broke a rule, 2 the command could not run. prog is the binary as the
// user invoked it (Prog). ctx ends the commands that run until stopped (run, serve, record)
// as SIGINT and SIGTERM do.
func Main(ctx context.Context, prog string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr, prog)
		return exitCannotRun
	}
	switch args[0] {
	case "help":
		if len(args) > 1 { // "help run" is "run --help"
			return Main(ctx, prog, append(args[1:], "--help"), stdin, stdout, stderr)
		}
		writeUsage(stdout, prog)
		return exitOK
	case "-h", "--help":
		writeUsage(stdout, prog)
		return exitOK
	case "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	// A verb is a command ("run"), or a group of them ("fixtures lint", …).
	var group []*command
	for _, c := range commands {
		switch verb, sub, _ := strings.Cut(c.name, " "); {
		case verb != args[0]:
		case sub == "":
			return c.invoke(ctx, prog, args[1:], stdin, stdout, stderr)
		case len(args) > 1 && args[1] == sub:
			return c.invoke(ctx, prog, args[2:], stdin, stdout, stderr)
		default:
			group = append(group, c)
		}
	}
	if len(group) == 0 {
		fmt.Fprintf(stderr, "umconform: unknown command %q\n\n", args[0])
		writeUsage(stderr, prog)
		return exitCannotRun
	}
	var uses []string
	for _, c := range group {
		uses = append(uses, fmt.Sprintf("'%s %s %s'", prog, c.name, c.synopsis))
	}
	use := strings.Join(uses, " or ")
	switch {
	case len(args) < 2:
		fmt.Fprintf(stderr, "umconform %s: no subcommand; use %s\n\n", args[0], use)
		writeGroupHelp(stderr, prog, group)
		return exitCannotRun
	case slices.Contains([]string{"-h", "--help", "help"}, args[1]):
		writeGroupHelp(stdout, prog, group)
		return exitOK
	}
	fmt.Fprintf(stderr, "umconform %s: unknown subcommand %q; use %s\n", args[0], args[1], use)
	return exitCannotRun
}

// invoke parses the command's flags the one way every command does, makes the shared
// checks and runs it.
func (c *command) invoke(ctx context.Context, prog string, raw []string, stdin io.Reader, stdout, stderr io.Writer) int {
	inv := &invocation{prog: prog, cmd: c, raw: raw, stdin: stdin, stdout: stdout, stderr: stderr}
	inv.fs = flag.NewFlagSet(c.name, flag.ContinueOnError)
	inv.fs.SetOutput(io.Discard)
	// A bad flag is said in two lines, the error and where the flags are listed, instead
	// of the error and the whole usage (66 lines for run) that bury it.
	inv.fs.Usage = func() {}
	run := c.setup(inv)
	err := inv.fs.Parse(raw)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.writeHelp(stderr, prog, inv.fs)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "umconform %s: %v\nRun '%s' for the flags.\n", c.name, err, inv.hint(c.name+" --help"))
		return exitCannotRun
	}
	inv.args = inv.fs.Args()
	var problems []string
	for _, ef := range inv.envs {
		problems = append(problems, ef.Errs()...)
	}
	if msg := c.operands.problem(inv.args); msg != "" {
		problems = append(problems, msg)
	}
	for _, check := range inv.checks {
		problems = append(problems, check()...)
	}
	if len(problems) > 0 {
		return inv.cannotRun("%s", strings.Join(problems, "\n"))
	}
	return run(ctx)
}

// problem says what is wrong with the operands given, or "".
func (o operands) problem(args []string) string {
	n := len(args)
	switch {
	case o.max == 0 && n > 0:
		return fmt.Sprintf("unexpected argument %q; every setting is a flag", args[0])
	case n == 0 && o.min > 0:
		return fmt.Sprintf("no argument given: want %s", o.want)
	case n < o.min || o.max >= 0 && n > o.max:
		return fmt.Sprintf("want %s (got %s)", o.want, plural.Count(n, "argument"))
	}
	return ""
}

// interruptible is ctx, ended also by SIGINT and SIGTERM: for the commands that run until
// stopped, or that should stop cleanly (a run writes the reports of the checks it made).
// Other commands leave the signals to end the process as they always do.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// Commands is the name of every command, in the order of the top-level help: "run",
// "fixtures lint", ….
func Commands() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}
