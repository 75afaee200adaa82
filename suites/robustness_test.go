package suites

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/umconform/umconform/api"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

func TestJudgeX4(t *testing.T) {
	fault := faultExchange(t)
	tests := []struct {
		name string
		ex   *Exchange
		want string
	}{
		{"413", &Exchange{Status: 413}, "pass"},
		{"fault", fault, "pass"},
		{"processed", &Exchange{Status: 200, Result: schema.Result{Message: "GetCallInfoResponse"}}, "fail"},
		{"IIS 404.13", &Exchange{Status: 404}, "pass"},
		{"a 3xx is no refusal", &Exchange{Status: 302}, "fail"},
		{"a 500 without a Fault is no refusal", &Exchange{Status: 500}, "fail"},
		{"hangs", &Exchange{Err: &TransportError{Kind: "timeout", Err: errors.New("deadline")}}, "fail"},
		{"connection reset", &Exchange{Err: &TransportError{Kind: "reset", Err: errors.New("reset")}}, "cannot judge"},
	}
	for _, tt := range tests {
		if got := verdictOf(judgeX4(tt.ex)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestJudgeNotExpanded(t *testing.T) {
	j := judgeNotExpanded("file:///etc/passwd", regexp.MustCompile(`root:[^:\r\n]*:0:0:`))
	leak := &Exchange{Status: 500, Body: []byte("<faultstring>The call identifier isn't valid. Value: 'root:x:0:0:root:/root:/bin/bash'.</faultstring>")}
	if o := j(leak); o.Pass || o.CannotJudge || !strings.Contains(o.Actual, "root:x:0:0:") {
		t.Errorf("leaked passwd line: %+v, want a failure quoting it", o)
	}
	if o := j(&Exchange{Status: 500, Body: []byte("<faultstring>a SOAP message must not contain a DTD</faultstring>")}); !o.Pass {
		t.Errorf("refused: %+v, want pass", o)
	}
	if o := j(&Exchange{Err: &TransportError{Kind: "timeout", Err: errors.New("deadline")}}); !o.CannotJudge {
		t.Errorf("no response: %+v, want cannot judge", o)
	}
}

func TestJudgeX3(t *testing.T) {
	v := validator(t)
	um := callAPI{id: api.UM, ask: "GetCallInfo", answerOf: answerOf}
	info := func(body string) *Exchange {
		return &Exchange{Status: 200, Body: []byte(body), Result: v.ValidateAs([]byte(body), schema.KindResponse)}
	}
	good := info(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><GetCallInfoResponse><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></GetCallInfoResponse></soap:Body></soap:Envelope>`)
	flat := info(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></soap:Body></soap:Envelope>`)
	if flat.Result.Valid() {
		t.Fatal("the flat response validates; the test needs an invalid one")
	}
	timeout := &Exchange{Err: &TransportError{Kind: "timeout", Err: errors.New("deadline")}}
	refused := &Exchange{Err: &TransportError{Kind: "refused", Err: errors.New("refused")}}
	tlsErr := &Exchange{Err: &TransportError{Kind: "tls", Err: errors.New("bad certificate")}}
	tests := []struct {
		name string
		r    robustRun
		want string
	}{
		{"answered as before", robustRun{api: um, baseline: []*Exchange{good}, healthy: good}, "pass"},
		{"poisoned", robustRun{api: um, baseline: []*Exchange{good}, healthy: faultExchange(t)}, "fail"},
		{"broken only after", robustRun{api: um, baseline: []*Exchange{good}, healthy: flat}, "fail"},
		{"broken before and after: S1's business", robustRun{api: um, baseline: []*Exchange{flat}, healthy: flat}, "pass"},
		{"hangs after", robustRun{api: um, baseline: []*Exchange{good}, healthy: timeout}, "fail"},
		{"died after", robustRun{api: um, baseline: []*Exchange{good}, healthy: refused}, "fail"},
		{"tls trouble", robustRun{api: um, baseline: []*Exchange{good}, healthy: tlsErr}, "cannot judge"},
		{"no call", robustRun{api: um, callErr: errors.New("PlayOnPhone refused")}, "cannot judge"},
		{"no request", robustRun{api: um, err: errors.New("no canary")}, "cannot judge"},
	}
	for _, tt := range tests {
		if got := verdictOf(judgeX3(&tt.r)); got != tt.want {
			t.Errorf("%s: %s, want %s (%+v)", tt.name, got, tt.want, judgeX3(&tt.r))
		}
	}
}

func faultExchange(t *testing.T) *Exchange {
	t.Helper()
	body := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>corrupted</faultstring></soap:Fault></soap:Body></soap:Envelope>`
	return &Exchange{Status: 500, Body: []byte(body), Result: validator(t).ValidateAs([]byte(body), schema.KindResponse)}
}

// TestBuiltRequests: the built-in requests are real wire requests: net/http parses them,
// Content-Length matches, and the body is what the probe claims.
func TestBuiltRequests(t *testing.T) {
	apis := []callAPI{
		{id: api.UM, ask: "GetCallInfo", probeRequest: umProbeRequest, paddedRequest: umPaddedRequest},
		{id: api.EWS, ask: "GetPhoneCallInformation", probeRequest: ewsProbeRequest, paddedRequest: ewsPaddedRequest},
	}
	for _, api := range apis {
		t.Run(api.id.Name(), func(t *testing.T) { testBuiltRequests(t, api) })
	}
}

func testBuiltRequests(t *testing.T, api callAPI) {
	placeholder := map[string]string{"UM": placeholderCallID, "EWS": ewsPlaceholderID}[api.id.Name()]
	for _, mk := range []func(callAPI) (hostile, error){func(api callAPI) (hostile, error) { return canaryProbe(t.TempDir(), api) }, quadraticProbe, oversizedProbe,
		wellKnownProbe("xxe-etc-passwd", "file:///etc/passwd", regexp.MustCompile("root"))} {
		h, err := mk(api)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(h.f.Request)))
		if err != nil {
			t.Fatalf("%s: %v", h.f.ID, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil || int64(len(body)) != req.ContentLength {
			t.Errorf("%s: body %d bytes, Content-Length %d, err %v", h.f.ID, len(body), req.ContentLength, err)
		}
		if op := h.f.Operation(); op != api.ask {
			t.Errorf("%s: operation %q, want %s", h.f.ID, op, api.ask)
		}
		switch h.f.ID {
		case "oversized-10mib":
			if len(body) != oversizedBytes {
				t.Errorf("oversized body is %d bytes, want %d", len(body), oversizedBytes)
			}
			// Otherwise valid: well-formed, with the CallId to bind.
			if err := wellFormed(body); err != nil || bytes.Count(body, []byte(placeholder)) != 1 {
				t.Errorf("oversized body: well-formed error %v, placeholder count %d", err, bytes.Count(body, []byte(placeholder)))
			}
		case "xxe-canary":
			m := regexp.MustCompile(`SYSTEM "file://([^"]+)"`).FindSubmatch(body)
			if m == nil || !strings.Contains(filepath.Base(string(m[1])), "umconform-canary") {
				t.Fatalf("canary request names no umconform-canary file: %s", body)
			}
			path := filepath.FromSlash(string(m[1]))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("canary file: %v", err)
			}
			h.cleanup()
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("canary file %s still there after cleanup: %v", path, err)
			}
		}
		if len(body) > 1<<20 {
			continue
		}
		if !bytes.Contains(body, []byte("<!DOCTYPE")) {
			t.Errorf("%s: no DOCTYPE in %s", h.f.ID, body)
		}
	}
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// TestProbes sends every probe to the reference server: the correct profile passes both
// checks of every probe, and each broken profile trips exactly its own requirement.
func TestProbes(t *testing.T) {
	tests := []struct {
		profile string
		fails   map[string]string // probe ID → requirement that must fail; all else passes
		ews     bool              // the probes are sent to the EWS endpoint
	}{
		{"exchange", nil, false},
		{"exchange", nil, true},
		{"x1-ews-expands-canary", map[string]string{"xxe-canary": "X1"}, true},
		{"x4-ews-no-size-limit", map[string]string{"oversized-10mib": "X4"}, true},
		{"x3-ews-poisoned-after-malformed", map[string]string{"*": "X3"}, true},
		{"x1-ews-expands-canary", nil, false}, // the UM endpoint of the EWS profiles is correct
		{"x1-expands-canary", map[string]string{"xxe-canary": "X1"}, false},
		{"x4-no-size-limit", map[string]string{"oversized-10mib": "X4"}, false},
		{"x3-poisoned-after-malformed", map[string]string{"*": "X3"}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s ews=%v", tt.profile, tt.ews), func(t *testing.T) {
			e := ewsReferenceEnv(t, tt.profile)
			api, least := e.umAPI(), 7
			if tt.ews {
				api, least = e.ewsAPI(), 5
			}
			listX3Probes(e)
			ps := e.probes(api)
			if len(ps) < least {
				t.Fatalf("%d probes, want the canary, two well-known files, the blowup, 10 MiB and (UM) the corpus's X3 fixtures", len(ps))
			}
			for _, p := range ps {
				r := e.runProbe(context.Background(), api, p, true)
				want := map[string]string{p.requirement: "pass", "X3": "pass"}
				if f := tt.fails[p.id] + tt.fails["*"]; f != "" {
					want[f] = "fail"
				}
				if p.requirement != "" {
					if got := verdictOf(r.outcome); got != want[p.requirement] {
						t.Errorf("%s %s: %s, want %s: %s", p.id, p.requirement, got, want[p.requirement], describeRun(r))
					}
				}
				if got := verdictOf(judgeX3(r)); got != want["X3"] {
					t.Errorf("%s X3: %s, want %s (%+v)", p.id, got, want["X3"], judgeX3(r))
				}
			}
		})
	}
}

