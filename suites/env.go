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
	"strings"
	"sync"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/progress"
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

	// CanaryAddr is the HOST:PORT of X1's canary listener, named in the entity of the
	// out-of-band probe (canary.go): an address the target reaches this machine at.
	// Empty means DefaultCanaryAddr, which only a target on this host reaches.
	CanaryAddr string

	// WorkDir is where the run may write the files a check needs (the X1 canary): the
	// report folder, since a container's root may be read-only and have no /tmp. Empty
	// means the OS's temporary folder.
	WorkDir string

	// Preflight, when set, is the reason the target cannot be reached: every check then
	// errors at once with it instead of waiting for timeouts.
	Preflight error

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
	cfg    Config
	sender *Sender
	ews    *ewsEnv // nil when the target offers no EWS endpoint

	mu        sync.Mutex
	exchanges map[string]*memo
	readers   map[string]int      // the specs still to read each exchange (stream.go)
	idLists   map[string][]string // shared lists of requirement IDs (internIDs)
	// x3Fixtures are the IDs of the corpus's X3 probes, listed by the replay's
	// declaration for the robustness suite's (probes): IDs, not fixtures, which a large
	// corpus lets go until they are sent (Stream.Park).
	x3Fixtures []string
	ahead      chan struct{} // one place per answer sent ahead and not yet forgotten

	breaker breaker
	calls   calls
	// canary is X1's out-of-band listener, started while a probe needs it (canary.go).
	canary *canaryServer

	// Declaring: the containers around the checks being declared, the run's filter, and
	// for each spec (by its full text) the checks it reports.
	path, pathLabels []string
	selects          func(labels []string, text string) bool
	plans            map[string]*specPlan
	// spool holds the checks of the specs that have ended, when the run writes reports
	// (stream.go); nil keeps them in their plans to the end.
	spool *reports.Spool
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

	// umLent is taken by the one UM replay that may place its call with the corpus's
	// PlayOnPhone fixture (umLentCall).
	umLent sync.Once
}

// memo is one fixture's exchange: sent by whoever asks first, awaited by the others.
type memo struct {
	started bool // under Env.mu
	done    chan struct{}
	ex      *Exchange
	checked sync.Once // Sender.Check, by the first check to read the exchange
	// prefetched: sent ahead of its checks, it holds a place in Env.ahead until it is
	// forgotten (doneReading).
	prefetched bool
}

