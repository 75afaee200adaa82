package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/progress"
	"github.com/umconform/umconform/internal/termsafe"
	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/results"
	"github.com/umconform/umconform/schema"
	"github.com/umconform/umconform/suites"
)

// Exit codes of a run.
const (
	ExitOK        = 0 // every selected MUST check passed (and SHOULD ones with --strict)
	ExitFailed    = 1 // the target failed a check
	ExitCannotRun = 2 // bad settings, unreachable target, broken fixture, a check not judged
)

// Run runs the conformance suites once and returns the exit code. Ginkgo keeps one global
// suite per process, so Run may be called only once per process; tests run it in a child
// process.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) int {
	// A target's bytes reach the console (responses, violations, Ginkgo's -v output):
	// their control characters are escaped before a terminal or a CI log acts on them.
	raw := stdout // the console's status line, whose controls it writes itself
	for {
		w, ok := raw.(termsafe.Writer)
		if !ok {
			break
		}
		raw = w.Unwrap()
	}
	stdout, stderr = termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	cfg.progress = &progress.Tracker{}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "umconform run: %v\n", indent(err))
		return ExitCannotRun
	}
	if msg := cfg.nothingToRerun(); msg != "" {
		fmt.Fprintf(stdout, "%s; no check run, no report written\n", msg)
		return ExitOK
	}
	// A run must fit the container it runs in, which Go's runtime does not ask: a soft
	// limit of three quarters of the cgroup's memory limit makes the collector work harder
	// before the kernel kills the process (the last quarter is for libxml2's memory, which
	// the Go limit does not see). GOMEMLIMIT, when set, wins. The collector otherwise keeps
	// Go's defaults: GOGC=400 with a fixed 2 GiB limit saved no measurable time any more
	// and let a run grow five times its live memory (docs/PERFORMANCE.md).
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit := cgroupMemoryLimit(os.DirFS("/")); limit > 0 {
			debug.SetMemoryLimit(limit / 4 * 3)
		}
	}
	envs, cleanup, err := Prepare(ctx, &cfg, stdout, stderr)
	defer cleanup()
	if err != nil {
		fmt.Fprintf(stderr, "umconform run: %v\n", err)
		return ExitCannotRun
	}
	var runs []reports.Run
	reportDir := cfg.ReportDir
	if cfg.List {
		reportDir = "" // Ginkgo runs report nodes in a preview too: keep the last run's reports
	}
	results.Declare(reportDir, func(r []reports.Run) { runs = r }, envs...)
	// The filters went to each Env (Prepare): they select checks, and one spec may hold
	// several. Ginkgo runs every spec declared.
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.Timeout = 24 * time.Hour // each spec has its own timeout
	reporterCfg.Succinct = true
	reporterCfg.NoColor = true

	if cfg.List {
		code := list(stdout, suites.Planned(ginkgo.PreviewSpecs("umconform GetCallInfo conformance", suiteCfg, reporterCfg), envs...))
		if err := cfg.unmatchedExpectations(); err != nil {
			fmt.Fprintf(stderr, "umconform run: %v\n", indent(err))
			return ExitCannotRun
		}
		return code
	}
	if cfg.expectations != nil || needsPreflight(&cfg) {
		// Every entry must be about a check the filters select, and the pre-flight tries a
		// PlayOnPhone only where a selected check places calls. Which checks exist is
		// known once they are declared, which Ginkgo does as a run starts: so the run is
		// previewed first, which declares them and contacts nothing.
		preview := ginkgo.PreviewSpecs("umconform GetCallInfo conformance", suiteCfg, reporterCfg)
		if err := cfg.unmatchedExpectations(); err != nil {
			fmt.Fprintf(stderr, "umconform run: %v\n", indent(err))
			return ExitCannotRun
		}
		if err := writableReportDir(cfg.ReportDir); err != nil {
			fmt.Fprintf(stderr, "umconform run: %v\n", err)
			return ExitCannotRun
		}
		if !preflightSettings(ctx, &cfg, envs, suites.Planned(preview, envs...), stderr) {
			return ExitCannotRun
		}
	} else if err := writableReportDir(cfg.ReportDir); err != nil {
		// Before any request that places a call; after the settings are known good, so
		// that a usage error leaves no folder behind.
		fmt.Fprintf(stderr, "umconform run: %v\n", err)
		return ExitCannotRun
	}
	// A run whose every endpoint was found unreachable judges nothing: its checks are
	// accounted for as errors of the one cause, and no progress marks are printed.
	progressOut, progressRaw := stdout, raw
	if notStarted(envs) {
		progressOut, progressRaw = io.Discard, io.Discard
	}
	defer consoleOutput(progressOut, progressRaw, cfg.Verbose, cfg.progress)()
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(&failer{}, "umconform GetCallInfo conformance", suiteCfg, reporterCfg)
	timing := newTiming(runs)
	for i := range runs {
		runs[i].Duration = timing.all // the console's is the whole run, reports written
	}

	code, checks := ExitOK, 0
	dir := strings.TrimRight(cfg.ReportDir, "/")
	order := catalogue.Default().IDs()
	for _, run := range runs {
		fmt.Fprintln(stdout)
		if len(runs) > 1 {
			fmt.Fprintf(stdout, "== %s\n", run.Name)
		}
		if err := reports.WriteSummary(stdout, run, order, cfg.Verbose); err != nil {
			fmt.Fprintf(stderr, "umconform run: summary: %v\n", err)
		}
		checks += run.Total()
		code = worse(code, run.ExitCode())
	}
	var also string
	if len(runs) > 0 {
		paths, errs := writeMarkdown(cfg, runs, order)
		for _, err := range errs {
			fmt.Fprintf(stderr, "umconform run: %v\n", err)
			code = worse(code, ExitCannotRun) // a summary asked for and not written
		}
		for _, p := range paths {
			also += ", " + p
		}
	}
	if timing.all > 0 {
		fmt.Fprintln(stdout, timing)
	}
	if len(runs) > 1 {
		fmt.Fprintln(stdout)
		if err := reports.WriteMatrixTable(stdout, runs, catalogue.Default()); err != nil {
			fmt.Fprintf(stderr, "umconform run: matrix: %v\n", err)
		}
		fmt.Fprintf(stdout, "Reports: %s/NAME/{junit.xml,report.json,report.html} per target; %s/matrix.json and %s/matrix.html%s\n", dir, dir, dir, also)
	} else {
		fmt.Fprintf(stdout, "Reports: %s/junit.xml, %s/report.json, %s/report.html%s\n", dir, dir, dir, also)
	}
	if ctx.Err() != nil {
		// Interrupted (Ctrl-C, SIGTERM): the run is incomplete whatever it found before, so
		// its exit code says so, the same every time (README, Exit codes).
		fmt.Fprintln(stderr, "umconform run: interrupted; the reports hold the checks made before it (exit 2)")
		return ExitCannotRun
	}
	if checks == 0 {
		switch {
		case cfg.RerunFailed != "":
			fmt.Fprintf(stderr, "umconform run: none of the failed or errored checks of %s is declared by this run; rerun with the flags (--fixtures, --label-filter, --focus, --shard) of the run that wrote it\n", cfg.RerunFailed)
		case cfg.shard.n > 1:
			fmt.Fprintf(stderr, "umconform run: shard %s holds no selected check; loosen --label-filter or --focus, or use fewer shards\n", cfg.Shard)
		default:
			fmt.Fprintln(stderr, "umconform run: no check was selected; loosen --label-filter or --focus")
		}
		return ExitCannotRun
	}
	return code
}

