package suites

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// Who may use the service, and whose calls (A1-A5): a PlayOnPhone rings a real phone, so a
// server that places calls for anyone is an open dialler, and one that lets a user read or
// end another user's call breaks object-level authorisation. Run once per API, on the
// shared call (no call of its own but the one anonymous PlayOnPhone), as:
//   - nobody (no credentials) and the run's user with a wrong password, who must be
//     refused (A1, A2), preferably with 401 and a challenge, or 403 (A3);
//   - nobody placing a call to the run's --dial-string (A1): if that succeeds, it rang the
//     test phone, and is ended at once;
//   - a second user, who must be answered about the first user's call (A4) and its
//     Disconnect (A5) as about a call id that names no call, and who is first asked about
//     such an id (unknownLike: the shared call's id with another session) so that the
//     comparison proves something: an account the target refuses, or that cannot use the
//     service, makes the checks unjudgeable, never passed.

// Account is a way of signing in to the target other than the run's own (Config.Client):
// the authentication and ownership checks send as it.
type Account struct {
	Client  *http.Client
	Headers http.Header // the run's extra headers as this account sends them
}

// Access holds the accounts of the authentication and ownership checks; a nil account
// makes its checks skipped, with the reason.
type Access struct {
	Anonymous     *Account // no credentials at all; nil when the run has none to leave out
	WrongPassword *Account // the run's user with a wrong password (or a wrong token)
	Second        *Account // another user of the target (--second-username)
}

// CloseIdleConnections closes the idle connections of every account.
func (a Access) CloseIdleConnections() {
	for _, acc := range []*Account{a.Anonymous, a.WrongPassword, a.Second} {
		if acc != nil {
			acc.Client.CloseIdleConnections()
		}
	}
}

// AuthLabel marks the authentication and ownership checks.
const AuthLabel = "auth"

// The skip reasons of checks whose account the run lacks.
const (
	noCredentials = "not run: the run sends no credentials, so none can be left out or got wrong; pass --auth basic or ntlm with --username (or an Authorization --header) to judge how the target refuses requests without valid ones"
	noSecondUser  = "not run: no second account; pass --second-username and its password (UMCONFORM_SECOND_PASSWORD or --second-password-file) to judge whether one user can read or end another user's call"
)

// accessOps is how the access checks send one API's requests as another account.
type accessOps struct {
	poll, end, place string // fixtures
	lookup           func(id string) (fixtures.Fixture, error)
	values           func(callID string) fixtures.Values
	answerOf         func(*Exchange) answer
	// succeeded tells whether an exchange is the operation's success.
	succeeded func(*Exchange) bool
	// placedID is the call id a successful PlayOnPhone answer holds, "" for none.
	placedID func(*Exchange) string
	// unknown words the answer about a call id that names no call.
	unknown string
}

func (e *Env) accessOps(api callAPI) accessOps {
	if api.name == "EWS" {
		return accessOps{
			poll: ewsPollFixture, end: ewsDisconnectFixture, place: ewsPlaceFixture,
			lookup:    e.ews.fixture,
			values:    func(id string) fixtures.Values { return fixtures.Values{PhoneCallID: id} },
			answerOf:  ewsAnswerOf,
			succeeded: ewsSucceeded,
			placedID: func(ex *Exchange) string {
				id, _ := ex.Result.Attr("PhoneCallId", "Id")
				if !ewsSucceeded(ex) {
					return ""
				}
				return id
			},
			unknown: "ResponseClass Error with ResponseCode ErrorInvalidPhoneCallId",
		}
	}
	return accessOps{
		poll: pollFixture, end: disconnectFixture, place: CreateCallFixture,
		lookup: func(id string) (fixtures.Fixture, error) {
			f, ok := e.cfg.Fixtures.Lookup(id)
			if !ok {
				return f, &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s is not in the corpus", id)}
			}
			return f, nil
		},
		values:   func(id string) fixtures.Values { return fixtures.Values{CallID: id} },
		answerOf: answerOf,
		succeeded: func(ex *Exchange) bool {
			return ex.Err == nil && isSuccess(ex) && ex.Result.Message == responseOf[ex.Operation]
		},
		placedID: func(ex *Exchange) string {
			id, _ := ex.Result.Value("PlayOnPhoneResponse")
			if ex.Err != nil || !isSuccess(ex) || ex.Result.Message != "PlayOnPhoneResponse" {
				return ""
			}
			return id
		},
		unknown: "the InvalidCallIdException Fault",
	}
}

