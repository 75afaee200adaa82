package suites

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
)

// oversizedBytes is the body size of the X4 request: "an oversized request (10 MiB)".
const oversizedBytes = 10 << 20

// baselinePolls is how often the robustness suite asks about its call before the hostile
// request, waiting for call information: a server may not answer the first question about a
// new call (that is L1's business, not X3's).
const baselinePolls = 3

// placeholderCallID is the CallId text of the built-in requests that the live call's
// CallId replaces, as fixtures bind theirs.
const placeholderCallID = "UMCONFORM-LIVE-CALLID"

// hostile is one hostile request ready to send, and how its own answer is judged.
type hostile struct {
	f       fixtures.Fixture
	judge   func(*Exchange) Outcome // nil when only X3 is judged
	cleanup func()
}

// probe is a hostile request the robustness suite sends to a server that has a live call;
// the call is asked about before and after (X3).
type probe struct {
	id          string
	title       string
	requirement string // judged on the hostile request's answer; "" when only X3 is
	needsCall   bool   // the hostile request names a live call
	make        func(callAPI) (hostile, error)
}

// robustRun is what one probe saw.
type robustRun struct {
	callID   string
	baseline []*Exchange // GetCallInfo before the hostile request
	hostile  *Exchange
	outcome  Outcome   // the probe's own requirement judged on the hostile exchange, whole
	healthy  *Exchange // GetCallInfo after it
	callErr  error     // the call could not be placed or was never reported
	err      error     // the hostile request could not be made
	api      callAPI   // the API the probe was sent to
}

// probes lists the hostile requests for api at this target. Which exist is decided here,
// before the run, from the target's address and the corpus.
func (e *Env) probes(api callAPI) []probe {
	var ps []probe
	if isLoopback(api.sender.Target.Hostname()) {
		// The target runs on this host: a file only this run created proves expansion
		// beyond doubt, and its random content cannot turn up by chance.
		ps = append(ps, probe{id: "xxe-canary", requirement: "X1",
			title: "an external entity naming a canary file on this host (the target is on loopback) is not expanded",
			make:  func(api callAPI) (hostile, error) { return canaryProbe(e.cfg.WorkDir, api) }})
	}
	// Out of band: an entity naming a URL of the run's canary listener, which a server
	// that expands it fetches, whatever it answers.
	ps = append(ps, probe{id: "xxe-canary-url", requirement: "X1",
		title: "an external entity naming a URL on the run's canary listener is neither fetched nor expanded",
		make:  e.canaryURLProbe})
	// A remote target's files are unknown; these two exist on every Windows and Linux host
	// and their first lines are unmistakable. They are sent to loopback targets too, which
	// may be tunnels to a remote server.
	ps = append(ps,
		probe{id: "xxe-etc-passwd", requirement: "X1",
			title: "an external entity naming file:///etc/passwd (Linux hosts) is not expanded",
			make:  wellKnownProbe("xxe-etc-passwd", "file:///etc/passwd", regexp.MustCompile(`root:[^:\r\n]*:0:0:`))},
		probe{id: "xxe-win-ini", requirement: "X1",
			title: "an external entity naming file:///c:/windows/win.ini (Windows hosts) is not expanded",
			make:  wellKnownProbe("xxe-win-ini", "file:///c:/windows/win.ini", regexp.MustCompile(`(?i); for 16-bit app support|\[fonts\][\s\S]*\[extensions\]`))},
		probe{id: "quadratic-blowup", requirement: "X2",
			title: "a quadratic entity blowup (one 20 KB entity referenced 10 000 times, 200 MB expanded) is refused within the timeout",
			make:  quadraticProbe},
		probe{id: "oversized-10mib", requirement: "X4",
			title: "a valid GetCallInfo padded to 10 MiB is refused (413 or Fault) within the timeout",
			make:  oversizedProbe, needsCall: true},
	)
	if api.name != "UM" {
		for i := range ps {
			ps[i].title = strings.ReplaceAll(ps[i].title, "GetCallInfo", api.ask)
		}
		return ps
	}
	// The corpus's malformed requests that name X3 get the healthy question after them too;
	// the replay judges only their own answers. The replay's declaration, which comes
	// first (Declare), lists them as it goes: going through the corpus again would read a
	// large one again (Stream.Park).
	for _, id := range e.x3Fixtures {
		f, _ := e.cfg.Fixtures.Lookup(id) // listed from this corpus
		// The probe looks its fixture up when it is sent: held until then, a large
		// corpus's probes kept their recordings for the whole run.
		ps = append(ps, probe{id: id, title: f.Title, needsCall: f.BindCallID != "", make: func(callAPI) (hostile, error) {
			f, ok := e.cfg.Fixtures.Lookup(id)
			if !ok {
				return hostile{}, fmt.Errorf("fixture %s is not in the corpus", id)
			}
			return hostile{f: f}, nil
		}})
	}
	return ps
}

