package suites

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/schema"
)

const typesNS = "http://schemas.microsoft.com/exchange/services/2006/types"

var ewsValidatorOnce = sync.OnceValues(func() (*schema.Validator, error) { return schema.Load(schema.For(schema.EWS)) })

func ewsValidator(t *testing.T) *schema.Validator {
	t.Helper()
	v, err := ewsValidatorOnce()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const versionHeader = `<s:Header><h:ServerVersionInfo MajorVersion="15" xmlns:h="` + typesNS + `"/></s:Header>`

// ewsDoc is an EWS response envelope around body, with the ServerVersionInfo header.
func ewsDoc(body string) string {
	return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">` + versionHeader + `<s:Body>` + body + `</s:Body></s:Envelope>`
}

func ewsResp(op, class, inner string) string {
	return ewsDoc(`<m:` + op + `Response ResponseClass="` + class + `" xmlns:m="` + msgNS + `" xmlns:t="` + typesNS + `">` + inner + `</m:` + op + `Response>`)
}

func ewsInfo(state, cause string) string {
	return ewsResp("GetPhoneCallInformation", "Success", `<m:ResponseCode>NoError</m:ResponseCode><m:PhoneCallInformation><t:PhoneCallState>`+
		state+`</t:PhoneCallState><t:ConnectionFailureCause>`+cause+`</t:ConnectionFailureCause></m:PhoneCallInformation>`)
}

func ewsError(op, code string) string {
	return ewsResp(op, "Error", `<m:MessageText>no</m:MessageText><m:ResponseCode>`+code+`</m:ResponseCode>`)
}

// ewsExchange builds an answered EWS exchange of op, from a request that carries (or not)
// RequestServerVersion.
func ewsExchange(t *testing.T, op string, status int, body string, expect fixtures.Expect, versioned bool) *Exchange {
	t.Helper()
	req := "POST / HTTP/1.1\r\n\r\n<m:" + op + "/>"
	if versioned {
		req = "POST / HTTP/1.1\r\n\r\n<t:RequestServerVersion Version=\"Exchange2013\"/><m:" + op + "/>"
	}
	return &Exchange{Operation: op, Status: status, Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}}, Body: []byte(body),
		Result: ewsValidator(t).ValidateAs([]byte(body), schema.KindResponse), Fixture: fixtures.Fixture{ID: "f", Expect: expect, Request: []byte(req)}}
}

