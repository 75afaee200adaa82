package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// readQuestion matches the Body child of a question about a call (GetCallInfo, EWS
// GetPhoneCallInformation): the requests a run may send again after a transient fault.
var readQuestion = regexp.MustCompile(`<([A-Za-z_][\w.-]*:)?(GetCallInfo|GetPhoneCallInformation)[\s/>]`)

// firstQuestions applies fault to the first n questions about a call the proxy sees, and
// relays everything else.
func firstQuestions(n int32, fault func(w http.ResponseWriter)) faultFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request, body []byte, _ int) bool {
		if !readQuestion.Match(body) || seen.Add(1) > n {
			return false
		}
		fault(w)
		return true
	}
}

// busy503 answers as IIS does under load.
func busy503(retryAfter string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html; charset=us-ascii")
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p></BODY></HTML>")
	}
}

// serverBusy answers as Exchange Online throttles an EWS request: HTTP 500, a SOAP Fault
// whose detail says ErrorServerBusy and, in its MessageXml, how long to back off.
func serverBusy(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>`+
		`<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>`+
		`<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>`+
		`<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>`+
		`<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>`+
		`<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">300</t:Value></t:MessageXml>`+
		`</detail></s:Fault></s:Body></s:Envelope>`)
}

// TestTransientFaults: a busy or briefly unreachable target is no failing one. Behind a
// proxy that throttles or drops the first questions about a call, the run sends them again
// after the wait the target asked for, passes (exit 0), and says what it cost: the console,
// report.json and the evidence of the checks of the exchanges sent again. No PlayOnPhone is
// ever sent again. The lifecycle checks alone keep the runs short: their questions are the
// ones faulted.
func TestTransientFaults(t *testing.T) {
	cases := []struct {
		name   string
		ews    bool
		fault  faultFunc
		faults int32
		want   string // in the run's account of its retries
	}{
		{"503 with Retry-After", false, firstQuestions(2, busy503("1")), 2, "2 busy or throttling answers"},
		{"connection reset", false, firstQuestions(1, reset), 1, "1 reset connections"},
		{"EWS ErrorServerBusy", true, firstQuestions(1, serverBusy), 1, "EWS endpoint: 1 requests sent again after transient faults (1 busy or throttling answers)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, dir := newFaultProxy(t, reference.ProfileExchange, c.fault), t.TempDir()
			target, filter := []string{"--target", p.URL}, "lifecycle && !ews"
			if c.ews {
				target, filter = []string{"--ews-target", p.EWSURL}, "E4 || E8"
			}
			args := append(append([]string{"run"}, target...), "--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
				"--report-dir", dir, "--poll-interval", "10ms", "--poll-limit", "20", "--label-filter", filter)
			res := umconform(t, nil, args...)
			if res.code != 0 {
				t.Errorf("exit %d, want 0\n%s\n%s", res.code, tail(res.stdout), res.stderr)
			}
			if n := p.faulted.Load(); n != c.faults {
				t.Errorf("the proxy faulted %d requests, want %d", n, c.faults)
			}
			var report struct {
				CallsPlaced int    `json:"calls_placed"`
				Retries     string `json:"retries"`
				Checks      []struct {
					Name     string `json:"name"`
					Verdict  string `json:"verdict"`
					Evidence struct {
						Retries []string `json:"retries"`
					} `json:"evidence"`
				} `json:"checks"`
			}
			if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "report.json")), &report); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(report.Retries, c.want) {
				t.Errorf("report.json retries %q, want it to say %q", report.Retries, c.want)
			}
			if !strings.Contains(res.stdout, "Transient faults: ") || !strings.Contains(res.stdout, c.want) {
				t.Errorf("the console does not account for the retries:\n%s", tail(res.stdout))
			}
			if html := string(mustRead(t, filepath.Join(dir, "report.html"))); !strings.Contains(html, "<dt>Transient faults</dt>") {
				t.Errorf("report.html does not account for the retries")
			}
			if junit := string(mustRead(t, filepath.Join(dir, "junit.xml"))); !strings.Contains(junit, `<property name="retries" value="`) {
				t.Errorf("junit.xml has no retries property")
			}
			shown := 0
			for _, ch := range report.Checks {
				if strings.Contains(strings.Join(ch.Evidence.Retries, "\n"), "sent it again") {
					shown++
				}
			}
			if shown == 0 {
				t.Errorf("no check's evidence shows a request sent again\n%s", regexp.MustCompile(`(?m)^.*"(retries|name)".*$`).FindAllString(string(mustRead(t, filepath.Join(dir, "report.json"))), -1))
			}
			if int(p.pops.Load()) != report.CallsPlaced {
				t.Errorf("the target saw %d PlayOnPhone requests, the report says %d placed", p.pops.Load(), report.CallsPlaced)
			}
		})
	}
}