// isX3Probe says whether f is one of the corpus's malformed requests that name X3.
func isX3Probe(f fixtures.Fixture) bool {
	return f.Expect.Outcome != fixtures.Success && slices.Contains(f.Requirements, "X3")
}

// declareRobustness declares the UM web service's hostile requests (declareProbes).
func (e *Env) declareRobustness() {
	e.container("robustness", []string{"robustness"}, func() { e.declareProbes(e.umAPI()) })
}

// declareProbes declares, for every probe sent to api, the check of its own requirement and
// the X3 check of the healthy question about the shared call after it.
func (e *Env) declareProbes(api callAPI) {
	{
		for _, p := range e.probes(api) {
			scenario := api.prefix + "robustness-" + p.id
			health := checkSpec{id: "X3", scenario: scenario, title: api.titlePrefix + "a live call is still answered correctly after " + p.id + " (" + p.title + ")", placesCall: true}
			// The probe asks about a live call only for its X3 check, or when its hostile
			// request names one: with X3 filtered out (say by '!places-call'), X1, X2
			// and X4 are judged without ringing a phone.
			_, withCall := e.plan(health)
			withCall = withCall || p.needsCall
			m := &robustMemo{}
			run := func(ctx context.Context) *robustRun {
				m.once.Do(func() { m.run = e.runProbe(ctx, api, p, withCall) })
				return m.run
			}
			timeout := time.Duration(baselinePolls+5)*(e.cfg.Timeout+e.cfg.PollInterval) + 5*time.Second
			if p.requirement != "" {
				e.Requirement(checkSpec{id: p.requirement, scenario: scenario, title: api.titlePrefix + p.id + ": " + p.title, timeout: timeout, placesCall: p.needsCall,
					judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
						r := run(ctx)
						if r.err != nil {
							return cannotJudgeFor(r.err, "%v", r.err), reports.Evidence{}
						}
						return r.outcome, evidence(r.hostile)
					}})
			}
			health.timeout = timeout
			health.judge = func(ctx SpecContext) (Outcome, reports.Evidence) {
				r := run(ctx)
				if r.healthy == nil {
					return judgeX3(r), reports.Evidence{}
				}
				return judgeX3(r), evidence(r.healthy)
			}
			e.Requirement(health)
		}
	}
}

type robustMemo struct {
	once sync.Once
	run  *robustRun
}