func TestEWSJudges(t *testing.T) {
	ok, errExpect := fixtures.Expect{Outcome: fixtures.Success}, fixtures.Expect{Outcome: fixtures.Error}
	gpci, pop, dpc := "GetPhoneCallInformation", "PlayOnPhone", "DisconnectPhoneCall"
	popOK := ewsResp(pop, "Success", `<m:ResponseCode>NoError</m:ResponseCode><m:PhoneCallId Id="abc"/>`)
	fault := ewsDoc(`<s:Fault><faultcode xmlns:a="` + typesNS + `">a:ErrorSchemaValidation</faultcode><faultstring>no</faultstring></s:Fault>`)
	cases := []struct {
		name  string
		judge func(*Exchange) Outcome
		ex    *Exchange
		want  string
	}{
		{"E1 valid", judgeE1, ewsExchange(t, gpci, 200, ewsInfo("Connected", "None"), ok, true), "pass"},
		{"E1 info in messages ns", judgeE1, ewsExchange(t, gpci, 200, strings.ReplaceAll(ewsInfo("Connected", "None"), "t:P", "m:P"), ok, true), "fail"},
		{"E1 no ResponseClass", judgeE1, ewsExchange(t, dpc, 200, strings.Replace(ewsResp(dpc, "Success", ""), ` ResponseClass="Success"`, "", 1), ok, true), "fail"},
		{"E1 wrong response element", judgeE1, ewsExchange(t, dpc, 200, popOK, ok, true), "fail"},
		{"E1 lowercase state is E3's", judgeE1, ewsExchange(t, gpci, 200, ewsInfo("connected", "None"), ok, true), "pass"},
		{"E1 a Fault is S6's", judgeE1, ewsExchange(t, gpci, 500, fault, errExpect, true), "pass"},
		{"E2 success", judgeE2, ewsExchange(t, pop, 200, popOK, ok, true), "pass"},
		{"E2 error", judgeE2, ewsExchange(t, gpci, 200, ewsError(gpci, "ErrorInvalidPhoneCallId"), errExpect, true), "pass"},
		{"E2 success without code", judgeE2, ewsExchange(t, dpc, 200, ewsResp(dpc, "Success", ""), ok, true), "fail"},
		{"E2 success with an error code", judgeE2, ewsExchange(t, dpc, 200, ewsResp(dpc, "Success", `<m:ResponseCode>ErrorItemNotFound</m:ResponseCode>`), ok, true), "fail"},
		{"E2 error with NoError", judgeE2, ewsExchange(t, dpc, 200, ewsResp(dpc, "Error", `<m:MessageText>x</m:MessageText><m:ResponseCode>NoError</m:ResponseCode>`), ok, true), "fail"},
		{"E2 error without text", judgeE2, ewsExchange(t, dpc, 200, ewsResp(dpc, "Error", `<m:ResponseCode>ErrorInvalidPhoneCallId</m:ResponseCode>`), ok, true), "fail"},
		{"E3 valid", judgeE3, ewsExchange(t, gpci, 200, ewsInfo("Alerted", "None"), ok, true), "pass"},
		{"E3 lowercase", judgeE3, ewsExchange(t, gpci, 200, ewsInfo("alerted", "None"), ok, true), "fail"},
		{"E3 unknown cause", judgeE3, ewsExchange(t, gpci, 200, ewsInfo("Disconnected", "Busy"), ok, true), "fail"},
		{"E4 PhoneCallId", judgeE4, ewsExchange(t, pop, 200, popOK, ok, true), "pass"},
		{"E4 no PhoneCallId", judgeE4, ewsExchange(t, pop, 200, ewsResp(pop, "Success", `<m:ResponseCode>NoError</m:ResponseCode>`), ok, true), "fail"},
		{"E4 empty Id", judgeE4, ewsExchange(t, pop, 200, strings.Replace(popOK, `Id="abc"`, `Id=""`, 1), ok, true), "fail"},
		{"E4 no PhoneCallInformation", judgeE4, ewsExchange(t, gpci, 200, ewsResp(gpci, "Success", `<m:ResponseCode>NoError</m:ResponseCode>`), ok, true), "fail"},
		{"E4 an error", judgeE4, ewsExchange(t, dpc, 200, ewsError(dpc, "ErrorInvalidPhoneCallId"), ok, true), "fail"},
		{"E6 header", judgeE6, ewsExchange(t, dpc, 200, ewsResp(dpc, "Success", `<m:ResponseCode>NoError</m:ResponseCode>`), ok, true), "pass"},
		{"E6 no header", judgeE6, ewsExchange(t, dpc, 200, strings.Replace(ewsResp(dpc, "Success", `<m:ResponseCode>NoError</m:ResponseCode>`), versionHeader, "", 1), ok, true), "fail"},
		{"E6 no header asked for", judgeE6, ewsExchange(t, dpc, 200, strings.Replace(ewsResp(dpc, "Success", `<m:ResponseCode>NoError</m:ResponseCode>`), versionHeader, "", 1), ok, false), "pass"},
		{"E9 connected/None", judgeE9, ewsExchange(t, gpci, 200, ewsInfo("Connected", "None"), ok, true), "pass"},
		{"E9 connected/Other", judgeE9, ewsExchange(t, gpci, 200, ewsInfo("Connected", "Other"), ok, true), "fail"},
		{"E9 disconnected/UserBusy", judgeE9, ewsExchange(t, gpci, 200, ewsInfo("Disconnected", "UserBusy"), ok, true), "pass"},
		{"error expected, Error", judgeEWSExpectation, ewsExchange(t, gpci, 200, ewsError(gpci, "ErrorInvalidPhoneCallId"), errExpect, true), "pass"},
		{"error expected, Fault", judgeEWSExpectation, ewsExchange(t, gpci, 500, fault, errExpect, true), "pass"},
		{"error expected, Success", judgeEWSExpectation, ewsExchange(t, gpci, 200, ewsInfo("Connected", "None"), errExpect, true), "fail"},
		{"dead target", judgeE1, &Exchange{Operation: gpci, Err: &TransportError{Kind: "refused", Err: context.Canceled}}, "cannot judge"},
	}
	for _, c := range cases {
		o := c.judge(c.ex)
		if got := verdictOf(o); got != c.want {
			t.Errorf("%s: %s, want %s (%+v)", c.name, got, c.want, o)
		}
		if c.want == "fail" && (o.Expected == "" || o.Actual == "" || o.Where == "") {
			t.Errorf("%s: failure without expected, actual and where: %+v", c.name, o)
		}
	}
}

