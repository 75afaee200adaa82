package suites

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/api"
	"github.com/umconform/umconform/generate"
	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/schema"
)

// generatedEnv is an Env of both APIs whose target is the correct reference server behind drop,
// which may drop a request's connection unanswered instead.
func generatedEnv(t *testing.T, drop func(body []byte) bool) *Env {
	return interceptedEnv(t, func(_ http.ResponseWriter, body []byte) bool {
		if drop(body) {
			panic(http.ErrAbortHandler) // the connection is closed unanswered
		}
		return false
	})
}

// interceptedEnv is an Env of both APIs whose target is the correct reference server behind
// intercept, which answers a request itself when it returns true.
func interceptedEnv(t *testing.T, intercept func(w http.ResponseWriter, body []byte) bool) *Env {
	t.Helper()
	h, err := reference.NewHandler(reference.Options{Step: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if intercept(w, body) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e, err := NewEnv(bothAPIsConfig(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func generatedRequest(t *testing.T, e *Env, id string) generate.Request {
	t.Helper()
	reqs, err := e.generatedRequests(e.umAPI())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range reqs {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("no generated request %s", id)
	return generate.Request{}
}

// TestGeneratedResetIsSentAgain: a generated request whose connection is dropped once is
// sent again and judged on the answer (a transient fault is no failure); one dropped every
// time fails G2, and the others (G1, G3) cannot judge it.
func TestGeneratedResetIsSentAgain(t *testing.T) {
	var dropped atomic.Int32
	once := generatedEnv(t, func(body []byte) bool {
		return bytes.Contains(body, []byte(`xsi:nil`)) && dropped.Add(1) == 1
	})
	g := generatedRequest(t, once, "gen-gci-nil-callid")
	r := once.runGenerated(context.Background(), once.umAPI(), g, g.Fixture(0), false)
	if o := judgeGenAnswered(g, r); !o.Pass || r.first == nil || dropped.Load() != 2 {
		t.Errorf("dropped once: G2 %+v after %d attempts, want a pass noting the transient fault", o, dropped.Load())
	}
	if o := judgeGenRefused(g, r); !o.Pass {
		t.Errorf("dropped once: G3 %+v, want the second answer (a Fault) judged", o)
	}

	always := generatedEnv(t, func(body []byte) bool { return bytes.Contains(body, []byte(`xsi:nil`)) })
	r = always.runGenerated(context.Background(), always.umAPI(), g, g.Fixture(0), false)
	if o := judgeGenAnswered(g, r); o.Pass || o.CannotJudge {
		t.Errorf("dropped every time: G2 %+v, want a failure", o)
	}
	if o := judgeGenSOAP(g, r); !o.CannotJudge {
		t.Errorf("dropped every time: G1 %+v, want cannot judge (no answer: G2's)", o)
	}
	if always.Stopped() != "" {
		t.Errorf("a generated request's recurring reset opened the breaker: %s", always.Stopped())
	}
}

// TestGeneratedSilenceIsBounded: past breakerLimit generated requests in a row that got no
// answer, twice each, the API's other generated requests are not sent.
func TestGeneratedSilenceIsBounded(t *testing.T) {
	var posts atomic.Int32
	e := generatedEnv(t, func([]byte) bool { posts.Add(1); return true })
	reqs, err := e.generatedRequests(e.umAPI())
	if err != nil {
		t.Fatal(err)
	}
	var stopped int
	for _, g := range reqs {
		if r := e.runGenerated(context.Background(), e.umAPI(), g, g.Fixture(0), false); r.err != nil {
			stopped++
		}
	}
	if posts.Load() != 2*breakerLimit || stopped != len(reqs)-breakerLimit {
		t.Errorf("%d requests posted, %d not sent of %d; want %d posted and the rest not sent", posts.Load(), stopped, len(reqs), 2*breakerLimit)
	}
}

// TestGeneratedSpoiledCallsAreBounded: against a server that answers the first question
// about each call and a Server fault to every later one (each call spoiled by the request
// between), the generated requests place at most maxSpoiled+1 shared calls, not one per
// request.
func TestGeneratedSpoiledCallsAreBounded(t *testing.T) {
	unknown := []byte(generate.UnknownID(generate.UM, 0))
	var mu sync.Mutex
	asked := 0 // questions about the newest call
	e := interceptedEnv(t, func(w http.ResponseWriter, body []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case bytes.Contains(body, []byte("<PlayOnPhone")):
			asked = 0
		case bytes.Contains(body, []byte("<GetCallInfo")) && !bytes.Contains(body, unknown):
			if asked++; asked > 1 {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>spoiled</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
				return true
			}
		}
		return false
	})
	reqs, err := e.generatedRequests(e.umAPI())
	if err != nil {
		t.Fatal(err)
	}
	failedX3 := 0
	for _, g := range reqs {
		if r := e.runGenerated(context.Background(), e.umAPI(), g, g.Fixture(0), true); verdictOf(judgeX3(&r.robustRun)) == "fail" {
			failedX3++
		}
	}
	const most = 3 // the first call and maxSpoiled (2) replacements: a number, not the constant, so the test sees a change of it
	if n := e.Placed(); n == 0 || n > most || failedX3 == 0 {
		t.Errorf("%d calls placed for %d generated requests (%d X3 failures), want 1 to %d and failures", n, len(reqs), failedX3, most)
	}
}

// TestGeneratedRequestsPerAPI: a default run's generated requests, their X3 questions and
// the baseline before the first send at most 100 requests to each API, PlayOnPhone none.
func TestGeneratedRequestsPerAPI(t *testing.T) {
	var mu sync.Mutex
	posts := map[string]int{}
	e := interceptedEnv(t, func(_ http.ResponseWriter, body []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		api := "UM"
		if bytes.Contains(body, []byte("RequestServerVersion")) {
			api = "EWS"
		}
		if bytes.Contains(body, []byte("PlayOnPhone")) {
			api += " PlayOnPhone"
		}
		posts[api]++
		return false
	})
	for _, api := range e.apis() {
		reqs, err := e.generatedRequests(api)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range reqs {
			e.runGenerated(context.Background(), api, g, g.Fixture(0), true)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, api := range []string{"UM", "EWS"} {
		if posts[api] == 0 || posts[api] > 100 {
			t.Errorf("%s: %d requests, want 1 to 100", api, posts[api])
		}
	}
	if posts["UM PlayOnPhone"] != 1 || posts["EWS PlayOnPhone"] != 1 {
		t.Errorf("PlayOnPhone requests %d (UM) and %d (EWS), want the shared call's alone", posts["UM PlayOnPhone"], posts["EWS PlayOnPhone"])
	}
	t.Logf("requests: %v", posts)
}

// TestJudgeGenSchemaError (G4): ErrorSchemaValidation counts in a Fault's code, its detail
// or (behind a generic code) its text, and in an Error response; another code does not,
// but ErrorInvalidServerVersion does for a rejected RequestServerVersion.
func TestJudgeGenSchemaError(t *testing.T) {
	v := ewsValidator(t)
	ex := func(status int, body string) *genRun {
		doc := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` + body + `</s:Body></s:Envelope>`
		e := &Exchange{Status: status, Operation: "GetPhoneCallInformation", Body: []byte(doc), Result: v.ValidateAs([]byte(doc), schema.KindResponse)}
		return &genRun{robustRun: robustRun{api: callAPI{id: api.EWS, describe: ewsDescribe}, hostile: e}}
	}
	fault := func(code, text string) string {
		return `<s:Fault><faultcode>` + code + `</faultcode><faultstring>` + text + `</faultstring></s:Fault>`
	}
	errorResponse := func(code string) string {
		return `<m:GetPhoneCallInformationResponse ResponseClass="Error" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:MessageText>x</m:MessageText><m:ResponseCode>` + code + `</m:ResponseCode></m:GetPhoneCallInformationResponse>`
	}
	body, header := generate.Request{API: generate.EWS}, generate.Request{API: generate.EWS, Header: true}
	for _, tt := range []struct {
		name string
		g    generate.Request
		r    *genRun
		want string
	}{
		{"faultcode", body, ex(500, `<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorSchemaValidation</faultcode><faultstring>bad</faultstring></s:Fault>`), "pass"},
		{"Client fault naming it", body, ex(500, fault("s:Client", "ErrorSchemaValidation: The request failed schema validation.")), "pass"},
		{"Client fault naming another", body, ex(500, fault("s:Client", "NoErrorSchemaValidationHere")), "fail"},
		{"error response", body, ex(200, errorResponse("ErrorSchemaValidation")), "pass"},
		{"error response, another code", body, ex(200, errorResponse("ErrorInvalidPhoneCallId")), "fail"},
		{"version code for a body mutation", body, ex(200, errorResponse("ErrorInvalidServerVersion")), "fail"},
		{"version code for a header mutation", header, ex(200, errorResponse("ErrorInvalidServerVersion")), "pass"},
		{"no SOAP message: G1's", body, &genRun{robustRun: robustRun{api: callAPI{id: api.EWS, describe: ewsDescribe}, hostile: &Exchange{Status: 500, Body: []byte("<html/>")}}}, "pass"},
	} {
		if got := verdictOf(judgeGenSchemaError(tt.g, tt.r)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