// runProbe takes the shared live call, waits until the target reports it, sends the hostile
// request and asks about the call again. X3's broken servers spoil calls placed before the
// malformed request, so the order matters; a spoiled call is not shared further.
func (e *Env) runProbe(ctx context.Context, api callAPI, p probe, withCall bool) *robustRun {
	r := &robustRun{api: api}
	h, err := p.make(api)
	if err != nil {
		r.err = &TransportError{Kind: "setup", Err: fmt.Errorf("building the %s request: %w", p.id, err)}
		return r
	}
	if h.cleanup != nil {
		defer h.cleanup()
	}
	switch {
	case !withCall:
		r.callErr = errors.New("no call was placed: the run selects no check that needs one")
	default:
		r.callErr = e.awaitShared(ctx, api, r)
	}
	if r.callID == "" && (h.f.BindCallID != "" || h.f.BindPhoneCallID != "") {
		r.err = fmt.Errorf("the %s request needs a live call: %w", p.id, r.callErr)
		return r
	}
	if err := api.breaker.open(); err != nil {
		r.err = err
		return r
	}
	v := fixtures.Values{CallID: r.callID, PhoneCallID: r.callID, EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}
	if h.judge != nil { // judged here, on the whole body: X1 looks for a file's content anywhere in it
		r.hostile, r.outcome = api.sender.SendAndJudge(ctx, h.f, v, h.judge)
	} else {
		r.hostile = api.sender.Send(ctx, h.f, v)
	}
	api.breaker.record(r.hostile.Err)
	if r.callErr == nil {
		var a answer
		r.healthy, a = api.query(ctx, r.callID, len(r.baseline))
		// A follow-up that met no complete response is asked once more before X3 blames
		// the hostile request for it: a reset or a timeout may be the network's (a
		// balancer's idle close), and the question changes nothing.
		if first := r.healthy; noAnswer(first) {
			r.healthy, a = api.query(ctx, r.callID, len(r.baseline))
			r.healthy.Retries = append([]string{fmt.Sprintf("the first %s after the hostile request got no complete response (%v): asked again before judging X3", api.ask, first.Err)}, r.healthy.Retries...)
		}
		// A call the hostile request spoiled is no call to share: the next probe places
		// a new one. A healthy answer keeps it for the next.
		if r.healthy.Err != nil || !a.isInfo() || a.State == stateDisconnected {
			api.shared.retireID(ctx, api, r.callID, a)
		}
	}
	return r
}

// awaitShared takes the shared live call for a probe and asks about it until the target
// reports it, so that X3 compares an answer after the hostile request with one before it.
// A shared call seen live before, or reported ended now, is replaced, once; one never
// reported is kept, so that a target that never reports calls costs one call, not one per probe.
func (e *Env) awaitShared(ctx context.Context, api callAPI, r *robustRun) error {
	for retried := false; ; retried = true {
		id, err := e.share(ctx, api.shared, api)
		if err != nil {
			return err
		}
		wasLive := api.shared.seenLive(id)
		r.callID, r.baseline = id, nil
		last, err := e.awaitCall(ctx, api, r)
		// A call reported ended was reported: the target reads calls, so a new one costs
		// one call, not one per probe (the pre-flight's call is shared before anyone asked
		// about it, and a server that mixes calls up may have ended it with another).
		ended := last.Response && last.State == stateDisconnected
		if err == nil || retried || !(wasLive || ended) || len(r.baseline) == 0 || r.baseline[len(r.baseline)-1].Err != nil {
			return err
		}
		api.shared.retireID(ctx, api, id, last)
	}
}

// awaitCall asks about the new call until the target reports it, so that X3 compares an
// answer after the hostile request with one before it.
func (e *Env) awaitCall(ctx context.Context, api callAPI, r *robustRun) (answer, error) {
	var a answer
	for i := range baselinePolls {
		if i > 0 && !sleep(ctx, e.cfg.PollInterval) {
			return a, fmt.Errorf("ran out of time waiting for the call: %w", context.Cause(ctx))
		}
		var ex *Exchange
		ex, a = api.query(ctx, r.callID, i)
		r.baseline = append(r.baseline, ex)
		if ex.Err != nil {
			return a, fmt.Errorf("asking about the call before the hostile request: %w", ex.Err)
		}
		if a.Response {
			if a.State == stateDisconnected { // it ended by itself: no live call
				return a, fmt.Errorf("the call was reported %s before the hostile request", a)
			}
			api.shared.observe(ctx, api, r.callID, a)
			return a, nil
		}
	}
	return a, fmt.Errorf("the new call was never reported: %d %s answers without call information (last: %s)", baselinePolls, api.ask, a)
}

// noAnswer says whether ex met a transport failure X3 would blame on the hostile request.
func noAnswer(ex *Exchange) bool {
	var te *TransportError
	if !errors.As(ex.Err, &te) {
		return false
	}
	switch te.Kind {
	case "timeout", "refused", "reset", "truncated":
		return true
	}
	return false
}

