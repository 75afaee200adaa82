package suites

import (
	"context"
	"strings"

	"github.com/umconform/umconform/api"
	"github.com/umconform/umconform/fixtures"
)

// callAPI is one API's driver: everything that differs between the UM web service and
// EWS, and nothing else. It says which recorded requests place, ask about and end a call and
// how a call's id binds into them, how its answers read (a call placed, call information, a
// call ended, a refusal), which requirements its scenarios judge and with which judges, and
// how its hostile requests are written. Everything else (sending, the breaker and budget,
// the memos, the shared call, lending, the pre-flight, tracing calls and the scenarios) is
// written once and handed a driver; ep is the endpoint it drives in this run. A new API
// costs one value of this type.
type callAPI struct {
	id  api.API // its name (UM, EWS) and label (api:um, api:ews) come with it
	ask string  // the operation that asks, for messages: GetCallInfo, GetPhoneCallInformation
	// prefix starts the scenario ids and titles of the API's checks ("" for UM, whose ids
	// and titles predate the second API and stay as they were).
	prefix, titlePrefix string

	ep *endpoint

	// The corpus's requests that place, ask about and end the run's calls, and the
	// operation that ends one (a fixture of it needs a call of its own).
	placeFixture, pollFixture, endFixture, endOp string
	// callOf reads the call a validated PlayOnPhone answer placed; answerOf reduces an
	// answer to a question to what the lifecycle judges read; ended tells whether an
	// answer to the request that ends a call is a success; describe words an answer.
	callOf   func(*Exchange) (string, bool)
	answerOf func(*Exchange) answer
	ended    func(*Exchange) bool
	describe func(*Exchange) string
	// succeeded tells whether an answer is its operation's success; unknownAnswer words the
	// answer about a call id that names no call.
	succeeded     func(*Exchange) bool
	unknownAnswer string
	// refusal reads a PlayOnPhone's refusal for the pre-flight: the code and text that name
	// the setting refused, ok when the answer is one it can read so.
	refusal func(*Exchange) (code, text string, ok bool)
	// placeWords and placeSettings word a failure to place a call: "PlayOnPhone" and the
	// settings the request took. setting and path name the endpoint's flag and documented
	// path, for the pre-flight's advice.
	placeWords, placeSettings, setting, path string
	// lendsToScenarios: the corpus's own PlayOnPhone and ending requests may place and end
	// the scenarios' calls (lend.go). Not the UM web service's: its replay sends them ahead
	// of their checks (startPrefetch), which a scenario would race; its replay of the
	// ending request borrows the PlayOnPhone alone.
	lendsToScenarios bool
	// lenders are the corpus's requests that may place (PlayOnPhone with the run's item and
	// number) and end (about a live call) a call instead of the API's own (lend.go).
	lenders func() (places, ends []fixtures.Fixture)

	// alwaysChecked are the requirements judged on every replay of a fixture besides those
	// it names; judge is how the replay judges each; evidenceID is the requirement whose
	// check keeps the exchange in the reports even when it passes (for compare).
	alwaysChecked func(f fixtures.Fixture) []string
	judge         func(id string) func(*Exchange) Outcome
	evidenceID    string
	// refusals are the requests the refused-input scenario builds, none where the corpus
	// holds them (the UM web service's are recorded fixtures, replayed with the rest).
	refusals func() []refusal
	// labels are the labels of all the API's checks (label, and older spellings).
	labels []string

	// place, query and end place a call, ask about one (n is the index of the answer in the
	// trace) and end one: the scenarios' (lend may route them through borrowed fixtures).
	place func(ctx context.Context, dial string) (string, *Exchange, error)
	query func(ctx context.Context, id string, n int) (*Exchange, answer)
	end   func(ctx context.Context, id string) *Exchange

	// lifecycle and apartIDs are the requirements judged on a traced call and on calls kept
	// apart; judgeTrace and breaking judge a trace and find the exchange behind a break;
	// judgeApart judges the calls kept apart (L7/L8, E17/E18).
	lifecycle, apartIDs []check
	judgeTrace          func(id string, t *callTrace) Outcome
	breaking            func(id string, t *callTrace) *Exchange
	judgeApart          func(id string, traces []*callTrace) Outcome

	// probeRequest writes a request about a call whose PhoneCallId or CallId text is
	// payload, after the prolog (a DOCTYPE): the X1 and X2 probes. paddedRequest writes a
	// valid question about the live call (bound to placeholderCallID) padded to n bytes (X4).
	probeRequest  func(id, prolog, payload string) fixtures.Fixture
	paddedRequest func(id string, n int) fixtures.Fixture
	// xxeRequest, when set, writes the external-entity probe itself (X1); otherwise it is
	// probeRequest's with a DOCTYPE declaring the entity.
	xxeRequest func(id, uri string) fixtures.Fixture
	// modelRequest writes a question about a call id that names no call, in the envelope
	// the SOAP processing model's probe varies (soapmodel.go).
	modelRequest func(id string, v modelVariant) fixtures.Fixture
}

// Each API's checks carry its label (api.API.Label): --label-filter api:ews selects the EWS
// checks, and '!api:ews' leaves every request to the EWS endpoint out. The cross-API checks
// (E14) carry both. A check's area (lifecycle, callid, ...) is a label too, shared by the
// APIs' twins: --label-filter lifecycle selects both lifecycles.

// legacyEWSLabel is the label every EWS check carried before the API labels: kept beside
// api:ews so that a filter such as '!ews' selects what it did.
const legacyEWSLabel = "ews"