// sendAs sends fixture fid with v through api's endpoint as acc.
func (e *Env) sendAs(ctx context.Context, api callAPI, acc *Account, fid string, v fixtures.Values) *Exchange {
	f, err := e.accessOps(api).lookup(fid)
	if err != nil {
		return &Exchange{Err: err}
	}
	if err := api.breaker.open(); err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	s := *api.sender // the same endpoint, timeouts and schema; another client and headers
	s.Client, s.Headers = acc.Client, acc.Headers
	ex := s.Send(ctx, f, v)
	api.breaker.record(ex.Err)
	return ex
}

// accessRun is what one API's access scenario saw; a nil exchange was not sent.
type accessRun struct {
	err    error     // why the scenario stopped before its requests (no shared call)
	callID string    // the shared call, the first user's
	before *Exchange // the first user's question about it, which found it live

	anonInfo, wrongInfo *Exchange // the questions without and with wrong credentials
	anonPlace           *Exchange // the PlayOnPhone without credentials
	anonEnd             *Exchange // ending the call it placed, if it placed one

	noneInfo, otherInfo *Exchange // the second user asking about a call id that names no call, then the first user's
	noneEnd, otherEnd   *Exchange // the same with Disconnect
	after               *Exchange // the first user's question after the second user's Disconnect
}

// accessScenario runs an API's access requests once and shares what it saw among its
// checks. needs says which requests the selected checks need: a request no selected check
// reads is not sent (above all the anonymous PlayOnPhone, which may ring a phone).
type accessScenario struct {
	api   callAPI
	needs map[string]bool // anonInfo, wrongInfo, anonPlace, ownerInfo, ownerEnd

	once sync.Once
	done chan struct{}
	run  *accessRun
}