// judgeX3: the GetCallInfo after the hostile request is valid call information. The server
// answered the same question before it, so a timeout or a refused or dropped connection now,
// when asking again met one too, is the hostile request's doing: a failure, not a reason not
// to judge. A busy answer is not: the target is throttling, and X3 cannot be judged.
func judgeX3(r *robustRun) Outcome {
	switch {
	case r.err != nil:
		return cannotJudgeFor(r.err, "%v", r.err)
	case r.callErr != nil:
		return cannotJudgeFor(r.callErr, "no live call to ask about: %v", r.callErr)
	case r.healthy == nil:
		return cannotJudge("no question about the call was sent after the hostile request")
	}
	ex := r.healthy
	if noAnswer(ex) { // asked twice (runProbe), sent again after resets (retry.go)
		return fail("call information for the live call, as before the hostile request", ex.Err.Error(), "the "+r.api.ask+"s after the hostile request")
	}
	if o, stop := transportProblem(ex); stop {
		return o
	}
	a := answerOf(ex)
	if r.api.name == "EWS" {
		a = ewsAnswerOf(ex)
	}
	if !a.Response {
		return fail("call information for the live call, as before the hostile request", a.String(), "the "+r.api.ask+" after the hostile request")
	}
	// Correctly means as well as before: a server whose every answer breaks the schema is
	// S1's business, one whose answers break only after the hostile request is X3's.
	before := r.baseline[len(r.baseline)-1]
	if len(before.Result.Violations) == 0 && len(ex.Result.Violations) > 0 {
		v := ex.Result.Violations[0]
		return Outcome{Expected: "a valid " + r.api.ask + "Response, as before the hostile request", Actual: v.Message,
			Where: fmt.Sprintf("the %s after the hostile request, response line %d %s", r.api.ask, v.Line, v.Path), Violations: ex.Result.Violations}
	}
	return pass("answered " + a.String())
}

// judgeNotExpanded (X1): the response does not carry the referenced file's content.
func judgeNotExpanded(file string, telltale *regexp.Regexp) func(*Exchange) Outcome {
	return func(ex *Exchange) Outcome {
		if o, stop := transportProblem(ex); stop {
			return o
		}
		if loc := telltale.FindIndex(ex.Body); loc != nil {
			return fail("the content of "+file+" nowhere in the response", fmt.Sprintf("%q", ex.Body[loc[0]:loc[1]]),
				fmt.Sprintf("response body, byte %d", loc[0]))
		}
		return pass("")
	}
}

// judgeX4: a 10 MiB request is refused with a 4xx (413; IIS answers 404.13) or a Fault,
// and not by hanging.
func judgeX4(ex *Exchange) Outcome {
	if o, stop := hangs(ex); stop {
		return o
	}
	if (ex.Status >= 400 && ex.Status < 500) || ex.Result.IsFault() {
		return pass("")
	}
	return fail("a 4xx status (413) or a SOAP Fault for a 10 MiB request", describe(ex), "status line and /Envelope/Body")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// canaryProbe writes a canary file in dir (its name contains "umconform-canary", its
// content a random token that appears nowhere in the request) and references it as an
// external entity in api's request. The file is removed when the probe is done. dir is the
// run's work folder, not /tmp: a container's empty root has no /tmp and may be read-only.
func canaryProbe(dir string, api callAPI) (hostile, error) {
	token, err := randomHex(16)
	if err != nil {
		return hostile{}, err
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return hostile{}, fmt.Errorf("creating the canary file: %w", err)
		}
	}
	f, err := os.CreateTemp(dir, "umconform-canary-*.txt")
	if err != nil {
		return hostile{}, fmt.Errorf("creating the canary file: %w", err)
	}
	path := f.Name()
	cleanup := func() { os.Remove(path) }
	_, werr := f.WriteString(token)
	cerr := f.Close()
	// Readable by a target running as another user on this host.
	if err := errors.Join(werr, cerr, os.Chmod(path, 0o644)); err != nil {
		cleanup()
		return hostile{}, fmt.Errorf("writing the canary file %s: %w", path, err)
	}
	uri := fileURI(path)
	h := hostile{f: xxeRequest(api, "xxe-canary", uri), cleanup: cleanup,
		judge: judgeNotExpanded(uri, regexp.MustCompile(regexp.QuoteMeta(token)))}
	if bytes.Contains(h.f.Request, []byte(token)) {
		cleanup()
		return hostile{}, fmt.Errorf("canary token %s occurs in its own request", token)
	}
	return h, nil
}

