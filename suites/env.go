package suites

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/progress"
	"github.com/umconform/umconform/internal/version"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// Config is everything the specs need to know about a run. It is built by the runner (or,
// under "go tool ginkgo", from UMCONFORM_* variables) before any spec is declared.
type Config struct {
	Target     *url.URL
	Name       string // short target name: report folder, Ginkgo label, matrix column
	TargetName string // shown in reports; the URL when empty
	Client     *http.Client
	Headers    http.Header
	DialString string
	EntryID    string
	Timeout    time.Duration // per request
	Strict     bool

	// MaxCalls is the most PlayOnPhone requests the run may send to this target (each may
	// ring a real phone); 0 is no budget. A check that would need one more is skipped.
	MaxCalls int

	// Seed varies the generated requests' values (generated.go): a run is reproducible by
	// default, and a rerun that names the seed sends the same bytes.
	Seed int64

	PollInterval time.Duration // lifecycle: time between GetCallInfo polls
	PollLimit    int           // lifecycle: polls per call at most

	// LifecycleDialStrings are the numbers the lifecycle suite calls, one traced call
	// each (and all at once for the concurrency check); empty means [DialString].
	LifecycleDialStrings []string

	// Fixtures is the corpus, which may still be loading: the replay starts with the first
	// fixture loaded. Each fixture that does not load becomes an erroring check.
	Fixtures       *fixtures.Stream
	Validator      *schema.Validator
	Catalogue      catalogue.Catalogue
	HarnessVersion string
	// Started is when the run began (the process, before loading anything): the reports'
	// start and duration count from it, so that they are the whole run's. Zero counts from
	// Ginkgo's start of the specs.
	Started time.Time

	// WorkDir is where the run may write the files a check needs (the X1 canary): the
	// report folder, since a container's root may be read-only and have no /tmp. Empty
	// means the OS's temporary folder.
	WorkDir string

	// Preflight, when set, is the reason the target cannot be reached: every check then
	// errors at once with it instead of waiting for timeouts.
	Preflight error

	// CanaryAddr is the HOST:PORT of X1's canary listener, named in the entity of the
	// out-of-band probe (canary.go): an address the target reaches this machine at.
	// Empty means DefaultCanaryAddr, which only a target on this host reaches.
	CanaryAddr string

	// Progress, when set, is told of every call the scenarios follow and of each state
	// reported for it, for the console to show what the run waits for.
	Progress *progress.Tracker

	// Preview declares the checks without running them (--list, the requirements
	// command): nothing is sent to the target, not even ahead of the checks.
	Preview bool

	// EWS is the target's EWS endpoint, when it offers one (ews.go). A target may offer
	// the EWS endpoint alone: Target is then nil.
	EWS EWSConfig

	// Access holds the accounts of the authentication and ownership checks (access.go).
	Access Access

	// LabelFilter, Focus and Skip select the checks to declare, with Ginkgo's syntax and
	// meaning, check by check. The runner applies them here rather than handing them to
	// Ginkgo, because a replayed fixture is one spec holding several checks.
	LabelFilter string
	Focus, Skip []string

	// Subset, when set, keeps a share of the checks the filters select: a shard of the
	// run, or the checks an earlier run failed. It sees each check as the filters pass it,
	// so it may keep or leave each fixture or scenario (PlannedCheck.Unit) only as a whole.
	Subset func(PlannedCheck) bool
	// Seen, when set, is told of every check the filters select, as it is declared, whether
	// Subset keeps it or not: the runner checks the expectations file against them.
	Seen func(PlannedCheck)
	// Declared, when set, is told of every check as it is declared, whether the filters
	// select it or not: an expectation about a check a filter leaves out is no error.
	Declared func(PlannedCheck)
	// Rerun is the command that runs this target again (reports.Run.Rerun).
	Rerun string
	// Grade, when set, may change a check's verdict once it is judged: the runner applies
	// the expectations file here, so that an expected failure does not fail its spec.
	Grade func(*reports.Check)
	// Amend, when set, completes the report model of the run before the reports are
	// written: the runner records what share of the checks it made and lists the
	// expectations.
	Amend func(*reports.Run)
}

// Env is the state shared by the specs of one run.
type Env struct {
	cfg Config
	// um and ews are the target's endpoints (endpoint.go): um always (a target may offer
	// the EWS endpoint alone, and then it sends nothing), ews when the target offers it.
	um, ews *endpoint

	mu      sync.Mutex
	idLists map[string][]string // shared lists of requirement IDs (internIDs)
	ahead   chan struct{}       // one place per answer sent ahead and not yet forgotten

	calls calls
	// canary is X1's out-of-band listener, started while a probe needs it (canary.go).
	canary *canaryServer

	// Declaring: the containers around the checks being declared, the run's filter, and
	// for each spec (by its full text) the checks it reports.
	path, pathLabels []string
	selects          func(labels []string, text string) bool
	plans            map[string]*specPlan
	// sink receives the checks of the specs that have ended (SpoolTo); nil keeps them in
	// their plans to the end.
	sink func(reports.Check)
	// parallel is set when Ginkgo runs the specs in several processes: see record.
	parallel bool

	// traceMemos are the lifecycle scenarios, started with the replay (startTraces) and
	// ended with runCtx, which haltPrefetch cancels.
	traceMemos []*traceMemo
	runCtx     context.Context
	stopRun    context.CancelFunc

	// stopPrefetch halts the goroutine that replays fixtures ahead of their checks; see
	// startPrefetch.
	stopPrefetch context.CancelFunc

	// gen is the generated requests' state (generated.go).
	gen generatedState
}

