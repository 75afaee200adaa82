// Package suites declares the Ginkgo conformance specs that replay fixtures against a target and judge its answers.
package suites

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/version"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// CreateCallFixture is the recorded PlayOnPhone request used to create the live calls that
// CallId-bound fixtures and the lifecycle specs need.
const CreateCallFixture = "pop-request"

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

	// Preview declares the checks without running them (--list, the requirements
	// command): nothing is sent to the target, not even ahead of the checks.
	Preview bool

	// EWS is the target's EWS endpoint, when it offers one (ews.go). A target may offer
	// the EWS endpoint alone: Target is then nil.
	EWS EWSConfig

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
		cfg.Client = &http.Client{Transport: &http.Transport{DisableCompression: true, MaxResponseHeaderBytes: MaxResponseHeaderBytes}}
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
	}
	if cfg.EWS.Target != nil {
		e.ews = newEndpoint(fixtures.EWS, cfg.EWS.Target, cfg.EWS.Fixtures, cfg.EWS.Validator, cfg, cfg.EWS.Preflight)
	}
	e.runCtx, e.stopRun = context.WithCancel(context.Background())
	e.calls.max = cfg.MaxCalls
	return e, nil
}

// Config returns the run's configuration.
func (e *Env) Config() Config { return e.cfg }

// exchange sends api's fixture id once per run and shares the answer among the checks
// that judge it, so that each requirement is its own check without replaying the request
// for each.
func (e *Env) exchange(ctx context.Context, api callAPI, id string) *Exchange {
	m, first := api.ep.claim(id)
	if first {
		m.ex = e.replay(ctx, api, id)
		close(m.done)
		return m.exchange(api.ep.sender)
	}
	return e.await(ctx, api, id, m)
}

// await waits for another goroutine's exchange of fixture id.
func (e *Env) await(ctx context.Context, api callAPI, id string, m *memo) *Exchange {
	select {
	case <-m.done:
		return m.exchange(api.ep.sender)
	case <-ctx.Done():
		// The check was interrupted or ran out of time while another goroutine sent the
		// fixture: stop sending ahead, the run is ending.
		e.haltPrefetch()
		return &Exchange{Err: &TransportError{Kind: "interrupted", Err: fmt.Errorf("the check ended while waiting for fixture %s's exchange: %w", id, context.Cause(ctx))}}
	}
}

// startPrefetch starts a goroutine that replays fixtures ahead of their checks, one at a
// time, in the order their IDs arrive on the returned channel: the order their checks
// run. Close the channel once every selected fixture is queued; capacity must hold them
// all, because the checks are declared (and queued) before Ginkgo runs any of them. The
// target sees the same sequence of requests as without it, one in flight at a time; what
// it saves is the checks' bookkeeping (and declaring them), which now overlaps the network
// and the server instead of adding to them (bench/run.sh: docs/PERFORMANCE.md). A check
// whose exchange is in flight waits for it.
//
// The answers are validated by the checks that read them (memo.exchange), on the
// goroutine that runs the checks: the schema stays off the path every request waits on.
func (e *Env) startPrefetch(api callAPI, capacity int) chan<- string {
	queue := make(chan string, capacity)
	e.ahead = make(chan struct{}, prefetchAhead)
	ctx, cancel := context.WithCancel(context.Background())
	e.mu.Lock()
	e.stopPrefetch = cancel
	e.mu.Unlock()
	go func() {
		defer cancel()
		for id := range queue {
			if ctx.Err() != nil {
				return
			}
			// At most prefetchAhead answers wait for their checks: the replay runs
			// ahead of the checks, and every answer held is memory (stream.go).
			select {
			case e.ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			m, first, unread := api.ep.claimUnread(id)
			if !unread { // its checks overtook the prefetcher and are done with it
				<-e.ahead
				continue
			}
			if !first { // a check got there first: wait, so that one request is in flight
				<-e.ahead
				select {
				case <-m.done:
				case <-ctx.Done():
				}
				continue
			}
			m.prefetched = true
			m.ex = e.replay(ctx, api, id)
			close(m.done)
		}
	}()
	return queue
}

// haltPrefetch stops sending ahead: an interrupted run must not keep replaying.
func (e *Env) haltPrefetch() {
	e.mu.Lock()
	stop := e.stopPrefetch
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
	e.stopRun()
}

// replay sends one fixture of api's corpus. A fixture that names a live call is bound to
// one: the shared call when it only reads it, a call of its own when it ends it. A call a
// PlayOnPhone places is ended afterwards (send). The answer is not validated here, except
// to learn whether the shared call is still live: see Sender.Check.
func (e *Env) replay(ctx context.Context, api callAPI, id string) *Exchange {
	f, err := api.ep.fixture(id)
	if err != nil {
		return &Exchange{Err: err}
	}
	if err := api.ep.breaker.open(); err != nil {
		return unsent(f, err)
	}
	v := fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}
	switch {
	case f.Operation() == "PlayOnPhone" || !api.bound(f):
		// sent once: a template would cost more than it saves
		return e.send(ctx, api, &request{f: f, v: v, lazy: true})
	case f.Operation() == api.endOp: // it ends its call: one of its own
		call, _, err := e.placeCall(ctx, api, e.cfg.DialString, true)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		ex := e.send(ctx, api, &request{f: f, v: api.bind(v, call), lazy: true})
		if api.ep.sender.validate(ex); ex.Err != nil || !api.ended(ex) {
			e.endCall(context.WithoutCancel(ctx), api, call) // the fixture did not end it
		}
		return ex
	}
	for retried := false; ; retried = true {
		call, err := e.share(ctx, api)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		state := api.ep.shared.state(call, time.Now())
		ex := e.send(ctx, api, &request{f: f, v: api.bind(v, call), lazy: true})
		ex.CallState = state
		if hostileToCalls(f) {
			api.ep.shared.suspectNow()
			return ex
		}
		if ex.Err != nil || f.Expect.Outcome != fixtures.Success || f.Operation() != api.ask {
			return ex
		}
		api.ep.sender.validate(ex)
		a := api.answerOf(ex)
		// A call seen live that is now unknown ended by itself: the fixture was not
		// answered about a live call, as it must be. It is sent once more, on a new call.
		if api.ep.shared.observe(ctx, api, call, a) && !a.isInfo() && !retried {
			continue
		}
		return ex
	}
}

// hostileToCalls says whether f is a malformed request that a server is checked to survive
// (X3): a broken server may spoil the calls it holds, so the shared call is asked about
// before it is used again.
func hostileToCalls(f fixtures.Fixture) bool {
	return f.Expect.Outcome != fixtures.Success && slices.Contains(f.Requirements, "X3")
}

// disconnectFixture is the recorded Disconnect request used to end calls the run created.
const disconnectFixture = "dc-request"

// Stopped is why the run stopped sending requests to this target (it was unreachable, or
// stopped answering), or "" when it did not.
func (e *Env) Stopped() string {
	if why := e.um.breaker.stopped(); why != "" {
		return why
	}
	if e.ews != nil { // the EWS endpoint has its own breaker: it may be another host
		if why := e.ews.breaker.stopped(); why != "" {
			return "the EWS endpoint: " + why
		}
	}
	return ""
}

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
	}
}