// wait runs the scenario unless it ran, and waits for it or for ctx to end.
func (s *accessScenario) wait(ctx context.Context, e *Env) (*accessRun, error) {
	s.once.Do(func() {
		go func() {
			defer close(s.done)
			s.run = e.runAccess(ctx, s)
		}()
	})
	select {
	case <-s.done:
		return s.run, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// runAccess sends the scenario's requests: the first user's question that finds the
// shared call live, then, one at a time, the questions without valid credentials and the
// second user's requests, while no other check may retire or replace the shared call (a
// retired call is ended, and the second user's Disconnect would then seem to have ended
// it); then the PlayOnPhone without credentials.
func (e *Env) runAccess(ctx context.Context, s *accessScenario) *accessRun {
	api, ops, acc := s.api, e.accessOps(s.api), e.cfg.Access
	r := &accessRun{}
	if s.needs["anonInfo"] || s.needs["wrongInfo"] || s.needs["ownerInfo"] || s.needs["ownerEnd"] {
		id, err := e.share(ctx, api.shared, api)
		if err != nil {
			r.err = err
		} else if !api.shared.hold(id, func() { e.accessOnShared(ctx, s, r, id) }) {
			r.err = fmt.Errorf("the shared call %s was retired by another check as this one began: run again", id)
		}
	}
	for _, ex := range []*Exchange{r.before, r.after} {
		if ex != nil && ex.Err == nil {
			api.shared.observe(ctx, api, r.callID, ops.answerOf(ex)) // a call the second user ended is retired
		}
	}
	if s.needs["anonPlace"] && acc.Anonymous != nil {
		e.anonymousCall(ctx, s.api, r)
	}
	return r
}

// accessOnShared sends the requests about the shared call id, which the caller holds.
func (e *Env) accessOnShared(ctx context.Context, s *accessScenario, r *accessRun, id string) {
	api, ops, acc := s.api, e.accessOps(s.api), e.cfg.Access
	ex, a := api.query(ctx, id, 0)
	r.callID, r.before = id, ex
	if ex.Err != nil || !a.isInfo() || a.State == stateDisconnected {
		r.err = fmt.Errorf("the shared call %s was not live for the run's own user: %s said %s", id, api.ask, a)
		return
	}
	if s.needs["anonInfo"] && acc.Anonymous != nil {
		r.anonInfo = e.sendAs(ctx, api, acc.Anonymous, ops.poll, ops.values(id))
	}
	if s.needs["wrongInfo"] && acc.WrongPassword != nil {
		r.wrongInfo = e.sendAs(ctx, api, acc.WrongPassword, ops.poll, ops.values(id))
	}
	if acc.Second == nil {
		return
	}
	none := unknownLike(id)
	if s.needs["ownerInfo"] {
		r.noneInfo = e.sendAs(ctx, api, acc.Second, ops.poll, ops.values(none))
		r.otherInfo = e.sendAs(ctx, api, acc.Second, ops.poll, ops.values(id))
	}
	if s.needs["ownerEnd"] {
		r.noneEnd = e.sendAs(ctx, api, acc.Second, ops.end, ops.values(none))
		r.otherEnd = e.sendAs(ctx, api, acc.Second, ops.end, ops.values(id))
		r.after, _ = api.query(ctx, id, 0)
	}
}

// hold runs fn unless id is no longer s's call, while no other check may retire or replace
// it, and reports whether it ran.
func (s *shared) hold(id string, fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != id {
		return false
	}
	fn()
	return true
}

// anonymousCall sends PlayOnPhone without credentials to the run's own number, against the
// call budget. A call it places proves the hole and rang the test phone: it is ended at
// once, with the run's credentials, or else as it was placed.
func (e *Env) anonymousCall(ctx context.Context, api callAPI, r *accessRun) {
	ops := e.accessOps(api)
	if err := e.calls.spend(); err != nil {
		r.anonPlace = &Exchange{Operation: "PlayOnPhone", Err: err}
		return
	}
	r.anonPlace = e.sendAs(ctx, api, e.cfg.Access.Anonymous, ops.place, fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString})
	id := ops.placedID(r.anonPlace)
	if id == "" {
		return
	}
	r.anonEnd = api.end(context.WithoutCancel(ctx), id)
	if !api.ended(r.anonEnd) {
		r.anonEnd = e.sendAs(context.WithoutCancel(ctx), api, e.cfg.Access.Anonymous, ops.end, ops.values(id))
	}
}

// unknownLike is a call id of the form of id that names no call: for Exchange's form,
// Base64 of "GUID|server", the same server with a fresh session GUID. Any other id is
// reversed (its Base64-decoded bytes, when it decodes): of the same length and alphabet, and
// unlike a changed last digit, never the next id of a server that numbers its calls.
func unknownLike(id string) string {
	raw, err := base64.StdEncoding.DecodeString(id)
	if guid, host, ok := strings.Cut(string(raw), "|"); err == nil && ok && len(guid) == 36 {
		var b [16]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		fresh := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		return base64.StdEncoding.EncodeToString([]byte(fresh + "|" + host))
	}
	if err == nil && len(raw) > 0 {
		if r := base64.StdEncoding.EncodeToString(reversed(raw)); r != id {
			return r
		}
	}
	if r := string(reversed([]byte(id))); r != id {
		return r
	}
	return id + "0" // a palindrome
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// declareAccess declares the access checks of every API the target offers.
func (e *Env) declareAccess() {
	e.container("access", []string{"access", AuthLabel, PlacesCallLabel}, func() {
		for _, api := range e.apis() {
			if api.name == "EWS" {
				e.container("ews access", []string{"ews"}, func() { e.declareAccessChecks(api) })
			} else {
				e.declareAccessChecks(api)
			}
		}
	})
}

// accessCheck is one access check: its requirement, title, the requests it reads and its
// judge.
type accessCheck struct {
	id, title string
	needs     []string
	second    bool // needs the second account, else credentials of the run's own
	judge     func(accessOps, *accessRun) (Outcome, *Exchange)
}

func (e *Env) declareAccessChecks(api callAPI) {
	s := &accessScenario{api: api, needs: map[string]bool{}, done: make(chan struct{})}
	ask := api.ask
	checks := []accessCheck{
		{"A1", ask + " about a live call without credentials is refused", []string{"anonInfo"}, false,
			func(o accessOps, r *accessRun) (Outcome, *Exchange) {
				return judgeServed(o, r.anonInfo, "without credentials"), r.anonInfo
			}},
		{"A2", ask + " about a live call with a wrong password is refused", []string{"wrongInfo"}, false,
			func(o accessOps, r *accessRun) (Outcome, *Exchange) {
				return judgeServed(o, r.wrongInfo, "with a wrong password"), r.wrongInfo
			}},
		{"A1", "PlayOnPhone without credentials places no call", []string{"anonPlace"}, false, judgeAnonymousCall},
		{"A3", "a request without credentials or with a wrong password is refused with 401 and a challenge, or 403", []string{"anonInfo", "wrongInfo"}, false, judgeChallenges},
		{"A4", "a second user asking about the first user's call is answered as about a call id that names no call", []string{"ownerInfo"}, true, judgeOthersRead},
		{"A5", "a second user's Disconnect of the first user's call is answered as for a call id that names no call, and the call stays live", []string{"ownerEnd"}, true, judgeOthersEnd},
	}
	scenario := api.prefix + "access"
	for _, c := range checks {
		if api.name == "EWS" {
			c.title = strings.ReplaceAll(c.title, "Disconnect", "DisconnectPhoneCall")
		}
		selected := e.Requirement(checkSpec{id: c.id, scenario: scenario, title: api.titlePrefix + c.title, placesCall: true,
			judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
				// A target found gone errs every check, with its cause, as every other check
				// does: whether the run had the accounts comes after.
				if err := api.breaker.open(); err != nil {
					return cannotJudgeFor(err, "%v", err), reports.Evidence{}
				}
				switch {
				case c.second && e.cfg.Access.Second == nil:
					return Outcome{Skipped: true, Actual: noSecondUser}, reports.Evidence{}
				case !c.second && e.cfg.Access.Anonymous == nil:
					return Outcome{Skipped: true, Actual: noCredentials}, reports.Evidence{}
				}
				r, err := s.wait(ctx, e)
				if err != nil {
					return cannotJudge("the access requests did not end: %v", err), reports.Evidence{}
				}
				if r.err != nil && c.needs[0] != "anonPlace" { // the anonymous call needs no shared call
					return cannotJudgeFor(r.err, "%v", r.err), reports.Evidence{}
				}
				o, ex := c.judge(e.accessOps(api), r)
				if ex == nil {
					return o, reports.Evidence{}
				}
				return o, exchangeEvidence(ex, nil)
			}})
		if selected {
			for _, n := range c.needs {
				s.needs[n] = true
			}
		}
	}
}

// refusedForCredentials tells whether ex is the refusal RFC 9110 gives missing or wrong
// credentials: 401 with a WWW-Authenticate challenge (§11.6.1, §15.5.2), or 403 (§15.5.4).
func refusedForCredentials(ex *Exchange) bool {
	return ex.Status == http.StatusForbidden ||
		ex.Status == http.StatusUnauthorized && strings.TrimSpace(ex.Header.Get("WWW-Authenticate")) != ""
}

// judgeServed (A1, A2): a question about the live call without valid credentials gets no
// call information. How it is refused is A3's business.
func judgeServed(o accessOps, ex *Exchange, how string) Outcome {
	if ex == nil {
		return cannotJudge("the question %s was not sent", how)
	}
	if out, stop := transportProblem(ex); stop {
		return out
	}
	if a := o.answerOf(ex); a.Response || o.succeeded(ex) {
		return fail("a refusal: 401 with a challenge, or 403", fmt.Sprintf("%s, call information (%s) about the run's live call", describe(ex), a),
			"the response to "+ex.Operation+" "+how)
	}
	return pass("refused: " + describe(ex))
}

// judgeAnonymousCall (A1): PlayOnPhone without credentials places no call.
func judgeAnonymousCall(o accessOps, r *accessRun) (Outcome, *Exchange) {
	ex := r.anonPlace
	if ex == nil {
		return cannotJudge("the PlayOnPhone without credentials was not sent"), nil
	}
	if ex.Err != nil {
		return cannotJudgeFor(ex.Err, "no complete response: %v", ex.Err), ex
	}
	id := o.placedID(ex)
	if id == "" && !o.succeeded(ex) {
		return pass("refused: " + describe(ex)), ex
	}
	ended := "it was ended at once"
	if r.anonEnd != nil && !o.succeeded(r.anonEnd) {
		ended = "ending it at once got " + describe(r.anonEnd) + ": hang the test phone up"
	}
	return fail("a refusal: 401 with a challenge, or 403; never a call", fmt.Sprintf("%s, call %q placed to the --dial-string number (%s)", describe(ex), id, ended),
		"the response to PlayOnPhone without credentials"), ex
}

// judgeChallenges (A3): each request refused for its credentials is refused the HTTP way.
// One that was served is A1's or A2's failure, not this one's.
func judgeChallenges(o accessOps, r *accessRun) (Outcome, *Exchange) {
	var judged []string
	for _, c := range []struct {
		ex  *Exchange
		how string
	}{{r.anonInfo, "without credentials"}, {r.wrongInfo, "with a wrong password"}, {r.anonPlace, "PlayOnPhone without credentials"}} {
		ex := c.ex
		if ex == nil || ex.Err != nil || o.succeeded(ex) || o.answerOf(ex).Response {
			continue
		}
		judged = append(judged, c.how)
		if !refusedForCredentials(ex) {
			actual := describe(ex)
			if ex.Status == http.StatusUnauthorized {
				actual = "HTTP 401 without a WWW-Authenticate challenge"
			}
			return fail("HTTP 401 with a WWW-Authenticate challenge, or HTTP 403", actual, "the response to "+ex.Operation+" "+strings.TrimPrefix(c.how, "PlayOnPhone ")), ex
		}
	}
	if len(judged) == 0 {
		return cannotJudge("no request was refused for its credentials (A1 and A2 say why)"), nil
	}
	return pass("refused with 401 and a challenge, or 403: " + strings.Join(judged, ", ")), nil
}

// secondUserBaseline is why the second user's answer about a call id that names no call
// cannot serve to judge the answers about the first user's call, "" when it can.
func secondUserBaseline(o accessOps, none *Exchange) string {
	switch {
	case none == nil:
		return "the second user's request about a call id that names no call was not sent"
	case none.Err != nil:
		return fmt.Sprintf("the second user's request about a call id that names no call got no complete response: %v", none.Err)
	case none.Status == http.StatusUnauthorized || none.Status == http.StatusForbidden:
		return fmt.Sprintf("the target refused the second account (HTTP %d): check --second-username and its password, and that the account may use the service", none.Status)
	case o.answerOf(none).Exception != "InvalidCallIdException":
		return fmt.Sprintf("the second user's %s about a call id that names no call got %s, not %s: the answers about the first user's call cannot be compared with it (is the account allowed to use the service?)",
			none.Operation, describe(none), o.unknown)
	}
	return ""
}

// judgeOthersRead (A4): the second user's question about the first user's call gets the
// answer about a call id that names no call.
func judgeOthersRead(o accessOps, r *accessRun) (Outcome, *Exchange) {
	if why := secondUserBaseline(o, r.noneInfo); why != "" {
		return cannotJudge("%s", why), r.noneInfo
	}
	ex := r.otherInfo
	if out, stop := transportProblem(ex); stop {
		return out, ex
	}
	want := o.unknown + ", as for a call id that names no call"
	if a := o.answerOf(ex); a.Exception != "InvalidCallIdException" {
		return fail(want, fmt.Sprintf("%s (%s)", describe(ex), a), "the response to the second user's "+ex.Operation+" about the first user's live call"), ex
	}
	return pass(""), nil
}

// judgeOthersEnd (A5): the second user's Disconnect of the first user's call gets the answer
// for a call id that names no call, and the call is still live for the first user.
func judgeOthersEnd(o accessOps, r *accessRun) (Outcome, *Exchange) {
	if why := secondUserBaseline(o, r.noneEnd); why != "" {
		return cannotJudge("%s", why), r.noneEnd
	}
	ex := r.otherEnd
	if out, stop := transportProblem(ex); stop {
		return out, ex
	}
	want := o.unknown + ", as for a call id that names no call"
	if o.succeeded(ex) || o.answerOf(ex).Exception != "InvalidCallIdException" {
		return fail(want, describe(ex), "the response to the second user's "+ex.Operation+" of the first user's live call"), ex
	}
	if out, stop := transportProblem(r.after); stop {
		return out, r.after
	}
	if a := o.answerOf(r.after); !a.isInfo() || a.State == stateDisconnected {
		return fail("the first user's call still live after the second user's refused "+ex.Operation, fmt.Sprintf("%s (%s)", describe(r.after), a),
			"the first user's "+r.after.Operation+" right after it"), r.after
	}
	return pass(""), nil
}
