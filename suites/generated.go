package suites

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/generate"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// The requests no one recorded (issue 35): mutations of each operation's valid request,
// derived from the API's schema (package generate), judged by one oracle that holds for any
// request. Every generated question and disconnect names an id that names no call, so none
// can end or report a live call; a PlayOnPhone mutation is sent only under a call budget
// (--max-calls), keeps the run's --dial-string, and any call it places is ended.
//
// Each generated request is one scenario, written once for both APIs against callAPI:
//   - G1: the answer is a SOAP 1.1 envelope, never an HTML page or other body;
//   - G2: it is answered, within --timeout: a reset or silence is sent again once, and one
//     that recurs is the target's (a transient fault does not recur);
//   - G3: a question or disconnect, which names no call, is refused and gets no call
//     information;
//   - G4: an EWS request the EWS schema rejects gets ErrorSchemaValidation;
//   - X3: the API's shared live call is answered as correctly after it as before.
//
// Where the documents say nothing (what the UM web service answers to a request its schema
// rejects: its .NET deserialiser is tolerant, and may ignore an unknown element) only the
// oracle is judged, and what came back is said in the passing check's note.

// GeneratedLabel selects the generated requests' checks: --label-filter generated, or
// '!generated' to leave them out.
const GeneratedLabel = "generated"

// generatedState is what one target's run keeps of its generated requests.
type generatedState struct {
	mu sync.Mutex
	// healthy is, per API, the last answer about the shared call that showed it live, and
	// that call's id: the next request's baseline, so that X3 costs one question per
	// generated request, not two.
	healthy map[string]healthyAnswer
	counts  map[string]int // generated requests the run selected, per API
	// silent counts, per API, the generated requests in a row that got no answer even when
	// sent again. They are the target's failures (G2), not a sign that it is gone: they do
	// not open the breaker, which would stop every other check; past breakerLimit of them
	// the API's other generated requests are not sent, which bounds what they cost.
	silent map[string]int
	// spoiled counts, per API, the shared calls the generated requests lost: no call
	// information before or after one (X3 cannot be judged, or fails). Each is replaced
	// by a new call, so past maxSpoiled the API's
	// other generated requests are sent without one (X3 cannot be judged on them) rather
	// than ring the phone once per request.
	spoiled map[string]int
}

// maxSpoiled is how many shared calls the generated requests of one API may spoil before
// X3 is no longer judged on them.
const maxSpoiled = 2

type healthyAnswer struct {
	id string
	ex *Exchange
}

// genRun is what one generated request's scenario saw: robustRun's (baseline, the request,
// the question after it), and the first attempt when the request met no answer and was
// sent again.
type genRun struct {
	robustRun
	first *Exchange
}

// generatedRequests are the requests generated for api: the read-only operations and the
// disconnect always, PlayOnPhone only under a call budget.
func (e *Env) generatedRequests(api callAPI) ([]generate.Request, error) {
	return e.generatedFor(api, true, e.cfg.MaxCalls > 0)
}

// generatedFor are the requests generated for api's questions and disconnects (asks), and
// for its PlayOnPhone (places).
func (e *Env) generatedFor(api callAPI, asks, places bool) ([]generate.Request, error) {
	var ops []string
	if asks && api.name == "EWS" {
		ops = append(ops, "GetPhoneCallInformation", "DisconnectPhoneCall")
	} else if asks {
		ops = append(ops, "GetCallInfo", "Disconnect")
	}
	if places {
		ops = append(ops, "PlayOnPhone")
	}
	if len(ops) == 0 {
		return nil, nil
	}
	v := e.cfg.Validator
	if api.name == "EWS" {
		v = e.ews.cfg.Validator
	}
	return generate.Generate(generate.API(api.name), generate.Options{Seed: e.cfg.Seed, Operations: ops, Validator: v, Values: generate.Values{
		CallID: generate.UnknownID(generate.UM, e.cfg.Seed), PhoneCallID: generate.UnknownID(generate.EWS, e.cfg.Seed),
		EntryID: e.cfg.EntryID, DialString: e.cfg.DialString,
	}})
}

