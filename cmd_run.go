package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/umconform/umconform/runner"
)

// envFlags registers flags whose defaults come from UMCONFORM_* variables and names the
// variable in each flag's help, so CI jobs can configure a run without a command line.
type envFlags struct {
	fs   *flag.FlagSet
	errs []string
}

func (e *envFlags) env(name string) (string, bool) { return os.LookupEnv("UMCONFORM_" + name) }

func (e *envFlags) String(p *string, flagName, envName, def, usage string) {
	if v, ok := e.env(envName); ok {
		def = v
	}
	e.fs.StringVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

func (e *envFlags) Bool(p *bool, flagName, envName string, usage string) {
	def := false
	if v, ok := e.env(envName); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("UMCONFORM_%s=%q: want true or false", envName, v))
		}
		def = b
	}
	e.fs.BoolVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

func (e *envFlags) Duration(p *time.Duration, flagName, envName string, def time.Duration, usage string) {
	if v, ok := e.env(envName); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("UMCONFORM_%s=%q: want a duration such as 10s", envName, v))
		}
		def = d
	}
	e.fs.DurationVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

func (e *envFlags) Int(p *int, flagName, envName string, def int, usage string) {
	if v, ok := e.env(envName); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("UMCONFORM_%s=%q: want a whole number", envName, v))
		}
		def = n
	}
	e.fs.IntVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

// List registers a repeatable flag; the variable holds values separated by newlines (or
// commas for folder lists).
func (e *envFlags) List(p *[]string, flagName, envName, sep, usage string) {
	if v, ok := e.env(envName); ok && v != "" {
		*p = strings.Split(v, sep)
	}
	e.fs.Func(flagName, fmt.Sprintf("%s; repeatable (env UMCONFORM_%s)", usage, envName), func(s string) error {
		*p = append(*p, s)
		return nil
	})
}

func runCommand(args []string, stdout, stderr io.Writer) int {
	var cfg runner.Config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := &envFlags{fs: fs}
	ef.String(&cfg.Target, "target", "TARGET", "", "endpoint `URL`, such as https://HOST/EWS/UM2007Legacy.asmx; empty starts the embedded reference server")
	ef.String(&cfg.Profile, "profile", "PROFILE", "", "reference server `profile` to run against when there is no --target (see umconform serve --list-profiles)")
	ef.String(&cfg.DialString, "dial-string", "DIAL_STRING", "", "`number` PlayOnPhone calls to create live calls (required with --target)")
	ef.String(&cfg.EntryID, "entry-id", "ENTRY_ID", "", "`id` of the voice mail item PlayOnPhone plays (required with --target)")
	ef.Duration(&cfg.Timeout, "timeout", "TIMEOUT", 10*time.Second, "per-request `timeout`")
	ef.String(&cfg.Auth, "auth", "AUTH", "none", "authentication: none, basic or ntlm")
	ef.String(&cfg.Username, "username", "USERNAME", "", "`user` for --auth basic or ntlm (DOMAIN\\user for NTLM)")
	ef.String(&cfg.PasswordFile, "password-file", "PASSWORD_FILE", "", "`file` holding the password; or set UMCONFORM_PASSWORD (a password is never a flag value)")
	ef.String(&cfg.CAFile, "ca-file", "CA_FILE", "", "PEM `file` of CA certificates to trust for an https target")
	ef.Bool(&cfg.Insecure, "insecure-skip-verify", "INSECURE_SKIP_VERIFY", "do not verify the target's TLS certificate")
	ef.List(&cfg.Headers, "header", "HEADERS", "\n", "extra request header 'Name: value' (values are redacted in reports)")
	ef.String(&cfg.LabelFilter, "label-filter", "LABEL_FILTER", "", "Ginkgo label `filter`, such as 'MUST && !robustness' or 'C1 || C2'")
	ef.List(&cfg.Focus, "focus", "FOCUS", "\n", "run only checks whose name matches this `regexp`")
	ef.Bool(&cfg.Strict, "strict", "STRICT", "treat broken SHOULD requirements as failures")
	ef.String(&cfg.ReportDir, "report-dir", "REPORT_DIR", "reports", "`folder` for junit.xml")
	ef.Bool(&cfg.List, "list", "LIST", "print the selected checks without contacting the target")
	ef.List(&cfg.FixtureDirs, "fixtures", "FIXTURES", ",", "`folder` of your own recorded fixtures, replayed with the embedded corpus")
	ef.Duration(&cfg.PollInterval, "poll-interval", "POLL_INTERVAL", 0, fmt.Sprintf("lifecycle: `time` between GetCallInfo polls; 0 is %v (faster against the embedded server)", runner.DefaultPollInterval))
	ef.Int(&cfg.PollLimit, "poll-limit", "POLL_LIMIT", 0, fmt.Sprintf("lifecycle: polls per call at most; 0 is %d (fewer against the embedded server)", runner.DefaultPollLimit))
	ef.List(&cfg.LifecycleDialStrings, "lifecycle-dial-string", "LIFECYCLE_DIAL_STRINGS", ",", "lifecycle: `number` to call and follow to its end (default --dial-string; against the embedded server its answered scenario and those that end by themselves)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform run [flags]\n\n"+
			"Replays the recorded fixtures against the target, validates every response against the\n"+
			"XSD, checks the protocol rules and writes REPORT-DIR/junit.xml. Without --target it starts\n"+
			"the embedded reference server. Exit 0 every selected MUST check passed (SHOULD too with\n"+
			"--strict), 1 a check failed, 2 the run could not be made or a check could not be judged.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "umconform run: unexpected argument %q; every setting is a flag\n", fs.Arg(0))
		return 2
	}
	if len(ef.errs) > 0 {
		fmt.Fprintf(stderr, "umconform run: %s\n", strings.Join(ef.errs, "\n  "))
		return 2
	}
	cfg.Password = os.Getenv("UMCONFORM_PASSWORD")
	cfg.HarnessVersion = version()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runner.Run(ctx, cfg, stdout, stderr)
}

// version is the module version, or the VCS revision of a source build.
func version() string {
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
