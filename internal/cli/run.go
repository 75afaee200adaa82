package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	buildinfo "github.com/umconform/umconform/internal/version"
	"github.com/umconform/umconform/runner"
)

func runCommand(args []string, stdout, stderr io.Writer) int {
	var cfg runner.Config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := cfg.BindFlags(fs)
	bf := bindBundleFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform run [flags]\n\n"+
			"Replays the recorded fixtures against the target, validates every response against the\n"+
			"XSD, checks the protocol rules and writes REPORT-DIR/junit.xml. Without --target it starts\n"+
			"the embedded reference server. Both APIs: the UM web service and EWS's phone-call\n"+
			"operations; --target https://HOST checks both endpoints of an Exchange 2010+ host, and\n"+
			"--fixtures DIR replays each recording against its own API's endpoint. Exit 0 every selected MUST check passed (SHOULD too with\n"+
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
	if err := bf.prepareRun(&cfg, fs, args); err != nil {
		fmt.Fprintf(stderr, "umconform run: %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 2
	}
	cfg.HarnessVersion = version()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bf.finish(runner.Run(ctx, cfg, stdout, stderr), stdout, stderr)
}

// version is the harness version that reports carry (internal/version stamps it).
func version() string { return buildinfo.Get().Version }