// declareGenerated declares the generated requests' checks for every API the target
// offers: early, right after the UM replay, the questions and disconnects, whose specs then
// run while the lifecycle's calls ring in the background (they cost a run next to no
// time); late, after every other check, the PlayOnPhone requests, which spend what is left
// of the call budget (and the questions too, for a target without the UM service, which
// has no UM replay to follow).
func (e *Env) declareGenerated(early bool) {
	for _, api := range e.apis() {
		asks, places := early, !early && e.cfg.MaxCalls > 0
		if !early && e.cfg.Target == nil {
			asks = true
		}
		text, labels := "generated", []string{GeneratedLabel}
		if api.name == "EWS" {
			text, labels = "ews generated", []string{"ews", GeneratedLabel}
		}
		if !asks && !places {
			continue
		}
		e.container(text, labels, func() { e.declareGeneratedFor(api, asks, places) })
	}
}

func (e *Env) declareGeneratedFor(api callAPI, asks, places bool) {
	reqs, err := e.generatedFor(api, asks, places)
	if err != nil { // the embedded schema is broken: a harness fault, said as one
		e.Requirement(checkSpec{id: "G1", scenario: api.prefix + "generated", title: api.titlePrefix + "requests generated from the schema",
			judge: func(SpecContext) (Outcome, reports.Evidence) { return cannotJudge("%v", err), reports.Evidence{} }})
		return
	}
	// The spec's time: the baseline questions, the request and its second sending, the
	// question after it and its second asking, and the grace a first silence gets.
	timeout := time.Duration(baselinePolls+5)*(e.cfg.Timeout+e.cfg.PollInterval) + lateGraceFactor*e.cfg.Timeout + 5*time.Second
	for _, g := range reqs {
		title := api.titlePrefix + g.Title()
		f := g.Fixture(e.cfg.Seed)
		health := checkSpec{id: "X3", fixture: g.ID, title: title + ": the shared live call is answered as correctly after it", placesCall: true, timeout: timeout}
		_, withCall := e.plan(health)
		m := &genMemo{}
		run := func(ctx context.Context) *genRun {
			m.once.Do(func() { m.run = e.runGenerated(ctx, api, g, f, withCall) })
			return m.run
		}
		checks := []struct {
			id, what string
			judge    func(generate.Request, *genRun) Outcome
			keep     bool
		}{
			{"G1", "answered with a SOAP envelope", judgeGenSOAP, true},
			{"G2", "answered, within the timeout", judgeGenAnswered, false},
		}
		if !g.PlacesCall {
			checks = append(checks, struct {
				id, what string
				judge    func(generate.Request, *genRun) Outcome
				keep     bool
			}{"G3", "refused, with no call information for an id that names no call", judgeGenRefused, false})
		}
		if api.name == "EWS" && !g.SchemaValid {
			checks = append(checks, struct {
				id, what string
				judge    func(generate.Request, *genRun) Outcome
				keep     bool
			}{"G4", "answered ErrorSchemaValidation", judgeGenSchemaError, false})
		}
		selected := false
		for _, c := range checks {
			judge := c.judge
			selected = e.Requirement(checkSpec{id: c.id, fixture: g.ID, title: title + ": " + c.what, timeout: timeout, placesCall: g.PlacesCall, keepEvidence: c.keep,
				judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
					r := run(ctx)
					if r.err != nil {
						return cannotJudgeFor(r.err, "%v", r.err), reports.Evidence{}
					}
					if isBudget(r.hostile.Err) { // a PlayOnPhone the budget left out: skipped
						return cannotJudgeFor(r.hostile.Err, ""), reports.Evidence{}
					}
					return judge(g, r), evidence(r.hostile)
				}}) || selected
		}
		health.judge = func(ctx SpecContext) (Outcome, reports.Evidence) {
			r := run(ctx)
			if r.healthy == nil {
				return judgeX3(&r.robustRun), reports.Evidence{}
			}
			return judgeX3(&r.robustRun), evidence(r.healthy)
		}
		if e.Requirement(health) || selected {
			e.gen.count(api.name)
		}
	}
}

type genMemo struct {
	once sync.Once
	run  *genRun
}

func (s *generatedState) count(api string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[api]++
}

// generatedSummary says, for the reports, how many requests the run generated and from
// which seed; "" when it generated none.
func (e *Env) generatedSummary() string {
	e.gen.mu.Lock()
	defer e.gen.mu.Unlock()
	var parts []string
	for _, api := range []string{"UM", "EWS"} {
		if n := e.gen.counts[api]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, api))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("seed %d: %s requests generated from the schemas (--seed varies them)", e.cfg.Seed, strings.Join(parts, " and "))
}