func wellKnownProbe(id, uri string, telltale *regexp.Regexp) func(callAPI) (hostile, error) {
	return func(api callAPI) (hostile, error) {
		return hostile{f: xxeRequest(api, id, uri), judge: judgeNotExpanded(uri, telltale)}, nil
	}
}

// fileURI turns a local path into a file URI (file:///tmp/x, file:///C:/Users/x).
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file://" + p
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// xxeRequest is a question about a call whose CallId (or PhoneCallId's text) is an external
// entity naming uri: a server that expands it and echoes the id (in a fault, say) shows the
// file's content.
func xxeRequest(api callAPI, id, uri string) fixtures.Fixture {
	if api.name == "EWS" {
		return ewsXXERequest(id, uri)
	}
	return api.probeRequest(id, `<!DOCTYPE soap:Envelope [
  <!ENTITY xxe SYSTEM "`+uri+`">
]>
`, "&xxe;")
}

// umProbeRequest is a GetCallInfo whose CallId is payload, after prolog.
func umProbeRequest(id, prolog, payload string) fixtures.Fixture {
	body := `<?xml version="1.0" encoding="utf-8"?>
` + prolog + envelope(`<GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>`+payload+`</CallId>
    </GetCallInfo>`)
	return wireRequest(id, "GetCallInfo", fixtures.Rejected, "", []byte(body))
}

// quadraticProbe: one large entity referenced many times. Parsers that cap nesting depth
// (the billion-laughs defence) but not the total expansion still blow up on it.
func quadraticProbe(api callAPI) (hostile, error) {
	var refs strings.Builder
	for range 10000 {
		refs.WriteString("&a;")
	}
	f := api.probeRequest("quadratic-blowup", `<!DOCTYPE soap:Envelope [
  <!ENTITY a "`+strings.Repeat("x", 20000)+`">
]>
`, refs.String())
	return hostile{f: f, judge: judgeX2}, nil
}

// oversizedProbe: a question about the live call, otherwise valid, padded to 10 MiB.
func oversizedProbe(api callAPI) (hostile, error) {
	return hostile{f: api.paddedRequest("oversized-10mib", oversizedBytes), judge: judgeX4}, nil
}

// umPaddedRequest is a GetCallInfo for the live call padded to n bytes with a comment, so
// that only its size can be the reason to refuse it. The comment follows the Body, where
// readers that stop at the operation element (ours too) never scan it.
func umPaddedRequest(id string, n int) fixtures.Fixture {
	head := `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>` + placeholderCallID + `</CallId>
    </GetCallInfo>
  </soap:Body>
  <!-- `
	return wireRequest(id, "GetCallInfo", fixtures.Rejected, placeholderCallID, padded(head, n))
}

// padded closes head's comment and envelope, padding the comment to make n bytes.
func padded(head string, n int) []byte {
	tail := ` -->
</soap:Envelope>
`
	pad := n - len(head) - len(tail)
	const unit = "umconform X4 padding "
	return []byte(head + strings.Repeat(unit, pad/len(unit)+1)[:pad] + tail)
}

// envelope wraps a Body child in the documentation's SOAP 1.1 envelope.
func envelope(op string) string {
	return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    ` + op + `
  </soap:Body>
</soap:Envelope>
`
}

// wireRequest frames body as the documentation's requests are framed, so that a built-in
// request differs from a recorded one only in what it is built to test.
func wireRequest(id, op string, outcome fixtures.Outcome, bindCallID string, body []byte) fixtures.Fixture {
	var raw bytes.Buffer
	raw.Grow(len(body) + 256)
	fmt.Fprintf(&raw, "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: mail.contoso.com\r\nContent-Type: text/xml; charset=utf-8\r\n"+
		"SOAPAction: \"http://schemas.microsoft.com/exchange/services/2006/messages/%s\"\r\nContent-Length: %d\r\n\r\n", op, len(body))
	raw.Write(body)
	return fixtures.Fixture{ID: id, Title: id, Expect: fixtures.Expect{Outcome: outcome}, BindCallID: bindCallID, Request: raw.Bytes()}
}