// TestThrottledTooLong: a target that throttles every request and asks for a wait past
// what a run waits is not failed (exit 1) but could not be checked (exit 2), and the run
// says it was throttled and what to do. Its PlayOnPhone requests are not sent again.
func TestThrottledTooLong(t *testing.T) {
	t.Parallel()
	p, dir := newFaultProxy(t, reference.ProfileExchange, func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool {
		if r.Method != http.MethodPost {
			return false
		}
		busy503("120")(w)
		return true
	}), t.TempDir()
	res := umconform(t, nil, "run", "--target", p.URL, "--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
		"--report-dir", dir, "--poll-interval", "10ms", "--poll-limit", "20")
	if res.code != 2 {
		t.Errorf("exit %d, want 2\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	out := res.stdout + res.stderr
	for _, want := range []string{"The run stopped sending requests: the target is throttling the run", "run again later"} {
		if !strings.Contains(out, want) {
			t.Errorf("the run does not say %q:\n%s\n%s", want, tail(res.stdout), res.stderr)
		}
	}
	r := readReportCalls(t, dir)
	for _, c := range r.Checks {
		if c.Verdict == "failed" {
			t.Errorf("failed for a throttling target: %s: %s", c.Name, c.Message)
		}
	}
	if int(p.pops.Load()) != r.CallsPlaced {
		t.Errorf("the target saw %d PlayOnPhone requests, the report says %d placed: one was sent again", p.pops.Load(), r.CallsPlaced)
	}
}

// TestRestartSurvived: a target whose listener goes down for 2 s in the middle of a run
// (connections refused, as while a server restarts) is waited for: the requests that met
// it are sent again once it listens again, nothing fails or errs, and the run says what
// it cost.
func TestRestartSurvived(t *testing.T) {
	t.Parallel()
	var proxy atomic.Pointer[faultProxy] // set once started, read by its handler
	var once atomic.Bool
	p, dir := newFaultProxy(t, reference.ProfileExchange, func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool {
		if !readQuestion.Match(body) || once.Swap(true) {
			return false
		}
		proxy.Load().down(2 * time.Second)
		reset(w) // the question that met the restart: a reset, sent again
		return true
	}), t.TempDir()
	proxy.Store(p)
	// One scenario, whose requests go one at a time: the scenarios run side by side, and a
	// restart that caught another's PlayOnPhone in flight would rightly leave its checks
	// unjudged (a PlayOnPhone met by a reset is not sent again).
	res := umconform(t, nil, "run", "--target", p.URL, "--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
		"--report-dir", dir, "--poll-interval", "10ms", "--poll-limit", "20", "--label-filter", "lifecycle && !ews", "--focus", `\] call to \+15550100: `)
	if res.code != 0 {
		t.Errorf("exit %d, want 0\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	if !strings.Contains(res.stdout, "Transient faults: ") || !strings.Contains(res.stdout, "refused connections") {
		t.Errorf("the console does not account for the refused connections:\n%s", tail(res.stdout))
	}
}

// TestX3AsksAgain: when the question about the live call after a hostile request gets no
// complete response once (here an answer cut short), it is asked again before X3 blames the
// hostile request (by the retrier, since a question changes nothing and a cut may be the
// network's: retry.go): a correct server passes, and the evidence says so.
func TestX3AsksAgain(t *testing.T) {
	t.Parallel()
	var hostile, cut atomic.Bool
	p, dir := newFaultProxy(t, reference.ProfileExchange, func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool {
		if strings.Contains(string(body), "<!DOCTYPE") {
			hostile.Store(true)
			return false
		}
		if !hostile.Load() || !readQuestion.Match(body) || cut.Swap(true) {
			return false
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err == nil { // an answer cut short: 40 bytes of the 400 it declares
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 400\r\n\r\n<?xml version=\"1.0\" encoding=\"utf-8\"?>")
			buf.Flush()
			conn.Close()
		}
		return true
	}), t.TempDir()
	res := umconform(t, nil, "run", "--target", p.URL, "--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
		"--report-dir", dir, "--label-filter", "X3 && !ews", "--focus", `after xxe-canary`)
	if res.code != 0 || !cut.Load() {
		t.Errorf("exit %d, want 0 (answer cut: %v)\n%s\n%s", res.code, cut.Load(), tail(res.stdout), res.stderr)
	}
	if report := string(mustRead(t, filepath.Join(dir, "report.json"))); !strings.Contains(report, "asked again before judging X3") && !strings.Contains(report, "and sent it again") {
		t.Errorf("the X3 check's evidence does not say the question was asked again")
	}
}

// TestLegalHTTPBehavioursStayClean: what HTTP allows a server to do with its connections is
// no fault. A server that closes every connection after its answer (Connection: close), and
// one that closes a kept-alive connection just as a question about a call crosses it (the
// question then meets the close with no answer byte, as behind a balancer's idle timeout),
// both pass a run with nothing failed or erred: the harness opens a new connection, and
// sends such a question again.
func TestLegalHTTPBehavioursStayClean(t *testing.T) {
	closing := func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool {
		w.Header().Set("Connection", "close")
		return false
	}
	var questions, closes atomic.Int32
	idleClose := func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool {
		// Every 4th question, five times: the scenarios poll side by side, so a question
		// sent again may be another's 4th; an idle close met three times in a row by one
		// question is no longer what a balancer does, and the five are over well before
		// the first one's resend, which waits 100 ms.
		if !readQuestion.Match(body) || questions.Add(1)%4 != 0 || closes.Add(1) > 5 {
			return false
		}
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close() // a close, not a reset: what a server's idle timeout does
		}
		return true
	}
	for name, fault := range map[string]faultFunc{"connection close": closing, "idle keep-alive close": idleClose} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, dir := newFaultProxy(t, reference.ProfileExchange, fault), t.TempDir()
			res := umconform(t, nil, "run", "--target", p.URL, "--ews-target", p.EWSURL, "--dial-string", reference.DefaultDialString,
				"--entry-id", reference.DefaultEntryID, "--report-dir", dir, "--poll-interval", "10ms", "--poll-limit", "20",
				"--label-filter", "lifecycle || L7 || L8 || E7 || E8 || E9 || E10 || E11 || E12 || E17 || E18")
			if res.code != 0 {
				t.Errorf("exit %d, want 0\n%s\n%s", res.code, tail(res.stdout), res.stderr)
			}
			if n := p.faulted.Load(); name != "connection close" && n == 0 {
				t.Error("no question crossed a close: the case proves nothing")
			}
		})
	}
}