// runGenerated sends generated request g (fixture f) on api: the shared call's baseline
// first when X3 is judged, then g, sent again once if it met no answer, then the question
// about the shared call.
func (e *Env) runGenerated(ctx context.Context, api callAPI, g generate.Request, f fixtures.Fixture, withCall bool) *genRun {
	r := &genRun{robustRun: robustRun{api: api}}
	e.gen.mu.Lock()
	spoiled := e.gen.spoiled[api.name]
	e.gen.mu.Unlock()
	switch {
	case withCall && spoiled >= maxSpoiled:
		r.callErr = fmt.Errorf("not asked: the generated requests before it spoiled %d shared calls (X3 fails them), and a new call per request would ring the phone each time", spoiled)
	case withCall:
		if r.callErr = e.generatedBaseline(ctx, api, &r.robustRun); r.callErr != nil && !isBudget(r.callErr) {
			e.gen.spoil(api.name) // no baseline: the call is no use to X3, and the next would be new
		}
	default:
		r.callErr = errors.New("no call was placed: the run selects no check that needs one")
	}
	if err := api.breaker.open(); err != nil {
		r.err = err
		return r
	}
	if n := e.gen.silentRun(api.name); n >= breakerLimit {
		r.err = &TransportError{Kind: "stopped", Err: fmt.Errorf("not sent: the %d generated %s requests before it got no answer, each sent twice (G2 fails them)", n, api.name)}
		return r
	}
	r.hostile = e.sendGenerated(ctx, api, g, f)
	if resetOrSilence(r.hostile) && !g.PlacesCall {
		// Sent again: a reset or silence that recurs is the target's answer to this
		// request; one that does not was the network's. A PlayOnPhone is not sent again
		// (it may have placed a call: G2 then cannot tell).
		r.first = r.hostile
		r.hostile = e.sendGenerated(ctx, api, g, f)
		r.hostile.Retries = append([]string{fmt.Sprintf("the first attempt got no complete response (%v): sent again", r.first.Err)}, r.hostile.Retries...)
	}
	e.gen.heard(api.name, r.first != nil && resetOrSilence(r.hostile))
	if r.callErr == nil {
		e.askAfter(ctx, api, &r.robustRun)
	}
	return r
}

// spoil counts a shared call the generated requests lost.
func (s *generatedState) spoil(api string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spoilLocked(api)
}

func (s *generatedState) spoilLocked(api string) {
	if s.spoiled == nil {
		s.spoiled = map[string]int{}
	}
	s.spoiled[api]++
}

// silentRun is how many generated requests in a row got no answer on api, sent twice.
func (s *generatedState) silentRun(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.silent[api]
}

// heard counts a generated request that got no answer twice (silent), or resets the count.
func (s *generatedState) heard(api string, silent bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silent == nil {
		s.silent = map[string]int{}
	}
	if silent {
		s.silent[api]++
	} else {
		s.silent[api] = 0
	}
}

// sendGenerated sends a generated request once, waiting first as a busy target asked, and
// ends any call a PlayOnPhone placed. A busy answer is no answer to judge: the target is
// throttling, which breaks no rule.
func (e *Env) sendGenerated(ctx context.Context, api callAPI, g generate.Request, f fixtures.Fixture) *Exchange {
	held, err := api.sender.retry.hold(ctx)
	if err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	if g.PlacesCall {
		if err := e.calls.spend(); err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
	}
	ex := api.sender.post(ctx, f, fixtures.Values{})
	if held != "" {
		ex.Retries = append(ex.Retries, held)
	}
	if kind, desc, wait, ok := transientFault(ex); ok && kind == "busy" {
		api.sender.retry.holdFor(wait)
		giveUp(ex, kind, desc, "a generated request is judged on its answer, and this is none")
	}
	api.sender.Check(ex)
	if !resetOrSilence(ex) { // the shape's own failure is G2's, not a sign the target is gone: see silent
		api.breaker.record(ex.Err)
	}
	if g.PlacesCall && ex.Err == nil {
		id, _ := ex.Result.Value("PlayOnPhoneResponse")
		if api.name == "EWS" {
			id, _ = ex.Result.Attr("PhoneCallId", "Id")
		}
		if isSuccess(ex) && ex.Result.Message == "PlayOnPhoneResponse" && id != "" {
			api.end(context.WithoutCancel(ctx), id) // it rang --dial-string: hang up
		}
	}
	return ex
}

// generatedBaseline takes the shared call for X3: the last answer that showed it live is
// the baseline when it is about the same call, else the call is asked about (awaitShared).
func (e *Env) generatedBaseline(ctx context.Context, api callAPI, r *robustRun) error {
	id, err := e.share(ctx, api.shared, api)
	if err != nil {
		return err
	}
	e.gen.mu.Lock()
	h := e.gen.healthy[api.name]
	e.gen.mu.Unlock()
	if h.id == id && h.ex != nil {
		r.callID, r.baseline = id, []*Exchange{h.ex}
		return nil
	}
	return e.awaitShared(ctx, api, r)
}

