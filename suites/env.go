// Package suites declares the Ginkgo conformance specs that replay fixtures against a target and judge its answers.
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

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
	"github.com/umconform/umconform/suites/catalogue"
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

	// Preflight, when set, is the reason the target cannot be reached: every check then
	// errors at once with it instead of waiting for timeouts.
	Preflight error

	// EWS is the target's EWS endpoint, when it offers one (ews.go). A target may offer
	// the EWS endpoint alone: Target is then nil.
	EWS EWSConfig

	// LabelFilter, Focus and Skip select the checks to declare, with Ginkgo's syntax and
	// meaning, check by check. The runner applies them here rather than handing them to
	// Ginkgo, because a replayed fixture is one spec holding several checks.
	LabelFilter string
	Focus, Skip []string
}

// Env is the state shared by the specs of one run.
type Env struct {
	cfg    Config
	sender *Sender
	ews    *ewsEnv // nil when the target offers no EWS endpoint

	mu        sync.Mutex
	exchanges map[string]*memo

	breaker breaker

	// Declaring: the containers around the checks being declared, the run's filter, and
	// for each spec (by its full text) the checks it reports.
	path, pathLabels []string
	selects          func(labels []string, text string) bool
	plans            map[string]*specPlan
	// parallel is set when Ginkgo runs the specs in several processes: see record.
	parallel bool

	// stopPrefetch halts the goroutine that replays fixtures ahead of their checks; see
	// startPrefetch.
	stopPrefetch context.CancelFunc
}

// memo is one fixture's exchange: sent by whoever asks first, awaited by the others.
type memo struct {
	started bool // under Env.mu
	done    chan struct{}
	ex      *Exchange
	checked sync.Once // Sender.Check, by the first check to read the exchange
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
		cfg.Client = &http.Client{Transport: &http.Transport{DisableCompression: true}}
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
	}
	e.breaker.limit = 3
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
	m := e.exchanges[id]
	if m == nil {
		m = &memo{done: make(chan struct{})}
		e.exchanges[id] = m
	}
	first := !m.started
	m.started = true
	return m, first
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
			m, first := e.claim(id)
			if !first { // a check got there first: wait, so that one request is in flight
				select {
				case <-m.done:
				case <-ctx.Done():
				}
				continue
			}
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
}

// replay sends one fixture, binding a live call first when it needs one, and disconnects
// that call afterwards: against a real server every PlayOnPhone rings a phone. The answer
// is not validated yet: see Sender.Check.
func (e *Env) replay(ctx context.Context, id string) *Exchange {
	f, ok := e.cfg.Fixtures.Lookup(id)
	if !ok {
		return &Exchange{Err: &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s is not in the corpus", id)}}
	}
	if err := e.breaker.open(); err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	v := fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}
	if f.BindCallID != "" {
		call, err := e.createCall(ctx)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		defer e.disconnect(context.WithoutCancel(ctx), call)
		v.CallID = call
	}
	ex := e.sender.Post(ctx, f, v) // sent once: a template would cost more than it saves
	e.breaker.record(ex.Err)
	return ex
}

// createCall places a call with the recorded PlayOnPhone request and returns its CallId.
func (e *Env) createCall(ctx context.Context) (string, error) {
	f, ok := e.cfg.Fixtures.Lookup(CreateCallFixture)
	if !ok {
		return "", &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s, needed to create calls, is not in the corpus", CreateCallFixture)}
	}
	// Only the CallId is read of this exchange: no evidence is kept.
	ex := e.sender.Post(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString})
	e.sender.validate(ex)
	e.breaker.record(ex.Err)
	if ex.Err != nil {
		return "", fmt.Errorf("creating a call with PlayOnPhone: %w", ex.Err)
	}
	id, ok := ex.Result.Value("PlayOnPhoneResponse")
	if ex.Status != 200 || ex.Result.Message != "PlayOnPhoneResponse" || !ok || id == "" {
		return "", &TransportError{Kind: "setup", Err: fmt.Errorf("creating a call with PlayOnPhone (entry id and dial string from --entry-id, --dial-string) got %s", describe(ex))}
	}
	return id, nil
}

// disconnect ends a call the run created. Its answer is not validated: no check reads
// it, and failures to disconnect are the lifecycle suite's business.
func (e *Env) disconnect(ctx context.Context, callID string) {
	if f, ok := e.cfg.Fixtures.Lookup(disconnectFixture); ok {
		e.sender.Post(ctx, f, fixtures.Values{CallID: callID})
	}
}

// disconnectFixture is the recorded Disconnect request used to end calls the run created.
const disconnectFixture = "dc-request"

// breaker stops a run once the target is gone: after limit consecutive refused
// connections (or TLS failures), checks error at once. Timeouts do not count: a target
// slow on some requests (X5) must still be judged on the others, and a target that never
// answers at all is caught by the preflight request.
type breaker struct {
	mu          sync.Mutex
	limit       int
	consecutive int
	err         error
}

func (b *breaker) open() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var te *TransportError
	if err == nil || !errors.As(err, &te) || (te.Kind != "refused" && te.Kind != "tls") {
		b.consecutive = 0
		return
	}
	b.consecutive++
	if b.consecutive >= b.limit && b.err == nil {
		b.err = &TransportError{Kind: te.Kind, Err: fmt.Errorf("target unreachable: %d requests in a row failed, the last with %v; not sent", b.consecutive, te.Err)}
	}
}

// targetLabel is the Ginkgo label of this target's checks: --label-filter target-NAME
// selects one target of several.
func (e *Env) targetLabel() string { return "target-" + e.cfg.Name }

// newRun starts the report model of this target's run.
func (e *Env) newRun() reports.Run {
	return reports.Run{
		Name:             e.cfg.Name,
		Target:           e.cfg.TargetName,
		Strict:           e.cfg.Strict,
		HarnessVersion:   e.cfg.HarnessVersion,
		CatalogueVersion: catalogue.Version,
	}
}
