package suites

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// The HTTP probes: what an endpoint answers besides a SOAP POST, judged on both APIs.
//   - H1 (SHOULD), WS-I BP 1.1 R1114: a request with a method other than POST is answered
//     405. The probe is the API's own question about a call no server issued, sent with PUT:
//     a server that ignores the method answers it as SOAP (a Fault about the unknown call),
//     one that reads it refuses it. PUT, not GET: an ASMX or EWS endpoint legally answers GET
//     with its help page or, for ?wsdl, its WSDL. The same answer's 405 is T8's too (a 405
//     carries Allow), so T8 is judged on it as well. One request per API; it places no call.
//   - H2 (MUST), WS-I BP 1.1 R1130: a redirect uses 307 (docs/PROTOCOL.md D12:
//     308 is not 307). The run's client does not follow redirects: a redirect is the
//     endpoint's answer. The pre-flight's answer is judged (no request of its own); a run
//     without one (the embedded reference server) asks the API's question about a call no
//     server issued once. An endpoint that redirects is judged no further, whatever the
//     code: no request goes to it after, every other check of the API says where it
//     points, and the user is told to run again with the Location as the API's URL. The
//     harness never follows a redirect itself: the URL the user named is the one judged,
//     and a redirect to another host would carry the run's credentials there.

// methodProbeID names the H1 probe's request.
const methodProbeID = "put-instead-of-post"

// methodProbe is api's question about the call no server issued (the pre-flight's), sent
// with PUT instead of POST.
func methodProbe(api callAPI) (fixtures.Fixture, error) {
	f, err := api.ep.fixture(api.pollFixture)
	if err != nil {
		return f, err
	}
	post, rest, ok := bytes.Cut(f.Request, []byte(" "))
	if !ok || string(post) != http.MethodPost {
		return f, fmt.Errorf("fixture %s is not a POST request", f.ID)
	}
	probe := f
	probe.ID = api.prefix + methodProbeID
	probe.Title = "the question about a call, sent with PUT"
	probe.Request = append([]byte(http.MethodPut+" "), rest...)
	probe.Expect = fixtures.Expect{Outcome: fixtures.Rejected}
	return probe, nil
}

// declareHTTPProbes declares api's H1 check (with T8 on the same answer) and its H2
// check.
func (e *Env) declareHTTPProbes(api callAPI) {
	var once sync.Once
	var ex *Exchange
	var probeErr error
	send := func(ctx context.Context) (*Exchange, error) {
		once.Do(func() {
			f, err := methodProbe(api)
			if err != nil {
				probeErr = err
				return
			}
			ex = e.send(ctx, api, &request{f: f, v: fixtures.Values{Call: preflightCallID}})
		})
		return ex, probeErr
	}
	scenario := api.prefix + "http-" + methodProbeID
	for _, c := range []struct {
		id, title string
		judge     func(*Exchange) Outcome
	}{
		{"H1", api.titlePrefix + "a request sent with PUT instead of POST is answered 405", judgeH1},
		{"T8", api.titlePrefix + "the answer to a PUT has a well-formed head (a 405 names the allowed methods)", judgeT8},
	} {
		e.Requirement(checkSpec{id: c.id, scenario: scenario, title: c.title,
			judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
				ex, err := send(ctx)
				if err != nil {
					return cannotJudge("%v", err), reports.Evidence{}
				}
				return c.judge(ex), evidence(ex)
			}})
	}
	e.declareMalformedProbe(api)
	e.Requirement(checkSpec{id: "H2", scenario: api.prefix + "http-redirect", title: api.titlePrefix + "the endpoint redirects, if at all, with 307",
		judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
			ex := e.firstAnswer(ctx, api)
			return judgeH2(ex), evidence(ex)
		}})
}

// judgeH1: a request with a method other than POST is answered 405 (R1114). A 401 says
// the credentials were read before the method: no answer to judge.
func judgeH1(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	switch {
	case ex.Status == http.StatusMethodNotAllowed:
		return pass("405; Allow: " + ex.Header.Get("Allow"))
	case ex.Status == http.StatusUnauthorized:
		return cannotJudge("the PUT was answered 401: the endpoint asked for credentials before it read the method (check --auth and the account)")
	case ex.Result.Envelope != "":
		return fail("405 Method Not Allowed: the endpoint takes SOAP requests by POST alone (WS-I BP 1.1 R1114)",
			describe(ex)+": the PUT was processed as a SOAP request", "status line")
	}
	return fail("405 Method Not Allowed: the endpoint takes SOAP requests by POST alone (WS-I BP 1.1 R1114)", describe(ex), "status line")
}