// askAfter asks about the shared call after the request, as runProbe does, and keeps a
// live answer as the next request's baseline.
func (e *Env) askAfter(ctx context.Context, api callAPI, r *robustRun) {
	var a answer
	r.healthy, a = api.query(ctx, r.callID, len(r.baseline))
	if first := r.healthy; noAnswer(first) {
		r.healthy, a = api.query(ctx, r.callID, len(r.baseline))
		r.healthy.Retries = append([]string{fmt.Sprintf("the first %s after the generated request got no complete response (%v): asked again before judging X3", api.ask, first.Err)}, r.healthy.Retries...)
	}
	e.gen.mu.Lock()
	defer e.gen.mu.Unlock()
	if e.gen.healthy == nil {
		e.gen.healthy = map[string]healthyAnswer{}
	}
	// A call reported in a spelling outside the enumerations (S2's business) is still a
	// live call: retiring it would place a new one per generated request.
	if r.healthy.Err != nil || !a.Response || a.State == stateDisconnected {
		delete(e.gen.healthy, api.name)
		if r.healthy.Err != nil || !a.Response { // X3 fails it; a call that ended is only replaced
			e.gen.spoilLocked(api.name)
		}
		api.shared.retireID(ctx, api, r.callID, a)
		return
	}
	e.gen.healthy[api.name] = healthyAnswer{id: r.callID, ex: r.healthy}
}

// resetOrSilence says whether ex got no answer in a way a target can cause: a reset or
// closed connection, a truncated answer, or silence past the timeout.
func resetOrSilence(ex *Exchange) bool {
	var te *TransportError
	if !errors.As(ex.Err, &te) {
		return false
	}
	switch te.Kind {
	case "timeout", "reset", "truncated":
		return true
	}
	return false
}

// isSOAPMessage says whether ex's body is a SOAP 1.1 envelope whose Body holds a message.
func isSOAPMessage(ex *Exchange) bool {
	return ex.Result.Envelope == schema.SOAP11Namespace && ex.Result.HasBody && ex.Result.Message != ""
}

// nonSOAP describes an answer that is no SOAP message.
func nonSOAP(ex *Exchange) string {
	start := ex.Body[:min(len(ex.Body), 160)]
	return fmt.Sprintf("HTTP %d, Content-Type %q, %d bytes starting %q", ex.Status, ex.Header.Get("Content-Type"), ex.bodyLen(), start)
}

func genDescribe(r *genRun) string {
	if r.api.name == "EWS" {
		return ewsDescribe(r.hostile)
	}
	return describe(r.hostile)
}

// judgeGenSOAP (G1): the answer is a SOAP 1.1 envelope holding a message.
func judgeGenSOAP(g generate.Request, r *genRun) Outcome {
	ex := r.hostile
	if ex.Err != nil {
		return cannotJudgeFor(ex.Err, "no complete response to judge (G2 judges that): %v", ex.Err)
	}
	if !isSOAPMessage(ex) {
		return fail("a SOAP 1.1 envelope holding a Fault or a response message, as for any request", nonSOAP(ex), "the response body")
	}
	note := "answered " + genDescribe(r)
	if g.API == generate.UM && !g.SchemaValid {
		note += "; the UM schema rejects this request (" + g.Violation + "), and no document says what the UM web service answers to it: information, not judged"
	}
	return pass(note)
}

// judgeGenAnswered (G2): an answer came, within the timeout; a reset or silence that
// recurred when the request was sent again is the target's.
func judgeGenAnswered(g generate.Request, r *genRun) Outcome {
	ex := r.hostile
	if o, stopped := judgeLateStop(ex); stopped {
		return o
	}
	if ex.Err != nil {
		switch {
		case resetOrSilence(ex) && r.first != nil:
			return fail("an answer within --timeout: a reset or silence does not recur when the request is sent again, unless the target causes it",
				fmt.Sprintf("%v; sent again: %v", r.first.Err, ex.Err), "the whole exchange, sent twice")
		case resetOrSilence(ex) && g.PlacesCall:
			return cannotJudge("no complete response (%v); a PlayOnPhone is not sent again (it may have placed a call), so a transient fault cannot be told from the target's", ex.Err)
		}
		return cannotJudgeFor(ex.Err, "no complete response: %v", ex.Err)
	}
	if late, ok := lateAnswer(ex); ok {
		return fail(fmt.Sprintf("a complete response within --timeout %v", ex.Timeout), late, "the whole exchange")
	}
	if r.first != nil {
		return pass(fmt.Sprintf("the first attempt got no complete response (%v), the second an answer: a transient fault", r.first.Err))
	}
	return pass("")
}