func TestEWSAnswerOf(t *testing.T) {
	ok := fixtures.Expect{Outcome: fixtures.Success}
	gpci := "GetPhoneCallInformation"
	for body, want := range map[string]answer{
		ewsInfo("Connected", "None"): {State: "Connected", Cause: "None", Response: true},
		// A spelling is E3's business; the lifecycle rules read what it means, as for UM.
		ewsInfo("connected", "None"):                                         {State: "Connected", Cause: "None", Response: true},
		ewsInfo("Ringing", "None"):                                           {Other: "Ringing/None (outside the enumerations)", Response: true},
		ewsError(gpci, "ErrorInvalidPhoneCallId"):                            {Other: "Error ErrorInvalidPhoneCallId", Exception: "InvalidCallIdException"},
		ewsError(gpci, "ErrorInternalServerError"):                           {Other: "Error ErrorInternalServerError"},
		ewsResp(gpci, "Success", "<m:ResponseCode>NoError</m:ResponseCode>"): {Other: "HTTP 200 (text/xml; charset=utf-8) with GetPhoneCallInformationResponse, ResponseClass Success, ResponseCode \"NoError\""},
	} {
		if got := ewsAnswerOf(ewsExchange(t, gpci, 200, body, ok, true)); got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", body, got, want)
		}
	}
}

// TestEWSTraceJudgesUseEWSWords: the EWS lifecycle judges are L1-L5's, their failures
// worded for EWS.
func TestEWSTraceJudgesUseEWSWords(t *testing.T) {
	tr := &callTrace{Dial: "+15550100", Answers: seq("Connecting/None Connected/Other"), DisconnectAt: -1}
	for range tr.Answers {
		tr.Polls = append(tr.Polls, &Exchange{})
	}
	o := ewsJudgeTrace("E9", tr)
	if verdictOf(o) != "fail" || !strings.Contains(o.Expected, "ConnectionFailureCause None") || !strings.Contains(o.Where, "GetPhoneCallInformation answer 2") ||
		strings.Contains(o.Expected+o.Where, "EventCause") {
		t.Errorf("E9: %+v", o)
	}
	if ex := breakingBy(ewsJudgeTrace)("E9", tr); ex != tr.Polls[1] {
		t.Errorf("breaking exchange of E9 is not the second poll")
	}
	tr.Answers = seq("Connecting/None Connected/None")
	if o := ewsJudgeTrace("E9", tr); verdictOf(o) != "pass" {
		t.Errorf("E9 on a clean trace: %+v", o)
	}
}

func TestJudgeE14(t *testing.T) {
	trace := func(answers string, disconnectAt int) *crossTrace {
		t := &callTrace{Dial: "+15550100", Answers: seq(answers), DisconnectAt: disconnectAt, Disconnect: &Exchange{}}
		return &crossTrace{callTrace: t, origin: "UM", other: "EWS", shared: true, ended: func(*Exchange) bool { return true }}
	}
	apart := trace("Fault:InvalidCallIdException", -1)
	apart.shared, apart.Disconnect = false, nil
	for name, c := range map[string]struct {
		ct   *crossTrace
		want string
	}{
		"kept apart":                    {apart, "pass"},
		"one story":                     {trace("Connecting/None Connecting/None Connected/None Connected/None Disconnected/None Disconnected/None", 4), "pass"},
		"forgotten by the other":        {trace("Connected/None Connected/None Fault:InvalidCallIdException Disconnected/None", 2), "pass"},
		"other still connected":         {trace("Connected/None Connected/None Connected/None Disconnected/None", 2), "fail"},
		"the two disagree on the order": {trace("Connected/None Connecting/None", 2), "fail"},
		"cause while connected":         {trace("Connected/Other Connected/None", 2), "fail"},
	} {
		if got := verdictOf(judgeE14(c.ct)); got != c.want {
			t.Errorf("%s: %s, want %s (%+v)", name, got, c.want, judgeE14(c.ct))
		}
	}
}