// H1's malformed-request probes: the API's question about a call no server issued, its
// head broken on the way out by the run's own connection (malformed.go), one request per
// API each, no call placed.
type malformedProbeSpec struct {
	kind     breakage
	id       string // the probe's request, and its scenario after "http-"
	title    string // the check's, after the API's prefix
	describe string // the fixture's title
	expected string // the verdict's expectation
}

var malformedProbes = []malformedProbeSpec{
	{breakRequestLine, "malformed-request-line",
		"a request whose request line is malformed (a word between target and version) is answered 400",
		"the question about a call, its request line broken by a word between target and version",
		"400 Bad Request: a malformed request is refused (WS-I BP 1.1 R1113; RFC 9112 section 3)"},
	{breakHost, "request-without-host",
		"an HTTP/1.1 request without a Host field is answered 400",
		"the question about a call, sent as HTTP/1.1 without its Host field",
		"400 Bad Request: an HTTP/1.1 request without Host is refused (RFC 9112 section 3.2, held at SHOULD by H1)"},
	{breakLength, "invalid-content-length",
		"a request whose Content-Length is not a number is answered 400",
		"the question about a call, its Content-Length " + badLength,
		"400 Bad Request, the connection then closed: a request with an invalid Content-Length is refused (RFC 9112 section 6.3, held at SHOULD by H1)"},
}

// malformedProbeID names H1's request-line probe's request.
const malformedProbeID = "malformed-request-line"

// malformedProbe is api's question about the call no server issued, which the run's
// connection sends broken as spec says (malformed.go).
func malformedProbe(api callAPI, spec malformedProbeSpec) (fixtures.Fixture, error) {
	f, err := api.ep.fixture(api.pollFixture)
	if err != nil {
		return f, err
	}
	probe := f
	probe.ID = api.prefix + spec.id
	probe.Title = spec.describe
	probe.Expect = fixtures.Expect{Outcome: fixtures.Rejected}
	return probe, nil
}

// declareMalformedProbe declares H1's checks of malformed requests (WS-I BP 1.1 R1113;
// RFC 9112 sections 3, 3.2 and 6.3, the last two MUSTs held at H1's SHOULD, D16): one
// request per API each, no call placed; none through a proxy or with NTLM, where the
// answer would not be the server's own (RawRequestBlocked).
func (e *Env) declareMalformedProbe(api callAPI) {
	for _, spec := range malformedProbes {
		e.Requirement(checkSpec{id: "H1", scenario: api.prefix + "http-" + spec.id, title: api.titlePrefix + spec.title,
			judge: func(ctx SpecContext) (Outcome, reports.Evidence) { return e.malformedCheck(ctx, api, spec) }})
	}
}

// malformedCheck sends api's request broken as spec says, unless the run cannot judge its
// answer, and judges the answer.
func (e *Env) malformedCheck(ctx context.Context, api callAPI, spec malformedProbeSpec) (Outcome, reports.Evidence) {
	if e.cfg.RawRequestBlocked != nil {
		if why := e.cfg.RawRequestBlocked(api.ep.target); why != "" {
			return Outcome{Skipped: true, Actual: "not judged, because " + why}, reports.Evidence{}
		}
	}
	f, err := malformedProbe(api, spec)
	if err != nil {
		return cannotJudge("%v", err), reports.Evidence{}
	}
	m := newMalformation(api.ep.target, spec.kind)
	// The Host and Content-Length probes go out once: a connection closed without an
	// answer is their failure, not a reason to send the broken request again.
	r := &request{f: f, v: fixtures.Values{Call: preflightCallID}, once: spec.kind != breakRequestLine}
	ex := e.send(m.with(ctx), api, r)
	return judgeMalformed(ex, m, spec), evidence(ex)
}

// judgeMalformed: a malformed request is answered 400 (R1113; RFC 9112 sections 3.2 and
// 6.3). RFC 9112 section 3 lets a server answer an invalid request line with a 301 to the
// target properly encoded, so a 301 passes that probe too (docs/PROTOCOL.md D16). A 401
// says the credentials were read before the request was: no answer to judge, as for the
// PUT. A connection closed without any answer to a request without Host or with an
// invalid Content-Length fails: the rules ask for a 400.
func judgeMalformed(ex *Exchange, m *malformation, spec malformedProbeSpec) Outcome {
	if ex.unsent {
		return cannotJudge("%v", ex.Err)
	}
	line, ok := m.sent()
	if !ok {
		if ex.Err != nil {
			return cannotJudge("no complete response: %v", ex.Err)
		}
		return Outcome{Skipped: true, Actual: "not judged, because the request did not go out on a connection to the target itself (a proxy, or a client of the caller's own): the answer is not the server's"}
	}
	var te *TransportError
	if spec.kind != breakRequestLine && errors.As(ex.Err, &te) && te.Kind == "reset" {
		return fail(spec.expected, fmt.Sprintf("the connection closed without an answer to %q: %v", line, ex.Err), "status line")
	}
	if o, stop := transportProblem(ex); stop {
		return o
	}
	switch {
	case ex.Status == http.StatusBadRequest:
		return pass(fmt.Sprintf("400 to %q", line))
	case ex.Status == http.StatusMovedPermanently && spec.kind == breakRequestLine:
		return pass(fmt.Sprintf("301 to %q, with Location %s (RFC 9112 section 3 allows redirecting an invalid request line to its target encoded)", line, quoteLocation(ex.Header.Get("Location"))))
	case ex.Status == http.StatusUnauthorized:
		return cannotJudge("the malformed request %q was answered 401: the endpoint asked for credentials before it read the request (check --auth and the account)", line)
	case ex.Result.Envelope != "" || ex.Status/100 == 2:
		return fail(spec.expected, fmt.Sprintf("%s to %q: the malformed request was processed", describe(ex), line), "status line")
	}
	return fail(spec.expected, fmt.Sprintf("%s to %q", describe(ex), line), "status line")
}