// judgeGenRefused (G3): a question or disconnect naming no call is refused (a Fault, or
// at EWS an Error response with a documented code) and never gets call information.
func judgeGenRefused(_ generate.Request, r *genRun) Outcome {
	ex := r.hostile
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !isSOAPMessage(ex) {
		return pass("no SOAP message to judge: G1 judges that")
	}
	a := answerOf(ex)
	want := "a SOAP Fault, never call information: the id names no call"
	if r.api.name == "EWS" {
		a = ewsAnswerOf(ex)
		want = "a SOAP Fault or a ResponseClass Error response with a documented ResponseCode, never call information: the PhoneCallId names no call"
	}
	switch {
	case a.isInfo() || a.Response:
		return fail(want, "call information: "+a.String(), "/Envelope/Body/"+ex.Result.Message)
	case ex.Result.IsFault():
		return pass("refused: " + genDescribe(r))
	case r.api.name == "EWS" && ex.Status == 200 && ewsClass(ex) == classError:
		code, _ := ex.Result.Value("ResponseCode")
		undocumented := slices.ContainsFunc(ex.Result.Violations, func(v schema.Violation) bool { return strings.HasSuffix(v.Path, "ResponseCode") })
		if code == "" || code == "NoError" || undocumented {
			return fail(want, ewsDescribe(ex), "/Envelope/Body/"+ex.Result.Message+"/ResponseCode")
		}
		return pass("refused: " + ewsDescribe(ex))
	}
	return fail(want, genDescribe(r), "status line and /Envelope/Body")
}

// schemaErrorCodes are the ResponseCodes an EWS request the schema rejects may get: the
// schema's own, and for a RequestServerVersion the schema rejects, the version's (E7).
func schemaErrorCodes(g generate.Request) []string {
	if g.Header {
		return []string{"ErrorSchemaValidation", "ErrorInvalidServerVersion"}
	}
	return []string{"ErrorSchemaValidation"}
}

// judgeGenSchemaError (G4): an EWS request its schema rejects is answered
// ErrorSchemaValidation, as a Fault (faultcode or detail) or an Error response.
func judgeGenSchemaError(g generate.Request, r *genRun) Outcome {
	ex := r.hostile
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !isSOAPMessage(ex) {
		return pass("no SOAP message to judge: G1 judges that")
	}
	codes := schemaErrorCodes(g)
	fc, _ := ex.Result.Value("faultcode")
	rc, _ := ex.Result.Value("ResponseCode")
	if slices.Contains(codes, fixtures.ExceptionName(fc)) || slices.Contains(codes, strings.TrimSpace(rc)) {
		return pass("")
	}
	// A Fault whose code is a generic one (Client) may name the EWS code in its text alone.
	if fs, _ := ex.Result.Value("faultstring"); ex.Result.IsFault() && slices.ContainsFunc(codes, func(c string) bool { return containsWord(fs, c) }) {
		return pass("the Fault names the code in its faultstring: " + fs)
	}
	return fail(fmt.Sprintf("ResponseCode %s (a SOAP Fault or a ResponseClass Error response): the EWS schema rejects the request (%s)", strings.Join(codes, " or "), g.Violation),
		ewsDescribe(ex), "/Envelope/Body")
}

// ewsSchemaValid says whether the EWS schema accepts f's request: E15 and E16 (an id that
// names no call gets an Error response, not a Fault) hold only for a request EWS reads
// past its schema validation, which refuses the others with a Fault (G4).
func (e *Env) ewsSchemaValid(f fixtures.Fixture) bool {
	body, err := f.Body()
	if err != nil || e.ews == nil || e.ews.cfg.Validator == nil {
		return true
	}
	return e.ews.cfg.Validator.ValidateAs(body, schema.KindRequest).Valid()
}

// containsWord says whether s holds word between non-letters.
func containsWord(s, word string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		letter := func(k int) bool {
			c := s[k]
			return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		}
		if (start == 0 || !letter(start-1)) && (end == len(s) || !letter(end)) {
			return true
		}
		i = start + 1
	}
}
