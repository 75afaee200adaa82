package suites

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// EWSConfig is a target's EWS endpoint (/EWS/Exchange.asmx), when it offers one: the EWS
// twin of GetCallInfo (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall) is
// checked there, beside the UM web service (docs/PROTOCOL.md).
type EWSConfig struct {
	Target    *url.URL
	Validator *schema.Validator // compiled from the EWS schema (schema.For(schema.EWS))
	Fixtures  *fixtures.Stream  // the EWS corpus (fixtures.StartEmbeddedEWS)
	// Preflight, when set, is why the EWS endpoint cannot be reached: its checks error.
	Preflight error
}

// The EWS fixtures the suites send to place, ask about and end calls.
const (
	ewsPlaceFixture      = "ews-pop-doc-request"
	ewsPollFixture       = "ews-gpci-doc-request"
	ewsDisconnectFixture = "ews-dpc-doc-request"
)

// ewsEnv is the EWS side of a target's Env: its own sender (schema, endpoint), breaker and
// exchanges, the same client, timeouts and call numbers.
type ewsEnv struct {
	cfg     EWSConfig
	sender  *Sender
	breaker breaker

	mu        sync.Mutex
	exchanges map[string]*ewsMemo
	claims    map[string]*traceMemo // fixture -> the scenario that borrowed it (lend.go)
	lent      map[*traceMemo]*lent
}

type ewsMemo struct {
	once sync.Once
	ex   *Exchange
}