// redirect says whether ex is a redirect (a 3xx, RFC 9110 section 15.4).
func redirect(ex *Exchange) bool { return ex.Err == nil && ex.Status/100 == 3 }

// judgeH2: an endpoint that redirects uses 307 (R1130).
func judgeH2(ex *Exchange) Outcome {
	if o, stop := transportProblem(ex); stop {
		return o
	}
	if !redirect(ex) {
		return pass(fmt.Sprintf("no redirect: HTTP %d", ex.Status))
	}
	loc := ex.Header.Get("Location")
	if ex.Status == http.StatusTemporaryRedirect {
		return pass("307 to " + quoteLocation(loc) + ": the service there was not judged")
	}
	why := ""
	switch ex.Status {
	case http.StatusPermanentRedirect:
		why = ": 308 keeps the method as 307 does, but came after the profile, and a client built to it follows 307 alone"
	case http.StatusMovedPermanently, http.StatusFound:
		why = ": a client may follow it with GET, losing the SOAP request (RFC 9110 section 15.4)"
	case http.StatusSeeOther:
		why = ": a 303 asks the client to GET another resource, losing the SOAP request"
	}
	return fail("no redirect, or a 307 Temporary Redirect (WS-I BP 1.1 R1130)", fmt.Sprintf("HTTP %d with Location %s%s", ex.Status, quoteLocation(loc), why), "status line and Location")
}

func quoteLocation(loc string) string {
	if loc == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", clip(loc))
}

// firstAnswer is the endpoint's first answer: the pre-flight's, or, in a run without one,
// the API's question about a call no server issued, asked once. A redirect stops the
// endpoint (movedError).
func (e *Env) firstAnswer(ctx context.Context, api callAPI) *Exchange {
	p := api.ep
	p.firstOnce.Do(func() {
		if p.first != nil {
			return
		}
		f, err := p.fixture(api.pollFixture)
		if err != nil {
			p.first = &Exchange{Err: err}
			return
		}
		p.first = e.send(ctx, api, &request{f: f, v: fixtures.Values{Call: preflightCallID}})
		stopAtRedirect(api, p.first)
	})
	return p.first
}

// stopAtRedirect keeps the endpoint's first answer and, when it is a redirect, sends
// nothing more to the endpoint: the service is elsewhere, and each other check would fail
// or error on a page that is not its answer. It says whether it stopped the endpoint.
func stopAtRedirect(api callAPI, ex *Exchange) bool {
	p := api.ep
	if p.first == nil {
		p.first = ex
	}
	if !redirect(ex) {
		return false
	}
	p.breaker.stop(&TransportError{Kind: "stopped", Err: movedError(api, ex)})
	return true
}

// movedError says where a redirecting endpoint points and what to do. It begins with
// reports.RedirectStop: the run's verdicts stand (H2's failure is exit 1).
func movedError(api callAPI, ex *Exchange) error {
	loc := ex.Header.Get("Location")
	if loc == "" {
		return fmt.Errorf("%sthe %s endpoint %s answers HTTP %d with no Location: nothing more was sent to it; pass the URL of the service itself with %s",
			reports.RedirectStop, api.id.Name(), api.ep.target, ex.Status, api.setting)
	}
	abs := loc
	if u, err := url.Parse(loc); err == nil {
		abs = api.ep.target.ResolveReference(u).String() // a Location may be relative (RFC 9110 section 10.2.2)
	}
	return fmt.Errorf("%sthe %s endpoint %s answers HTTP %d with Location %s: nothing more was sent to it (umconform judges the URL it is given and follows no redirect); if that is the service, run again with %s %s",
		reports.RedirectStop, api.id.Name(), api.ep.target, ex.Status, quoteLocation(loc), api.setting, abs)
}

// stop opens the breaker for good, with err as the reason.
func (b *breaker) stop(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}
