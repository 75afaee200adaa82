package suites

import (
	"net/url"
	"regexp"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// EWSConfig is a target's EWS endpoint (/EWS/Exchange.asmx), when it offers one: the EWS
// twin of GetCallInfo (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall) is
// checked there, beside the UM web service (docs/EWS.md).
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

// ewsAlwaysChecked are judged on every EWS replay besides what the fixture names: the
// transport, the timeliness, the schema and frame of the answer and its version header.
var ewsAlwaysChecked = []string{"T1", "T2", "T3", "X5", "E1", "E2", "E6"}

// ewsRequirements is the set of requirements judged on one EWS fixture, in catalogue order.
func (e *Env) ewsRequirements(f fixtures.Fixture) []string {
	want := append(slices.Clone(ewsAlwaysChecked), f.Requirements...)
	if f.Expect.Outcome != fixtures.Success {
		want = append(want, "S6") // its Fault, if it is one, has the SOAP structure
		// A PhoneCallId that names no call (it has an Id, unbound): MS-OXWUMS gives the
		// error response that GetPhoneCallInformation (E15) and, by analogy,
		// DisconnectPhoneCall (E16) answer with.
		if f.BindPhoneCallID == "" && namesPhoneCallID(f) {
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
// of the EWS corpus and the lifecycle of calls placed with EWS PlayOnPhone. Every check
// carries the labels api:ews and ews (the older spelling, which filters written before
// the API labels keep using); those that place calls carry places-call too.
func (e *Env) declareEWS() {
	if e.ews == nil {
		return
	}
	corpus, broken := e.ews.fixtures.Wait() // a few dozen fixtures: all before declaring
	e.container("ews", []string{e.ewsAPI().label, legacyEWSLabel}, func() {
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
	})
}

// ewsPlacesCall tells whether replaying f places a call: it binds a live PhoneCallId, or
// it is a PlayOnPhone.
func ewsPlacesCall(f fixtures.Fixture) bool {
	return f.BindPhoneCallID != "" || f.Operation() == "PlayOnPhone"
}

// declareEWSExchange declares one check per requirement judged on an EWS fixture.
func (e *Env) declareEWSExchange(f fixtures.Fixture) {
	api := e.ewsAPI()
	var timeout time.Duration // a fixture a scenario may borrow waits for the scenario
	if places, ends := api.lenders(); slices.ContainsFunc(append(places, ends...), func(l fixtures.Fixture) bool { return l.ID == f.ID }) {
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
				if m := api.ep.claimant(f.ID); m != nil { // a scenario borrowed it (lend.go): it sends it
					if _, err := m.wait(ctx); err != nil {
						return cannotJudge("the scenario that replays this fixture did not end: %v", err), reports.Evidence{}
					}
				}
				ex := e.exchange(ctx, api, f.ID)
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
