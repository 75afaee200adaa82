package suites

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

// The engine's endpoint: one API of a target as a run drives it. Every request of the run
// goes out through Env.send, whatever the API and whoever sends it (a replayed fixture, a
// scenario's call, a hostile probe, the pre-flight): the breaker, the call budget, the
// sender and the hang-up of a call that rang are written once, here.

// endpoint is one API of a target: where its requests go (sender), the breaker that stops
// them once the endpoint is gone, its corpus, the exchanges sent once and shared among the
// checks that read them, the call read-only requests share and the fixtures lent to
// scenarios. A target has one per API it offers (Env.um, Env.ews); the code that drives
// them is written once and handed the API's driver (callAPI).
type endpoint struct {
	api      fixtures.API
	target   *url.URL
	fixtures *fixtures.Stream
	sender   *Sender
	breaker  breaker
	shared   shared

	mu        sync.Mutex
	exchanges map[string]*memo
	readers   map[string]int        // the specs still to read each exchange (stream.go)
	claims    map[string]*traceMemo // fixture -> the scenario that borrowed it (lend.go)
	lent      map[*traceMemo]*lent
	// lendable are the fixtures that may place or end a call in another's stead (lend.go),
	// and x3Fixtures the IDs of the corpus's X3 probes: both listed by the replay's
	// declaration, for the lending and the robustness scenario (probes). IDs, not fixtures,
	// which a large corpus lets go until they are sent (Stream.Park).
	lendable   map[string]bool
	x3Fixtures []string

	// first is the endpoint's first answer (the pre-flight's, or H2's own question), set
	// once: H2 judges it, and a redirect stops the endpoint (httpprobes.go).
	first     *Exchange
	firstOnce sync.Once

	// unplaceable is why the run places no more calls here (placeCall): a PlayOnPhone was
	// answered with no SOAP message, or with one the transport found malformed on every
	// attempt. That defect is the target's and comes again: another PlayOnPhone would
	// ring a phone for an answer the run cannot read. Under mu.
	unplaceable error
}

// placeable returns why no more calls are placed at w, or nil.
func (w *endpoint) placeable() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unplaceable
}

// cannotPlace records that a PlayOnPhone's answer held no call for a reason that repeats;
// the first reason stays.
func (w *endpoint) cannotPlace(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.unplaceable == nil {
		w.unplaceable = &TransportError{Kind: "setup", Err: fmt.Errorf("%w; no other call is placed there, as each would ring a phone for the same answer", err)}
	}
}

// newEndpoint prepares the endpoint of api at target; preflight, when set, is why it
// cannot be reached.
func newEndpoint(api fixtures.API, target *url.URL, corpus *fixtures.Stream, v *schema.Validator, c Config, preflight error) *endpoint {
	p := &endpoint{api: api, target: target, fixtures: corpus, exchanges: map[string]*memo{},
		sender: &Sender{Target: target, Client: c.Client, Headers: c.Headers, Timeout: c.Timeout, Validator: v, retry: &retrier{}, conns: &connWatch{}}}
	p.breaker.limit = breakerLimit
	p.breaker.err = preflight
	p.sender.late = &p.breaker.late
	return p
}

// fixture returns a fixture of the endpoint's corpus the run needs, or why it is missing.
func (p *endpoint) fixture(id string) (fixtures.Fixture, error) {
	f, ok := p.fixtures.Lookup(id)
	if !ok {
		return f, &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s is not in the %s corpus", id, strings.ToUpper(string(p.api)))}
	}
	return f, nil
}

// request is one request of the run and what its sending involves besides.
type request struct {
	f fixtures.Fixture
	v fixtures.Values
	// hangUp: it ends a call the run placed, and goes out even once the breaker is open:
	// a phone may be ringing.
	hangUp bool
	// keepCall: a PlayOnPhone whose call the caller keeps (and ends). A call any other
	// PlayOnPhone places is ended at once: against a real server every one rings a phone.
	keepCall bool
	// lazy leaves validating the answer to the checks that read it (memo.exchange), off
	// the path the next request waits on.
	lazy bool
	// judge, when set, judges the whole answer before Check keeps only its start (X1
	// looks for a file's content anywhere in it); its outcome goes to outcome.
	judge   func(*Exchange) Outcome
	outcome Outcome
	// once: a generated request (generated.go), judged on its own answer. It is posted
	// once, never again on a transient fault (G2 judges a reset or silence that recurs);
	// a busy answer is no answer to judge (the target is throttling), and its reset or
	// silence does not count toward the breaker (it is G2's failure, not a sign that the
	// endpoint is gone: generatedState.silent bounds what such requests cost).
	once bool
	// as, when set, is the account the request is sent as (access.go): the same endpoint,
	// timeouts and schema, another client and headers.
	as *Account
}