// unmatchedExpectations reports the entries of the expectations file about no check the
// filters selected, once the checks are declared.
func (c *Config) unmatchedExpectations() error {
	if c.expectations == nil {
		return nil
	}
	return c.expectations.Unmatched()
}

// worse orders exit codes by what they tell: a failure of a target outweighs a check the
// run could not judge, which outweighs success.
func worse(a, b int) int {
	rank := map[int]int{ExitOK: 0, ExitCannotRun: 1, ExitFailed: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Prepare loads the schema and fixtures, starts the embedded reference server for targets
// that name it, builds the client and checks each target answers at all: one Env per
// target. cleanup stops what it started; call it even when err is not nil.
func Prepare(ctx context.Context, cfg *Config, stdout, stderr io.Writer) ([]*suites.Env, func(), error) {
	var stops []func()
	cleanup := func() {
		for _, stop := range stops {
			stop()
		}
	}
	// Compile the schema first, on this goroutine: libxml2 initialises lazily and not
	// thread-safely, and the reference server and specs validate concurrently later.
	validator, err := schema.Load()
	if err != nil {
		return nil, cleanup, err
	}
	ewsValidator, err := schema.Load(schema.For(schema.EWS))
	if err != nil {
		return nil, cleanup, err
	}
	ewsCorpus, err := fixtures.StartEmbeddedEWS()
	if err != nil {
		return nil, cleanup, fmt.Errorf("fixtures embedded EWS: %w", err)
	}
	// The fixtures load while the run starts: the first ones are replayed while the
	// others are read (docs/PERFORMANCE.md). Only an unreadable folder stops it here.
	corpus, err := startCorpus(cfg.FixtureDirs)
	if err != nil {
		return nil, cleanup, err
	}
	// Declaring the specs waits for every fixture, so they have all loaded before the
	// first spec runs; Ginkgo runs this once, in its first process.
	var once sync.Once // a run previewed first (see Run) comes here twice
	ginkgo.ReportBeforeSuite(func(ginkgo.Report) {
		broken := corpus.Problems()
		loaded.Store(time.Now())
		once.Do(func() {
			for _, p := range broken {
				fmt.Fprintf(stderr, "umconform run: broken fixture (reported as an error, not replayed): %s\n", p)
			}
		})
	})
	targets, err := cfg.targets()
	if err != nil {
		return nil, cleanup, err
	}
	headers, _ := cfg.headers() // checked by Validate
	client, err := newClient(cfg)
	if err != nil {
		return nil, cleanup, err
	}
	// First of the stops: hang up the connections the transport dialled ahead, on the
	// target as on the embedded server (whose Close would otherwise close them itself).
	stops = append(stops, client.CloseIdleConnections)
	access, err := accessAccounts(cfg, headers)
	if err != nil {
		return nil, cleanup, err
	}
	stops = append(stops, access.CloseIdleConnections)
	var envs []*suites.Env
	for _, t := range targets {
		sc := suites.Config{
			Name: t.Name, Client: client, Headers: headers,
			DialString: cfg.DialString, EntryID: cfg.EntryID, Timeout: cfg.Timeout, Strict: cfg.Strict,
			PollInterval: cfg.PollInterval, PollLimit: cfg.PollLimit, LifecycleDialStrings: cfg.LifecycleDialStrings,
			Fixtures: corpus, Validator: validator,
			Catalogue: catalogue.Default(), HarnessVersion: cfg.HarnessVersion, WorkDir: cfg.ReportDir, Started: processStart,
			LabelFilter: cfg.LabelFilter, Focus: cfg.Focus, Skip: cfg.Skip,
			MaxCalls: cfg.MaxCalls, Preview: cfg.List, Progress: cfg.progress, Access: access, CanaryAddr: cfg.CanaryAddr, Seed: int64(cfg.Seed),
			Rerun:  rerunBase(cfg, t),
			Subset: cfg.subset(t.Name), Amend: cfg.amend(t.Name),
		}
		if x := cfg.expectations; x != nil {
			sc.Seen = func(p suites.PlannedCheck) { x.See(p.Requirements, p.Fixture, p.Scenario) }
			sc.Declared = func(p suites.PlannedCheck) { x.Declare(p.Requirements, p.Fixture, p.Scenario) }
			sc.Grade = x.Grader(cfg.day, cfg.Strict).Grade
		}
		endpoint, ewsEndpoint := t.URL, t.EWSURL
		sc.TargetName = cmp.Or(endpoint, ewsEndpoint)
		if t.Embedded() {
			profile := cmp.Or(t.Profile, reference.ProfileExchange)
			if cfg.List {
				endpoint, ewsEndpoint = "http://127.0.0.1"+reference.LegacyPath, "http://127.0.0.1"+reference.EWSPath
			} else {
				srv, err := reference.Start(ctx, reference.Options{Profile: t.Profile, Step: embeddedStep, Items: []string{sc.EntryID}, // the run's --entry-id names an item of the mailbox
					Users: cfg.embeddedUsers()})
				if err != nil {
					return nil, cleanup, fmt.Errorf("starting the embedded reference server: %w", err)
				}
				stops = append(stops, func() { srv.Close() })
				endpoint, ewsEndpoint = srv.URL(), srv.EWSURL()
				fmt.Fprintf(stdout, "Started the embedded reference server at %s and %s (profile %s)\n", endpoint, ewsEndpoint, profile)
			}
			sc.TargetName = fmt.Sprintf("%s (embedded reference server, profile %s)", endpoint, profile)
			sc.DialString = cmp.Or(sc.DialString, reference.DefaultDialString)
			sc.EntryID = cmp.Or(sc.EntryID, reference.DefaultEntryID)
			if len(sc.LifecycleDialStrings) == 0 {
				sc.LifecycleDialStrings = embeddedLifecycleDials()
			}
			sc.PollInterval = cmp.Or(sc.PollInterval, embeddedPollInterval)
			sc.PollLimit = cmp.Or(sc.PollLimit, embeddedPollLimit)
		}
		sc.PollInterval = cmp.Or(sc.PollInterval, DefaultPollInterval)
		sc.PollLimit = cmp.Or(sc.PollLimit, DefaultPollLimit)
		if endpoint != "" {
			if sc.Target, err = url.Parse(endpoint); err != nil {
				return nil, cleanup, fmt.Errorf("target %q: %w", endpoint, err)
			}
			if !cfg.List {
				sc.Preflight = preflight(ctx, client, sc.Target, cfg.Timeout)
				if se := (*schemeError)(nil); errors.As(sc.Preflight, &se) {
					return nil, cleanup, se
				}
			}
		}
		// One folder of recordings may hold both APIs' exchanges: each is replayed against
		// its own endpoint (fixtures.DetectAPI), and an EWS one with no EWS endpoint to go
		// to is a broken fixture, never silently dropped.
		orphan, fix := orphanEWS(ewsEndpoint)
		sc.Fixtures = fixtures.Filter(corpus, fixtures.UM, true, orphan, fix)
		if ewsEndpoint != "" {
			sc.EWS = suites.EWSConfig{Validator: ewsValidator, Fixtures: fixtures.Merge(ewsCorpus, fixtures.Filter(corpus, fixtures.EWS, false, "", ""))}
			if sc.EWS.Target, err = url.Parse(ewsEndpoint); err != nil {
				return nil, cleanup, fmt.Errorf("EWS target %q: %w", ewsEndpoint, err)
			}
			if !cfg.List {
				sc.EWS.Preflight = preflight(ctx, client, sc.EWS.Target, cfg.Timeout)
				if se := (*schemeError)(nil); errors.As(sc.EWS.Preflight, &se) {
					return nil, cleanup, se
				}
			}
		}
		// One message for the target, both endpoints named when both failed; the EWS
		// endpoint's own when only it did (it may be another host).
		switch {
		case sc.Preflight != nil && sc.EWS.Preflight != nil:
			fmt.Fprintln(stderr, unreachable([]string{endpoint, ewsEndpoint}, sc.Target, sc.Preflight))
		case sc.Preflight != nil:
			fmt.Fprintln(stderr, unreachable([]string{endpoint}, sc.Target, sc.Preflight))
		case sc.EWS.Preflight != nil:
			fmt.Fprintln(stderr, unreachable([]string{"EWS " + ewsEndpoint}, sc.EWS.Target, sc.EWS.Preflight))
		}
		env, err := suites.NewEnv(sc)
		if err != nil {
			return nil, cleanup, err
		}
		envs = append(envs, env)
	}
	return envs, cleanup, nil
}

// embeddedUsers are the accounts of the embedded reference server: with --auth basic it
// requires the run's credentials (and knows the second account), as a real target would;
// otherwise it serves everyone.
func (c *Config) embeddedUsers() map[string]string {
	if c.Auth != "basic" {
		return nil
	}
	users := map[string]string{c.Username: c.Password}
	if c.SecondUsername != "" {
		users[c.SecondUsername] = c.SecondPassword
	}
	return users
}

// embeddedLifecycleDials are the reference server's scenarios the lifecycle suite drives:
// every one that ends by itself, and the answered one, which the harness must end. Not the
// inbound one (Incoming breaks L4 by design), the unavailable one (its EventCause breaks S3
// by design) nor the queued one (it never moves): a correct server must come out clean.
func embeddedLifecycleDials() []string {
	var dials []string
	for _, s := range reference.Scenarios() {
		last := s.Timeline[len(s.Timeline)-1]
		ends := last.State == reference.StateDisconnected && last.Cause != reference.CauseUnavailable
		if ends || s.DialString == reference.DefaultDialString {
			dials = append(dials, s.DialString)
		}
	}
	return dials
}

// orphanEWS is the problem of an EWS recording given to a target without an EWS
// endpoint, and its fix; empty when the target has one.
func orphanEWS(ewsEndpoint string) (string, string) {
	if ewsEndpoint != "" {
		return "", ""
	}
	return "an EWS recording (PlayOnPhone, GetPhoneCallInformation or DisconnectPhoneCall for /EWS/Exchange.asmx), and this target has no EWS endpoint to replay it against",
		"pass --target https://HOST (both endpoints of one Exchange host) or --ews-target NAME=https://HOST/EWS/Exchange.asmx with the target's NAME"
}

// startCorpus starts loading the embedded corpus and the users' folders, as one corpus.
// Broken fixtures come out as problems (each becomes an erroring check); only an
// unreadable folder is an error.
func startCorpus(dirs []string) (*fixtures.Stream, error) {
	embedded, err := fixtures.StartEmbedded()
	if err != nil {
		return nil, fmt.Errorf("fixtures embedded: %w", err)
	}
	streams := []*fixtures.Stream{embedded}
	for _, d := range dirs {
		s, err := fixtures.StartDir(d)
		if err != nil {
			return nil, fmt.Errorf("fixtures %s: %w", d, err)
		}
		streams = append(streams, s)
	}
	return fixtures.Merge(streams...), nil
}

// preflight makes one request to learn whether anything answers at the target; any HTTP
// answer will do.
// A URL whose scheme the server does not speak is a *schemeError (see wrongScheme).
func preflight(ctx context.Context, client *http.Client, u *url.URL, timeout time.Duration) error {
	// A target that answers, however late, is reachable: the checks then tell a late one
	// (X5) from a silent one, with the same grace (suites/late.go).
	rctx, cancel := context.WithTimeout(ctx, 5*timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return cmp.Or(wrongScheme(ctx, u, 0, err, timeout), err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return wrongScheme(ctx, u, resp.StatusCode, nil, timeout)
}

// list prints the checks the filters select, with their labels, without running them.
func list(w io.Writer, checks []suites.PlannedCheck) int {
	for _, c := range checks {
		fmt.Fprintf(w, "%s  [%s]\n", c.Name, strings.Join(c.Labels, ", "))
	}
	fmt.Fprintf(w, "%s selected\n", plural.Count(len(checks), "check"))
	return ExitOK
}

// failer is the testing.T stand-in RunSpecs needs outside "go test".
type failer struct{ failed bool }

func (f *failer) Fail() { f.failed = true }

func indent(err error) string { return strings.ReplaceAll(err.Error(), "\n", "\n  ") }