// check is a requirement and the words a scenario's check title gives it.
type check struct{ id, title string }

// apis are the APIs the target offers, UM first.
func (e *Env) apis() []callAPI {
	var out []callAPI
	if e.cfg.Target != nil {
		out = append(out, e.umAPI())
	}
	if e.ews != nil {
		out = append(out, e.ewsAPI())
	}
	return out
}

// containerPrefix starts the texts of the API's scenario containers ("ews lifecycle"), as
// its titles do.
func (api callAPI) containerPrefix() string { return strings.ToLower(api.titlePrefix) }

// withCalls completes a driver with the scenarios' place, query and end, written once.
func (e *Env) withCalls(api callAPI) callAPI {
	api.place = func(ctx context.Context, dial string) (string, *Exchange, error) {
		return e.placeCall(ctx, api, dial, api.lendsToScenarios)
	}
	api.query = func(ctx context.Context, id string, _ int) (*Exchange, answer) { return e.question(ctx, api, id) }
	api.end = func(ctx context.Context, id string) *Exchange { return e.endCall(ctx, api, id) }
	return api
}

// umAPI is the UM web service's driver.
func (e *Env) umAPI() callAPI {
	return e.withCalls(callAPI{
		id: api.UM, ask: "GetCallInfo",
		ep:           e.um,
		placeFixture: CreateCallFixture, pollFixture: pollFixture, endFixture: disconnectFixture, endOp: "Disconnect",
		callOf: func(ex *Exchange) (string, bool) {
			id, ok := ex.Result.Value("PlayOnPhoneResponse")
			return id, ok && id != "" && ex.Status == 200 && ex.Result.Message == "PlayOnPhoneResponse"
		},
		alwaysChecked: alwaysChecked, judge: umJudge, evidenceID: "T1",
		labels:   []string{api.UM.Label()},
		answerOf: answerOf,
		ended:    umDisconnected,
		succeeded: func(ex *Exchange) bool {
			return ex.Err == nil && isSuccess(ex) && ex.Result.Message == responseOf[ex.Operation]
		},
		unknownAnswer: "the InvalidCallIdException Fault",
		describe:      describe,
		refusal: func(ex *Exchange) (string, string, bool) {
			exc, _ := ex.Result.Value("ExceptionType")
			msg, _ := ex.Result.Value("faultstring")
			return fixtures.ExceptionName(exc), msg, ex.Result.IsFault()
		},
		placeWords: "PlayOnPhone", placeSettings: "(entry id and dial string from --entry-id, --dial-string)",
		setting: "--target", path: "/EWS/UM2007Legacy.asmx",
		lenders: func() (places, ends []fixtures.Fixture) {
			if f, ok := e.um.fixtures.Lookup(CreateCallFixture); ok && lends(f) {
				places = append(places, f)
			}
			return places, nil
		},
		lifecycle:     lifecycleChecks,
		apartIDs:      apartChecks,
		judgeTrace:    judgeTrace,
		breaking:      breakingExchange,
		judgeApart:    judgeApart,
		probeRequest:  umProbeRequest,
		paddedRequest: umPaddedRequest,
		modelRequest:  umModelRequest,
	})
}

// ewsAPI is the EWS endpoint's driver.
func (e *Env) ewsAPI() callAPI {
	return e.withCalls(callAPI{
		id: api.EWS, ask: "GetPhoneCallInformation", prefix: "ews-", titlePrefix: "EWS ",
		ep:           e.ews,
		placeFixture: ewsPlaceFixture, pollFixture: ewsPollFixture, endFixture: ewsDisconnectFixture, endOp: "DisconnectPhoneCall",
		callOf: func(ex *Exchange) (string, bool) {
			id, _ := ex.Result.Attr("PhoneCallId", "Id")
			return id, ewsSucceeded(ex) && id != ""
		},
		alwaysChecked: e.ewsAlwaysChecked, judge: ewsJudge, evidenceID: "E1", refusals: e.ewsRefusals,
		labels:    []string{api.EWS.Label(), legacyEWSLabel},
		answerOf:  ewsAnswerOf,
		ended:     ewsSucceeded,
		succeeded: ewsSucceeded, unknownAnswer: "ResponseClass Error with ResponseCode ErrorInvalidPhoneCallId",
		describe: ewsDescribe,
		refusal: func(ex *Exchange) (string, string, bool) {
			code, _ := ex.Result.Value("ResponseCode") // in a response message, or a Fault's detail
			msg, _ := ex.Result.Value("MessageText")
			if msg == "" {
				msg, _ = ex.Result.Value("faultstring")
			}
			return code, msg, ewsRefused(ex) && ex.Status/100 != 4
		},
		placeWords: "EWS PlayOnPhone", placeSettings: "(item id from --entry-id)",
		setting: "--ews-target", path: "/EWS/Exchange.asmx",
		lendsToScenarios: true,
		lenders:          func() (places, ends []fixtures.Fixture) { return corpusLenders(e.ews.fixtures) },
		lifecycle:        ewsLifecycleChecks,
		apartIDs:         ewsApartChecks,
		judgeTrace:       ewsJudgeTrace,
		breaking:         breakingBy(ewsJudgeTrace),
		judgeApart:       func(id string, traces []*callTrace) Outcome { return ewsWords(judgeApart(ewsTwin[id], traces)) },
		probeRequest:     ewsProbeRequest,
		paddedRequest:    ewsPaddedRequest,
		xxeRequest:       ewsXXERequest,
		modelRequest:     ewsModelRequest,
	})
}