// send sends r to api's endpoint: the one way the run sends a request. Nothing goes out
// once the breaker is open (but a hang-up); a PlayOnPhone is counted against the call
// budget, or not sent when it is spent; the exchange's outcome is recorded by the breaker;
// a call a PlayOnPhone placed that the caller does not keep is ended.
func (e *Env) send(ctx context.Context, api callAPI, r *request) *Exchange {
	p, f := api.ep, r.f
	if !r.hangUp {
		if err := p.breaker.open(); err != nil {
			return unsent(f, err)
		}
	}
	places := f.Operation() == "PlayOnPhone"
	if places {
		if err := e.calls.spend(); err != nil {
			return unsent(f, err)
		}
	}
	sender := p.sender
	if r.as != nil {
		as := *p.sender
		as.Client, as.Headers = r.as.Client, r.as.Headers
		sender = &as
	}
	var ex *Exchange
	switch {
	case r.once:
		ex = e.sendOnce(ctx, sender, f, r.v)
	case r.judge != nil:
		ex, r.outcome = sender.SendAndJudge(ctx, f, r.v, r.judge)
	case r.lazy:
		ex = sender.Post(ctx, f, r.v)
	default:
		ex = sender.Send(ctx, f, r.v)
	}
	if !r.once || !resetOrSilence(ex) {
		p.breaker.record(ex.Err)
	}
	if places && !r.keepCall {
		if id, ok := e.placed(api, ex); ok {
			e.endCall(context.WithoutCancel(ctx), api, id)
		}
	}
	return ex
}

// sendOnce posts f once, waiting first as a busy target asked, and validates the answer.
func (e *Env) sendOnce(ctx context.Context, s *Sender, f fixtures.Fixture, v fixtures.Values) *Exchange {
	held, err := s.retry.hold(ctx)
	if err != nil {
		return unsent(f, err)
	}
	ex := s.post(ctx, f, v)
	if held != "" {
		ex.Retries = append(ex.Retries, held)
	}
	if kind, desc, wait, ok := transientFault(ex); ok && kind == "busy" {
		s.retry.holdFor(wait)
		giveUp(ex, kind, desc, "a generated request is judged on its answer, and this is none")
	}
	s.Check(ex)
	return ex
}

// unsent is the exchange of a request the run did not send, and why.
func unsent(f fixtures.Fixture, err error) *Exchange {
	return &Exchange{Fixture: f, Operation: f.Operation(), Err: err, unsent: true}
}

// placed returns the call a PlayOnPhone's answer placed, if it placed one.
func (e *Env) placed(api callAPI, ex *Exchange) (string, bool) {
	if ex.Err != nil {
		return "", false
	}
	api.ep.sender.validate(ex)
	return api.callOf(ex)
}

// endCall ends call id, which the run placed, with api's recorded request that ends calls,
// and returns the exchange, validated, for the checks that judge it.
func (e *Env) endCall(ctx context.Context, api callAPI, id string) *Exchange {
	f, err := api.ep.fixture(api.endFixture)
	if err != nil {
		return &Exchange{Err: err}
	}
	return e.send(ctx, api, &request{f: f, v: fixtures.Values{Call: id}, hangUp: true})
}

// question asks api once about call id with its recorded question, and reads the answer.
func (e *Env) question(ctx context.Context, api callAPI, id string) (*Exchange, answer) {
	f, err := api.ep.fixture(api.pollFixture)
	if err != nil {
		return &Exchange{Err: err}, answer{Other: "no answer"}
	}
	ex := e.send(ctx, api, &request{f: f, v: fixtures.Values{Call: id}})
	if ex.unsent {
		return ex, answer{Other: "no answer"}
	}
	return ex, api.answerOf(ex)
}

// placeCall places a call to dial through api that the caller follows and ends: with a
// spare PlayOnPhone fixture of the corpus when spare allows one (lend.go), otherwise with
// the API's recorded PlayOnPhone.
func (e *Env) placeCall(ctx context.Context, api callAPI, dial string, spare bool) (string, *Exchange, error) {
	if spare {
		if id, ex, ok := e.spare(ctx, api, dial); ok {
			return id, ex, nil
		}
	}
	if err := api.ep.placeable(); err != nil {
		return "", nil, err
	}
	f, err := api.ep.fixture(api.placeFixture)
	if err != nil {
		return "", nil, err
	}
	ex := e.send(ctx, api, &request{f: f, v: fixtures.Values{EntryID: e.cfg.EntryID, DialString: dial}, keepCall: true})
	switch {
	case ex.unsent:
		return "", nil, ex.Err
	case ex.Err != nil:
		err := fmt.Errorf("creating a call to %s with %s: %w", dial, api.placeWords, ex.Err)
		if te, ok := ex.Err.(*TransportError); ok && te.Kind == "malformed" {
			api.ep.cannotPlace(err)
		}
		return "", ex, err
	}
	id, ok := e.placed(api, ex)
	if !ok {
		why := fmt.Errorf("creating a call to %s with %s %s got %s", dial, api.placeWords, api.placeSettings, api.describe(ex))
		// A refusal in SOAP (a Fault, an error response) may hang on the moment (a line
		// busy, a call already up); an answer that is no SOAP message is how this target
		// answers PlayOnPhone.
		if ex.Result.Message == "" {
			api.ep.cannotPlace(why)
		}
		return "", ex, &TransportError{Kind: "setup", Err: why}
	}
	return id, ex, nil
}
