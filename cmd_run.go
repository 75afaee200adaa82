package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/umconform/umconform/runner"
)

func runCommand(args []string, stdout, stderr io.Writer) int {
	var cfg runner.Config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := cfg.BindFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform run [flags]\n\n"+
			"Replays the recorded fixtures against the target, validates every response against the\n"+
			"XSD, checks the protocol rules and writes REPORT-DIR/junit.xml. Without --target it starts\n"+
			"the embedded reference server. Exit 0 every selected MUST check passed (SHOULD too with\n"+
			"--strict), 1 a check failed, 2 the run could not be made or a check could not be judged.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "umconform run: unexpected argument %q; every setting is a flag\n", fs.Arg(0))
		return 2
	}
	if errs := ef.Errs(); len(errs) > 0 {
		fmt.Fprintf(stderr, "umconform run: %s\n", strings.Join(errs, "\n  "))
		return 2
	}
	cfg.HarnessVersion = version()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runner.Run(ctx, cfg, stdout, stderr)
}

// buildVersion is set by the Makefile (-ldflags -X) from git describe, because builds with
// -buildvcs=false (as GOFLAGS sets on some machines) carry no VCS revision.
var buildVersion string

// version is the module version, or the VCS revision of a source build.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && (v == "" || v == "(devel)") {
			v = "git-" + s.Value[:min(12, len(s.Value))]
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}