// NewEnv checks cfg and prepares a run.
func NewEnv(cfg Config) (*Env, error) {
	var errs []error
	if cfg.Target == nil && cfg.EWS.Target == nil {
		errs = append(errs, errors.New("no target URL"))
	}
	if cfg.Validator == nil {
		errs = append(errs, errors.New("no schema validator"))
	}
	if cfg.Fixtures == nil {
		errs = append(errs, errors.New("no fixtures"))
	}
	if cfg.Client == nil {
		tr := &http.Transport{DisableCompression: true, MaxResponseHeaderBytes: MaxResponseHeaderBytes}
		RecordHeads(tr)
		// A redirect is the endpoint's answer, judged (T12), never followed.
		cfg.Client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %v: must be positive", cfg.Timeout))
	}
	if cfg.Catalogue == nil {
		cfg.Catalogue = catalogue.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.PollLimit <= 0 {
		cfg.PollLimit = 100
	}
	if len(cfg.LifecycleDialStrings) == 0 && cfg.DialString != "" {
		cfg.LifecycleDialStrings = []string{cfg.DialString}
	}
	if cfg.Name == "" && cfg.Target != nil {
		cfg.Name = cfg.Target.Hostname()
	}
	if cfg.TargetName == "" && cfg.Target != nil {
		cfg.TargetName = cfg.Target.String()
	}
	if cfg.Target == nil && cfg.EWS.Target != nil {
		cfg.Name, cfg.TargetName = cmp.Or(cfg.Name, cfg.EWS.Target.Hostname()), cmp.Or(cfg.TargetName, cfg.EWS.Target.String())
	}
	if cfg.EWS.Target != nil {
		if cfg.EWS.Validator == nil {
			errs = append(errs, errors.New("EWS: no schema validator"))
		}
		if cfg.EWS.Fixtures == nil {
			errs = append(errs, errors.New("EWS: no fixtures"))
		}
	}
	selects, err := selector(cfg.LabelFilter, cfg.Focus, cfg.Skip)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e := &Env{
		cfg:     cfg,
		selects: selects,
		plans:   map[string]*specPlan{},
		um:      newEndpoint(fixtures.UM, cfg.Target, cfg.Fixtures, cfg.Validator, cfg, cfg.Preflight),
		canary:  canaryAt(cmp.Or(cfg.CanaryAddr, DefaultCanaryAddr)),
	}
	if cfg.EWS.Target != nil {
		e.ews = newEndpoint(fixtures.EWS, cfg.EWS.Target, cfg.EWS.Fixtures, cfg.EWS.Validator, cfg, cfg.EWS.Preflight)
	}
	e.runCtx, e.stopRun = context.WithCancel(context.Background())
	// One target, one limit for both APIs: its endpoints' senders share the places.
	inFlight := make(chan struct{}, MaxInFlight)
	e.um.sender.inFlight = inFlight
	if e.ews != nil {
		e.ews.sender.inFlight = inFlight
	}
	e.calls.max = cfg.MaxCalls
	return e, nil
}

// Config returns the run's configuration.
func (e *Env) Config() Config { return e.cfg }

// TargetLabel is the Ginkgo label of this target's checks: --label-filter target-NAME
// selects one target of several.
func (e *Env) TargetLabel() string { return "target-" + e.cfg.Name }

// SpoolTo hands the checks of each spec to add as the spec ends, so that the run's memory
// does not grow with its checks (docs/PERFORMANCE.md); they are then left out of
// SpecRecord. Not in Ginkgo's parallel processes, whose results travel in Ginkgo's report.
func (e *Env) SpoolTo(add func(reports.Check)) { e.sink = add }

// Parallel says whether Ginkgo runs the specs in several processes (known once declared).
func (e *Env) Parallel() bool { return e.parallel }

// NewRun starts the report model of this target's run.
func (e *Env) NewRun() reports.Run {
	build := version.Get()
	return reports.Run{
		Name:             e.cfg.Name,
		Target:           e.cfg.TargetName,
		Strict:           e.cfg.Strict,
		HarnessVersion:   e.cfg.HarnessVersion,
		CatalogueVersion: catalogue.Version,
		HarnessCommit:    build.Commit,
		GoVersion:        build.Go,
		Libxml2Version:   build.Libxml2,
		Platform:         build.Platform,
		CallsPlaced:      e.Placed(),
		MaxCalls:         e.cfg.MaxCalls,
		Stopped:          e.Stopped(),
		Retries:          e.Retries(),
		Rerun:            e.cfg.Rerun,
		Generated:        e.generatedSummary(),
	}
}