// newEWSEnv checks an EWS configuration; nil when the target offers no EWS endpoint.
func newEWSEnv(c Config) (*ewsEnv, error) {
	if c.EWS.Target == nil {
		return nil, nil
	}
	var errs []error
	if c.EWS.Validator == nil {
		errs = append(errs, errors.New("EWS: no schema validator"))
	}
	if c.EWS.Fixtures == nil {
		errs = append(errs, errors.New("EWS: no fixtures"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	w := &ewsEnv{cfg: c.EWS, exchanges: map[string]*ewsMemo{},
		sender: &Sender{Target: c.EWS.Target, Client: c.Client, Headers: c.Headers, Timeout: c.Timeout, Validator: c.EWS.Validator}}
	w.breaker.limit = breakerLimit
	w.sender.late = &w.breaker.late
	w.sender.retry = &retrier{}
	w.breaker.err = c.EWS.Preflight
	return w, nil
}

// ewsFixture tells whether id names a fixture of the EWS corpus.
func (e *Env) ewsFixture(id string) bool {
	if e.ews == nil {
		return false
	}
	_, ok := e.ews.cfg.Fixtures.Lookup(id)
	return ok
}

// ewsFixture returns an EWS fixture the suites need, or why it is missing.
func (w *ewsEnv) fixture(id string) (fixtures.Fixture, error) {
	f, ok := w.cfg.Fixtures.Lookup(id)
	if !ok {
		return f, &TransportError{Kind: "fixture", Err: fmt.Errorf("EWS fixture %s is not in the corpus", id)}
	}
	return f, nil
}

// send sends an EWS fixture with live values and validates the answer.
func (w *ewsEnv) send(ctx context.Context, id string, v fixtures.Values) *Exchange {
	f, err := w.fixture(id)
	if err != nil {
		return &Exchange{Err: err}
	}
	if err := w.breaker.open(); err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	ex := w.sender.Send(ctx, f, v)
	w.breaker.record(ex.Err)
	return ex
}

// placeEWSCall places a call to dial with EWS PlayOnPhone and returns its PhoneCallId.
// Every call the EWS checks place goes through here.
func (e *Env) placeEWSCall(ctx context.Context, dial string) (string, *Exchange, error) {
	if id, ex, ok := e.ewsSpare(ctx, dial); ok {
		return id, ex, nil
	}
	if err := e.calls.spend(); err != nil { // the call budget counts both APIs' calls
		return "", nil, err
	}
	ex := e.ews.send(ctx, ewsPlaceFixture, fixtures.Values{EntryID: e.cfg.EntryID, DialString: dial})
	if ex.Err != nil {
		return "", ex, fmt.Errorf("creating a call to %s with EWS PlayOnPhone: %w", dial, ex.Err)
	}
	id, _ := ex.Result.Attr("PhoneCallId", "Id")
	if !ewsSucceeded(ex) || id == "" {
		return "", ex, &TransportError{Kind: "setup", Err: fmt.Errorf("creating a call to %s with EWS PlayOnPhone (item id from --entry-id) got %s", dial, ewsDescribe(ex))}
	}
	return id, ex, nil
}

// endEWSCall ends a call with DisconnectPhoneCall; its answer is judged only by the
// lifecycle checks that ask for it.
func (e *Env) endEWSCall(ctx context.Context, id string) *Exchange {
	return e.ews.send(ctx, ewsDisconnectFixture, fixtures.Values{PhoneCallID: id})
}

// exchange replays EWS fixture f once per run, binding a live call first when it needs
// one and ending it afterwards, and shares the answer among the checks that judge it.
func (e *Env) ewsExchange(ctx context.Context, f fixtures.Fixture) *Exchange {
	w := e.ews
	m := w.memo(f.ID)
	m.once.Do(func() {
		v := fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}
		if f.BindPhoneCallID != "" && f.Operation() == "GetPhoneCallInformation" {
			m.ex = e.ewsOnSharedCall(ctx, f, v)
			return
		}
		if f.BindPhoneCallID != "" { // it changes its call: one of its own
			id, _, err := e.placeEWSCall(ctx, e.cfg.DialString)
			if err != nil {
				m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
				return
			}
			defer e.endEWSCall(context.WithoutCancel(ctx), id)
			v.PhoneCallID = id
		}
		if err := w.breaker.open(); err != nil {
			m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
			return
		}
		if f.Operation() == "PlayOnPhone" {
			if err := e.calls.spend(); err != nil {
				m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
				return
			}
		}
		m.ex = w.sender.Send(ctx, f, v)
		w.breaker.record(m.ex.Err)
		if id, _ := m.ex.Result.Attr("PhoneCallId", "Id"); f.Operation() == "PlayOnPhone" && ewsSucceeded(m.ex) && id != "" {
			e.endEWSCall(context.WithoutCancel(ctx), id) // a replayed PlayOnPhone rang a phone
		}
	})
	return m.ex
}

// ewsOnSharedCall sends f, which only reads its call, about the EWS call read-only fixtures
// share. A shared call seen live that is now unknown ended by itself: f is sent once more,
// on a new call, as the UM replay does.
func (e *Env) ewsOnSharedCall(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	api := e.ewsAPI()
	for retried := false; ; retried = true {
		id, err := e.share(ctx, &e.calls.ews, api)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		if err := e.ews.breaker.open(); err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		v.PhoneCallID = id
		state := e.calls.ews.state(id, time.Now())
		ex := e.ews.sender.Send(ctx, f, v)
		ex.CallState = state
		e.ews.breaker.record(ex.Err)
		if ex.Err != nil || f.Expect.Outcome != fixtures.Success {
			return ex
		}
		a := ewsAnswerOf(ex)
		if e.calls.ews.observe(ctx, api, id, a) && !a.isInfo() && !retried {
			continue
		}
		return ex
	}
}

// ewsAlwaysChecked are judged on every EWS replay besides what the fixture names: the
// transport, the timeliness, the schema and frame of the answer and its version header.
var ewsAlwaysChecked = []string{"T1", "T2", "T3", "X5", "E1", "E2", "E6"}

// ewsRequirements is the set of requirements judged on one EWS fixture, in catalogue order.
func (e *Env) ewsRequirements(f fixtures.Fixture) []string {
	want := append(append(slices.Clone(ewsAlwaysChecked), transportChecked...), f.Requirements...)
	if f.Expect.Outcome != fixtures.Success {
		want = append(want, "S6") // its Fault, if it is one, has the SOAP structure
		// A PhoneCallId that names no call (it has an Id, unbound): MS-OXWUMS gives the
		// error response that GetPhoneCallInformation (E15) and, by analogy,
		// DisconnectPhoneCall (E16) answer with; a request the schema rejects gets
		// ErrorSchemaValidation first (G4), which EWS sends as a Fault.
		if f.BindPhoneCallID == "" && namesPhoneCallID(f) && e.ewsSchemaValid(f) {
			switch f.Operation() {
			case "GetPhoneCallInformation":
				want = append(want, "E15")
			case "DisconnectPhoneCall":
				want = append(want, "E16")
			}
		}
	}
	var ids []string
	for _, id := range e.cfg.Catalogue.IDs() {
		if slices.Contains(want, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// declareEWS declares the EWS checks of a target that offers the EWS endpoint: the replay
// of the EWS corpus, the lifecycle of calls placed with EWS PlayOnPhone and, when the
// target offers the UM web service too, the cross-API story. Every check carries the label
// ews; those that place calls carry places-call too.
func (e *Env) declareEWS() {
	if e.ews == nil {
		return
	}
	corpus, broken := e.ews.cfg.Fixtures.Wait() // a few dozen fixtures: all before declaring
	e.container("ews", []string{"ews"}, func() {
		// One container per fixture: Ginkgo builds its spec list in time quadratic in the
		// specs of one container, and it builds it while the UM fixtures are replayed ahead
		// (a run's calls then moved on between PlayOnPhone and GetCallInfo).
		for _, f := range corpus {
			var labels []string
			if ewsPlacesCall(f) {
				labels = []string{"places-call"}
			}
			e.container("replay "+f.ID, labels, func() { e.declareEWSExchange(f) })
		}
		if len(broken) > 0 {
			e.container("replay", nil, func() { e.declareBrokenFixtures(broken) })
		}
		e.declareEWSRefusals()
		e.declareEWSLifecycle()
		e.container("ews robustness", []string{"robustness"}, func() { e.declareProbes(e.ewsAPI()) })
		e.declareCrossAPI()
	})
}

// ewsPlacesCall tells whether replaying f places a call: it binds a live PhoneCallId, or
// it is a PlayOnPhone.
func ewsPlacesCall(f fixtures.Fixture) bool {
	return f.BindPhoneCallID != "" || f.Operation() == "PlayOnPhone"
}

// declareEWSExchange declares one check per requirement judged on an EWS fixture.
func (e *Env) declareEWSExchange(f fixtures.Fixture) {
	var timeout time.Duration // a fixture a scenario may borrow waits for the scenario
	if places, ends := e.ews.lenders(); slices.ContainsFunc(append(places, ends...), func(l fixtures.Fixture) bool { return l.ID == f.ID }) {
		timeout = e.lifecycleTimeout() + e.specTimeout()
	}
	for _, id := range e.ewsRequirements(f) {
		judge := ewsJudges[id]
		switch {
		case id == "E15" || id == "E16":
			judge = judgeEWSErrorCode([]string{codeUnknownCall}, id)
		case judge == nil:
			judge = judgeEWSExpectation
		}
		e.Requirement(checkSpec{id: id, fixture: f.ID, file: f.File, title: f.Title, keepEvidence: id == "E1", timeout: timeout,
			judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
				if m := e.ews.claimant(f.ID); m != nil { // a scenario borrowed it (lend.go): it sends it
					if _, err := m.wait(ctx); err != nil {
						return cannotJudge("the scenario that replays this fixture did not end: %v", err), reports.Evidence{}
					}
				}
				ex := e.ewsExchange(ctx, f)
				if isBudget(ex.Err) {
					return cannotJudgeFor(ex.Err, ""), reports.Evidence{}
				}
				return judge(ex), evidence(ex)
			}})
	}
}

// namesPhoneCallID tells whether f's request carries a PhoneCallId with an Id attribute.
func namesPhoneCallID(f fixtures.Fixture) bool {
	body, err := f.Body()
	return err == nil && phoneCallIDAttr.Match(body)
}

var phoneCallIDAttr = regexp.MustCompile(`PhoneCallId\s[^>]*\bId\s*=`)