func describeRun(r *robustRun) string {
	if r.hostile == nil {
		return "no hostile exchange"
	}
	if r.hostile.Err != nil {
		return r.hostile.Err.Error()
	}
	return describe(r.hostile) + ": " + excerpt(r.hostile.Body, 300, r.hostile.bodyLen())
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.8.9.1": true, "::1": true,
		"mail.contoso.com": false, "10.0.0.1": false, "": false} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v", host, got)
		}
	}
}

func TestFileURI(t *testing.T) {
	if got := fileURI("/tmp/umconform-canary-1.txt"); got != "file:///tmp/umconform-canary-1.txt" {
		t.Errorf("fileURI: %s", got)
	}
}

// listX3Probes lists the corpus's X3 probes as a run's replay declaration does before the
// robustness suite is declared (declareReplay), for tests that ask for the probes alone.
func listX3Probes(e *Env) {
	e.um.x3Fixtures = nil
	for f := range e.cfg.Fixtures.All() {
		if isX3Probe(f) {
			e.um.x3Fixtures = append(e.um.x3Fixtures, f.ID)
		}
	}
}

// TestCorpusX3Probes: the corpus's malformed requests naming X3 are followed by the healthy
// question too.
func TestCorpusX3Probes(t *testing.T) {
	e := referenceEnv(t, "exchange", 5)
	var fromCorpus []string
	listX3Probes(e)
	for _, p := range e.probes(e.umAPI()) {
		if _, ok := e.cfg.Fixtures.Lookup(p.id); ok {
			fromCorpus = append(fromCorpus, p.id)
		}
	}
	want := []string{}
	for f := range e.cfg.Fixtures.All() {
		if f.Expect.Outcome != fixtures.Success && slices.Contains(f.Requirements, "X3") {
			want = append(want, f.ID)
		}
	}
	if strings.Join(fromCorpus, ",") != strings.Join(want, ",") || len(want) == 0 {
		t.Errorf("corpus probes %v, want %v (non-empty)", fromCorpus, want)
	}
}