// ewsReferenceEnv starts the reference server with profile and returns an Env aimed at
// both its endpoints.
func ewsReferenceEnv(t *testing.T, profile string) *Env {
	t.Helper()
	h, err := reference.NewHandler(reference.Options{Profile: profile, Step: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := bothAPIsConfig(t, srv.URL)
	cfg.PollInterval, cfg.PollLimit = 2*time.Millisecond, 40
	e, err := NewEnv(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEWSFollowAgainstTheReference follows a call through EWS on the correct reference
// server and on two broken ones.
func TestEWSFollowAgainstTheReference(t *testing.T) {
	ctx := context.Background()
	good := ewsReferenceEnv(t, "")
	tr := good.follow(ctx, good.ewsAPI(), "+15550101") // busy: ends by itself
	if tr.Err != nil || !tr.EndedByItself || tr.Disconnect == nil {
		t.Fatalf("trace: %+v", tr)
	}
	for _, c := range ewsLifecycleChecks {
		if o := ewsJudgeTrace(c.id, tr); !o.Pass {
			t.Errorf("%s on the correct server: %+v", c.id, o)
		}
	}
	for profile, id := range map[string]string{"e9-cause-while-active": "E9", "e12-disconnect-ignored": "E12"} {
		// The answered call stays Connected until the harness ends it, however slowly the
		// machine runs: there is always an answer before the end to judge.
		e := ewsReferenceEnv(t, profile)
		if o := ewsJudgeTrace(id, e.follow(ctx, e.ewsAPI(), reference.DefaultDialString)); verdictOf(o) != "fail" {
			t.Errorf("%s on %s: %+v", id, profile, o)
		}
	}
	// Both directions of the cross-API check: the correct server shares its calls and tells
	// one story; the stale profile does not.
	for profile, want := range map[string]string{"": "pass", "e14-stale-across-apis": "fail"} {
		e := ewsReferenceEnv(t, profile)
		ct := e.traceAcross(ctx, e.umAPI(), e.ewsAPI(), reference.DefaultDialString)
		if got := verdictOf(judgeE14(ct)); got != want || !ct.shared {
			t.Errorf("profile %q, UM to EWS: %s (shared %v), want %s: %+v", profile, got, ct.shared, want, judgeE14(ct))
		}
		ct = e.traceAcross(ctx, e.ewsAPI(), e.umAPI(), reference.DefaultDialString)
		if got := verdictOf(judgeE14(ct)); got != "pass" {
			t.Errorf("profile %q, EWS to UM: %s: %+v", profile, got, judgeE14(ct))
		}
	}
}

// bothAPIsConfig is a run's settings against a reference server at base, both APIs and
// their embedded corpora; tests set what else they need (polling, a tracker).
func bothAPIsConfig(t *testing.T, base string) Config {
	t.Helper()
	u, _ := url.Parse(base + reference.LegacyPath)
	eu, _ := url.Parse(base + reference.EWSPath)
	corpus, err := corpusOnce()
	if err != nil {
		t.Fatal(err)
	}
	ews, err := fixtures.LoadEmbeddedEWS()
	if err != nil {
		t.Fatal(err)
	}
	return Config{Target: u, Validator: validator(t), Timeout: 5 * time.Second, Fixtures: fixtures.Loaded(corpus, nil),
		DialString: reference.DefaultDialString, EntryID: reference.DefaultEntryID,
		EWS: EWSConfig{Target: eu, Validator: ewsValidator(t), Fixtures: fixtures.Loaded(ews, nil)}}
}