// exchange returns the memo's exchange, validated.
func (m *memo) exchange(s *Sender) *Exchange {
	m.checked.Do(func() { s.Check(m.ex) })
	return m.ex
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
		cfg.Client = &http.Client{Transport: tr}
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
	ews, err := newEWSEnv(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	selects, err := selector(cfg.LabelFilter, cfg.Focus, cfg.Skip)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e := &Env{
		ews:       ews,
		cfg:       cfg,
		selects:   selects,
		plans:     map[string]*specPlan{},
		exchanges: map[string]*memo{},
		sender:    &Sender{Target: cfg.Target, Client: cfg.Client, Headers: cfg.Headers, Timeout: cfg.Timeout, Validator: cfg.Validator},
		canary:    canaryAt(cmp.Or(cfg.CanaryAddr, DefaultCanaryAddr)),
	}
	e.runCtx, e.stopRun = context.WithCancel(context.Background())
	e.breaker.limit = breakerLimit
	e.sender.late = &e.breaker.late
	e.sender.retry = &retrier{}
	e.sender.inFlight = make(chan struct{}, MaxInFlight)
	if e.ews != nil {
		e.ews.sender.inFlight = e.sender.inFlight // one target, one limit for both APIs
	}
	e.calls.max = cfg.MaxCalls
	e.breaker.err = cfg.Preflight
	return e, nil
}

// Config returns the run's configuration.
func (e *Env) Config() Config { return e.cfg }

// exchange sends fixture id once per run and shares the answer among the checks that judge
// it, so that each requirement is its own check without replaying the request for each.
func (e *Env) exchange(ctx context.Context, id string) *Exchange {
	m, first := e.claim(id)
	if first {
		m.ex = e.replay(ctx, id)
		close(m.done)
		return m.exchange(e.sender)
	}
	return e.await(ctx, id, m)
}

// claim returns the memo of fixture id, and whether the caller is the first to ask and so
// must send it and close the memo.
func (e *Env) claim(id string) (*memo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.claimLocked(id)
}

// claimLocked is claim; e.mu is held.
func (e *Env) claimLocked(id string) (*memo, bool) {
	m := e.exchanges[id]
	if m == nil {
		m = &memo{done: make(chan struct{})}
		e.exchanges[id] = m
	}
	first := !m.started
	m.started = true
	return m, first
}

// claimUnread is claim for the prefetcher, which goes ahead of the checks: unread is
// false, and nothing is claimed, once the checks that read fixture id are done with it.
// Their exchange is then forgotten (doneReading), and claim would make a new memo and send
// the fixture a second time: on a loaded machine the checks overtook the prefetcher, and a
// run rang the phone up to three times more than it needed.
func (e *Env) claimUnread(id string) (m *memo, first, unread bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.readers[id] == 0 {
		return nil, false, false
	}
	m, first = e.claimLocked(id)
	return m, first, true
}

// await waits for another goroutine's exchange of fixture id.
func (e *Env) await(ctx context.Context, id string, m *memo) *Exchange {
	select {
	case <-m.done:
		return m.exchange(e.sender)
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
func (e *Env) startPrefetch(capacity int) chan<- string {
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
			m, first, unread := e.claimUnread(id)
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
			m.ex = e.replay(ctx, id)
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

// replay sends one fixture. A fixture whose CallId must name a live call is bound to one:
// the shared call when it only reads it, a call of its own when it changes it (Disconnect).
// A PlayOnPhone counts against the call budget, and a call it places is ended afterwards:
// against a real server every PlayOnPhone rings a phone. The answer is not validated here,
// except to learn whether the shared call is still live: see Sender.Check.
func (e *Env) replay(ctx context.Context, id string) *Exchange {
	f, ok := e.cfg.Fixtures.Lookup(id)
	if !ok {
		return &Exchange{Err: &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s is not in the corpus", id)}}
	}
	if err := e.breaker.open(); err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	v := fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}
	switch {
	case f.Operation() == "PlayOnPhone":
		ex := e.sendPlayOnPhone(ctx, f, v)
		e.breaker.record(ex.Err)
		e.endPlacedCall(ctx, ex)
		return ex
	case f.BindCallID == "":
		ex := e.sender.Post(ctx, f, v) // sent once: a template would cost more than it saves
		e.breaker.record(ex.Err)
		return ex
	case changesCall(f):
		call, ok := e.umLentCall(ctx)
		if !ok {
			var err error
			if call, _, err = e.ownCall(ctx, e.cfg.DialString); err != nil {
				return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
			}
		}
		v.CallID = call
		ex := e.sender.Post(ctx, f, v)
		e.breaker.record(ex.Err)
		if e.sender.validate(ex); ex.Err != nil || !isSuccess(ex) || ex.Result.Message != "DisconnectResponse" {
			e.disconnect(context.WithoutCancel(ctx), call) // the fixture did not end it
		}
		return ex
	}
	for retried := false; ; retried = true {
		call, err := e.sharedCall(ctx)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		v.CallID = call
		state := e.calls.um.state(call, time.Now())
		ex := e.sender.Post(ctx, f, v)
		ex.CallState = state
		e.breaker.record(ex.Err)
		if hostileToCalls(f) {
			e.suspectShared()
			return ex
		}
		if ex.Err != nil || f.Expect.Outcome != fixtures.Success || f.Operation() != "GetCallInfo" {
			return ex
		}
		e.sender.validate(ex)
		a := answerOf(ex)
		// A call seen live that is now unknown ended by itself: the fixture was not
		// answered about a live call, as it must be. It is sent once more, on a new call.
		if e.observeShared(ctx, call, a) && !a.isInfo() && !retried {
			continue
		}
		return ex
	}
}

// changesCall says whether replaying f changes the call it names, so that it needs a call
// of its own: a Disconnect ends it.
func changesCall(f fixtures.Fixture) bool { return f.Operation() == "Disconnect" }

// hostileToCalls says whether f is a malformed request that a server is checked to survive
// (X3): a broken server may spoil the calls it holds, so the shared call is asked about
// before it is used again.
func hostileToCalls(f fixtures.Fixture) bool {
	return f.Expect.Outcome != fixtures.Success && slices.Contains(f.Requirements, "X3")
}

// endPlacedCall disconnects a call that a replayed PlayOnPhone placed.
func (e *Env) endPlacedCall(ctx context.Context, ex *Exchange) {
	if ex.Err != nil || ex.Status != 200 {
		return
	}
	e.sender.validate(ex)
	if id, ok := ex.Result.Value("PlayOnPhoneResponse"); ok && id != "" && ex.Result.Message == "PlayOnPhoneResponse" {
		e.disconnect(context.WithoutCancel(ctx), id)
	}
}

// disconnect ends a call the run created with the recorded Disconnect, and returns its
// exchange, validated, for the lifecycle checks that judge it. It is sent even once the
// breaker is open (a phone may be ringing), and counted.
func (e *Env) disconnect(ctx context.Context, callID string) *Exchange {
	f, ok := e.cfg.Fixtures.Lookup(disconnectFixture)
	if !ok {
		return &Exchange{Err: &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s, needed to end calls, is not in the corpus", disconnectFixture)}}
	}
	ex := e.sender.Send(ctx, f, fixtures.Values{CallID: callID})
	e.breaker.record(ex.Err)
	return ex
}

// disconnectFixture is the recorded Disconnect request used to end calls the run created.
const disconnectFixture = "dc-request"

// breakerLimit is how many exchanges in a row may end without a complete response before
// the run stops sending. A few, not one: a target slow on some requests (X5) is judged on
// those, and on the others; but against a target that has stopped answering each exchange
// costs a whole --timeout, and a run makes hundreds.
const breakerLimit = 5

// breaker stops a run once the target is gone: after limit exchanges in a row, whatever
// their operation, that got no complete response (a timeout, a refused or reset
// connection, a truncated or oversized body, a TLS failure), every later request is not
// sent and its checks error at once, naming the cause. Any complete response, whatever
// its content, resets the count; what the harness itself could not do (a broken fixture,
// an interrupted check) neither counts nor resets.
type breaker struct {
	mu     sync.Mutex
	limit  int
	streak map[string]int // kind of transport failure → how many in the current run of them
	n      int            // the current run's length
	err    error
	// late tells late answers from silence; the endpoint's Sender reports to it.
	late lateness
}

// open returns why requests are no longer sent, or nil while they are.
func (b *breaker) open() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		return b.late.stopped() // a target whose answers arrive late: late.go
	}
	return b.err
}

// record counts an exchange's outcome: err is its Exchange.Err.
func (b *breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.n, b.streak = 0, nil
		return
	}
	var te *TransportError
	if !errors.As(err, &te) {
		return
	}
	if te.Kind == "malformed" { // an answer, which breaks a rule: the target is there
		b.n, b.streak = 0, nil
		return
	}
	switch te.Kind {
	case "timeout", "refused", "reset", "truncated", "tls", "busy", "other":
	default: // the harness's own trouble, or the breaker's own error
		return
	}
	if b.streak == nil {
		b.streak = map[string]int{}
	}
	b.n++
	b.streak[te.Kind]++
	if b.n >= b.limit && b.err == nil {
		b.err = &TransportError{Kind: "stopped", Err: fmt.Errorf("the target stopped answering: %s in a row (the last: %v); not sent", b.describe(), te)}
		if be := (*busyError)(nil); b.streak["busy"] == b.n && errors.As(te, &be) { // answering, but throttled: retry.go
			b.err = &TransportError{Kind: "stopped", Err: fmt.Errorf("the target is throttling the run: %s in a row, after retries and the waits it asked for (the last: %s); not sent: %s", b.describe(), be.answer, throttledAdvice)}
		}
	}
}

// failureNames name each kind of transport failure in the plural, for the breaker's message.
var failureNames = map[string]string{
	"timeout": "timeouts", "refused": "refused connections", "reset": "reset connections",
	"truncated": "truncated or oversized responses", "tls": "TLS failures", "busy": "busy or throttling answers", "other": "transport failures",
}

// describe says what the current run of failures was: "5 timeouts", or "5 requests without
// a complete response (3 timeouts, 2 refused connections)".
func (b *breaker) describe() string {
	if len(b.streak) == 1 {
		for kind, n := range b.streak {
			return fmt.Sprintf("%d %s", n, failureNames[kind])
		}
	}
	var parts []string
	for _, kind := range []string{"timeout", "refused", "reset", "truncated", "tls", "busy", "other"} {
		if n := b.streak[kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, failureNames[kind]))
		}
	}
	return fmt.Sprintf("%d requests without a complete response (%s)", b.n, strings.Join(parts, ", "))
}

// Stopped is why the run stopped sending requests to this target (it was unreachable, or
// stopped answering), or "" when it did not.
func (e *Env) Stopped() string {
	if why := e.breaker.stopped(); why != "" {
		return why
	}
	if e.ews != nil { // the EWS endpoint has its own breaker: it may be another host
		if why := e.ews.breaker.stopped(); why != "" {
			return "the EWS endpoint: " + why
		}
	}
	return ""
}

// stopped says why the breaker stopped the requests, "" when it did not.
func (b *breaker) stopped() string {
	b.mu.Lock()
	err := b.err // a target that answers late is answering: not stopped (late.go)
	b.mu.Unlock()
	if err != nil {
		var te *TransportError
		if errors.As(err, &te) && te.Kind == "stopped" {
			return te.Err.Error()
		}
		return "target unreachable: " + err.Error()
	}
	return ""
}

// targetLabel is the Ginkgo label of this target's checks: --label-filter target-NAME
// selects one target of several.
func (e *Env) targetLabel() string { return "target-" + e.cfg.Name }

// newRun starts the report model of this target's run.
func (e *Env) newRun() reports.Run {
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
