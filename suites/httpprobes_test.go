package suites

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
)

// lineServer is rawServer that hands answer each request's request line (method, target,
// version) too, and keeps the lines it read: the HTTP probes' adversaries answer by method.
type lineServer struct {
	addr  string
	count atomic.Int32
	mu    sync.Mutex
	lines []string
}

func newLineServer(t *testing.T, answer func(line string) []byte) *lineServer {
	t.Helper()
	s := &lineServer{}
	s.addr = listenTCP(t, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		line, err := readRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		s.count.Add(1)
		s.mu.Lock()
		s.lines = append(s.lines, line)
		s.mu.Unlock()
		_, _ = c.Write(answer(line))
	})
	return s
}

// envAt is a run's Env for both APIs of the server at addr, with the run's default client.
func envAt(t *testing.T, addr string) *Env {
	t.Helper()
	e, err := NewEnv(bothAPIsConfig(t, "http://"+addr))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// soapOr answers a POST with a SOAP Fault (a server that refuses the unknown call) and
// any other method with other.
func soapOr(other []byte) func(string) []byte {
	fault := response(faultStatus, []string{ctUTF8}, envelopeOf(aFault))
	return func(line string) []byte {
		if strings.HasPrefix(line, "POST ") {
			return fault
		}
		return other
	}
}

// TestMethodProbe: on both APIs, the probe is the API's question sent with PUT, one
// request; a 405 passes H1 (and T8 when it has Allow, empty or not), whatever its body; a
// PUT processed as a SOAP request, or refused with another status, fails H1; a 401 cannot
// be judged.
func TestMethodProbe(t *testing.T) {
	fault := response(faultStatus, []string{ctUTF8}, envelopeOf(aFault))
	for _, c := range []struct {
		name   string
		answer func(string) []byte
		h1, t8 string // pass, fail, cannot judge
	}{
		{"405 with Allow: POST", soapOr(response("HTTP/1.1 405 Method Not Allowed", []string{"Allow: POST"}, "")), "pass", "pass"},
		{"405 with an HTML page and Allow: GET, HEAD, POST", soapOr(response("HTTP/1.1 405 Method Not Allowed", []string{"Content-Type: text/html", "Allow: GET, HEAD, POST"}, "<html><body>The HTTP verb PUT is not allowed.</body></html>")), "pass", "pass"},
		{"405 with an empty Allow", soapOr(response("HTTP/1.1 405 Method Not Allowed", []string{"Allow:"}, "")), "pass", "pass"},
		{"405 without Allow", soapOr(response("HTTP/1.1 405 Method Not Allowed", []string{"Content-Type: text/plain"}, "no")), "pass", "fail"},
		{"PUT processed as a SOAP request", func(string) []byte { return fault }, "fail", "pass"},
		{"PUT answered 200 with a page", soapOr(response(okStatus, []string{"Content-Type: text/html"}, "<html>ok</html>")), "fail", "pass"},
		{"PUT answered 400", soapOr(response("HTTP/1.1 400 Bad Request", []string{"Content-Type: text/html"}, "<html>bad</html>")), "fail", "pass"},
		{"PUT answered 401", soapOr(response("HTTP/1.1 401 Unauthorized", []string{"WWW-Authenticate: Basic realm=\"x\""}, "")), "cannot judge", "pass"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newLineServer(t, c.answer)
			e := envAt(t, srv.addr)
			for _, api := range e.apis() {
				f, err := methodProbe(api)
				if err != nil {
					t.Fatal(err)
				}
				before := srv.count.Load()
				ex := e.send(t.Context(), api, &request{f: f, v: fixtureValues()})
				if n := srv.count.Load() - before; n != 1 {
					t.Errorf("%s: the probe cost %d requests, want 1", api.id, n)
				}
				srv.mu.Lock()
				last := srv.lines[len(srv.lines)-1]
				srv.mu.Unlock()
				if want := "PUT " + api.ep.target.Path + " HTTP/1.1"; last != want {
					t.Errorf("%s: request line %q, want %q", api.id, last, want)
				}
				if got := verdictOf(judgeH1(ex)); got != c.h1 {
					t.Errorf("%s: H1 %s, want %s: %+v", api.id, got, c.h1, judgeH1(ex))
				}
				if got := verdictOf(judgeT8(ex)); got != c.t8 {
					t.Errorf("%s: T8 %s, want %s: %+v", api.id, got, c.t8, judgeT8(ex))
				}
			}
		})
	}
}

// TestRedirectStopsTheEndpoint: an endpoint that redirects is asked once (the pre-flight,
// or H2's own question in a run without one) and never again: the run's client does not
// follow the redirect, H2 fails any 3xx but 307 and names the Location, and every later
// request of that API is not sent, with an error that names the Location and the flag to
// pass it with. An endpoint that answers passes H2 and stays open.
func TestRedirectStopsTheEndpoint(t *testing.T) {
	for _, c := range []struct {
		status    string
		h2        string
		preflight bool
	}{
		{"301 Moved Permanently", "fail", true},
		{"302 Found", "fail", true},
		{"302 Found", "fail", false},
		{"303 See Other", "fail", true},
		{"308 Permanent Redirect", "fail", true},
		{"307 Temporary Redirect", "pass", true},
		{"307 Temporary Redirect", "pass", false},
	} {
		t.Run(fmt.Sprintf("%s/preflight=%v", c.status, c.preflight), func(t *testing.T) {
			var srv *lineServer
			srv = newLineServer(t, func(line string) []byte {
				target := strings.Fields(line)[1]
				return response("HTTP/1.1 "+c.status, []string{"Location: https://" + srv.addr + target, "Content-Type: text/html"}, "<html>moved</html>")
			})
			e := envAt(t, srv.addr)
			ctx := t.Context()
			if c.preflight {
				if err := e.Preflight(ctx, false, false); err != nil {
					t.Fatalf("a redirect is the target's answer, judged by H2, not a setting the pre-flight refuses: %v", err)
				}
			}
			for _, api := range e.apis() {
				o := judgeH2(e.firstAnswer(ctx, api))
				if got := verdictOf(o); got != c.h2 {
					t.Errorf("%s: H2 %s, want %s: %+v", api.id, got, c.h2, o)
				}
				loc := "https://" + srv.addr + api.ep.target.Path
				if c.h2 == "fail" && !strings.Contains(o.Actual, loc) {
					t.Errorf("%s: H2 does not name the Location %s: %q", api.id, loc, o.Actual)
				}
				f, _ := api.ep.fixture(api.pollFixture)
				ex := e.send(ctx, api, &request{f: f, v: fixtureValues()})
				if !ex.unsent || !strings.Contains(ex.Err.Error(), loc) || !strings.Contains(ex.Err.Error(), api.setting+" "+loc) {
					t.Errorf("%s: after the redirect, a request was sent or its error does not say what to do: unsent %v, %v", api.id, ex.unsent, ex.Err)
				}
			}
			if n := srv.count.Load(); n != 2 {
				t.Errorf("the server got %d requests, want 2 (one per API, no redirect followed): %q", n, srv.lines)
			}
		})
	}
	t.Run("no redirect", func(t *testing.T) {
		srv := newLineServer(t, soapOr(nil))
		e := envAt(t, srv.addr)
		for _, api := range e.apis() {
			if o := judgeH2(e.firstAnswer(t.Context(), api)); !o.Pass || o.CannotJudge {
				t.Errorf("%s: H2 %+v", api.id, o)
			}
			if err := api.ep.breaker.open(); err != nil {
				t.Errorf("%s: an endpoint that answers was stopped: %v", api.id, err)
			}
		}
	})
}

// fixtureValues are the values the probes bind: the call no server issued.
func fixtureValues() fixtures.Values { return fixtures.Values{Call: preflightCallID} }

// TestCookieFindingsNameNoValue: T10's words about a cookie name it and never quote its
// value, which may be a session's secret.
func TestCookieFindingsNameNoValue(t *testing.T) {
	for _, field := range []string{"UMRoute=secret-r2, UMSession=secret-s1; Path=/EWS", "sid=secret value", "sid=secret;Path=/", "sid=secret; Expires=tomorrow", "sid=secret; Max-Age=soon"} {
		f, ok := cookieFinding([]string{field})
		if !ok {
			t.Errorf("%q: no finding", field)
			continue
		}
		if strings.Contains(f.actual, "secret") {
			t.Errorf("%q: the finding quotes the value: %s", field, f.actual)
		}
		if !strings.Contains(f.actual, "cookie") || !strings.Contains(f.actual, "RFC 6265") {
			t.Errorf("%q: the finding names neither the cookie nor the rule: %s", field, f.actual)
		}
	}
}

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func deflated(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// TestTransferCodingWithoutEnd: a body in a transfer coding that does not end with chunked
// ends only when the connection closes (RFC 9112 section 6.1); a server that keeps it open
// after the body never ends its message, and fails T7, whatever else it sends. The gzip
// stream said where the body ends, so the answer is whole: the other rules judge it and it
// is not asked again (a PlayOnPhone asked again would place a second call). The same answer
// with the connection closed is legal (the legal variants of
// TestMessageRulesPassLegalVariants).
func TestTransferCodingWithoutEnd(t *testing.T) {
	var count atomic.Int32
	answer := []byte("HTTP/1.1 200 OK\r\n" + ctUTF8 + "\r\nTransfer-Encoding: gzip\r\n\r\n" + gzipped(envelopeOf(callInfo)))
	addr := listenTCP(t, func(c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		count.Add(1)
		_, _ = c.Write(answer)
		select { // the connection stays open
		case <-t.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	srv := &rawServer{addr: addr}
	start := time.Now()
	ex := sendRawTimeout(t, srv, pollFixture, 5*time.Second)
	o := judgeT7(ex)
	if o.Pass || o.CannotJudge || !strings.Contains(o.Actual, `"gzip"`) || !strings.Contains(o.Actual, "stayed open") {
		t.Fatalf("T7 %+v, want a failure naming the coding and the open connection; err %v", o, ex.Err)
	}
	// The gzip stream says where it ends: the run waits closeWait for the close, not the
	// whole timeout, and the answer is one (the breaker does not take it for silence).
	if d := time.Since(start); d > closeWait+2*time.Second {
		t.Errorf("the answer took %v: the run waited for the timeout, not closeWait", d)
	}
	b := &breaker{limit: 1}
	b.record(ex.Err)
	if b.open() != nil {
		t.Errorf("the breaker took an answer without an end for silence")
	}
	if ex.Err != nil || !bytes.Equal(ex.Body, []byte(envelopeOf(callInfo))) || count.Load() != 1 {
		t.Errorf("the whole answer was not taken: err %v, %d requests, body %q", ex.Err, count.Load(), ex.Body)
	}
	t.Logf("%d requests, %v: %s", count.Load(), time.Since(start).Round(time.Millisecond), o.Actual)
}

// malformedOr answers a request whose request line is malformed (more than three words)
// with malformed, and any other with a SOAP Fault.
func malformedOr(malformed []byte) func(string) []byte {
	fault := response(faultStatus, []string{ctUTF8}, envelopeOf(aFault))
	return func(line string) []byte {
		if len(strings.Fields(line)) != 3 {
			return malformed
		}
		return fault
	}
}

// TestMalformedProbe: on both APIs, H1's second probe is the API's question with a word
// between its target and its version, one request; a 400 passes, whatever its body and
// whether the connection closes, and so does a 301 (RFC 9112 section 3); a malformed
// request processed (a SOAP answer, a 200) fails, and so do a 500 and a 404; a 401 cannot
// be judged; through a proxy nothing is sent and H1 is not judged.
func TestMalformedProbe(t *testing.T) {
	fault := response(faultStatus, []string{ctUTF8}, envelopeOf(aFault))
	for _, c := range []struct {
		name    string
		answer  func(string) []byte
		blocked string
		h1      string // pass, fail, cannot judge, skipped
	}{
		{"400 with an HTML page", malformedOr(response("HTTP/1.1 400 Bad Request", []string{"Content-Type: text/html"}, "<html><body><h1>Bad Request - Invalid URL</h1></body></html>")), "", "pass"},
		{"400 with Connection: close, no body", malformedOr([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")), "", "pass"},
		{"400 as HTTP/1.0 without a length, the body to the close", malformedOr([]byte("HTTP/1.0 400 Bad request syntax\r\nContent-Type: text/html\r\n\r\n<html>bad</html>")), "", "pass"},
		{"301 to the target encoded", malformedOr(response("HTTP/1.1 301 Moved Permanently", []string{"Location: /EWS/Exchange.asmx%20umconform-malformed"}, "")), "", "pass"},
		{"processed as a SOAP request", func(string) []byte { return fault }, "", "fail"},
		{"answered 200 with a page", malformedOr(response(okStatus, []string{"Content-Type: text/html"}, "<html>ok</html>")), "", "fail"},
		{"answered 500", malformedOr(response("HTTP/1.1 500 Internal Server Error", []string{"Content-Type: text/plain"}, "oops")), "", "fail"},
		{"answered 404", malformedOr(response("HTTP/1.1 404 Not Found", []string{"Content-Type: text/plain"}, "no")), "", "fail"},
		{"answered 401", malformedOr(response("HTTP/1.1 401 Unauthorized", []string{"WWW-Authenticate: Basic realm=\"x\""}, "")), "", "cannot judge"},
		{"through a proxy", malformedOr(response(okStatus, nil, "")), "requests go through a proxy", "skipped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newLineServer(t, c.answer)
			e := envAt(t, srv.addr)
			if c.blocked != "" {
				e.cfg.RawRequestBlocked = func(*url.URL) string { return c.blocked }
			}
			for _, api := range e.apis() {
				before := srv.count.Load()
				o, _ := e.malformedCheck(t.Context(), api, malformedProbes[0])
				want := 1
				if c.blocked != "" {
					want = 0
				}
				if n := srv.count.Load() - before; int(n) != want {
					t.Errorf("%s: the probe cost %d requests, want %d", api.id, n, want)
				}
				got := verdictOf(o)
				if o.Skipped {
					got = "skipped"
					if !strings.Contains(o.Actual, "not judged, because "+c.blocked) {
						t.Errorf("%s: a skip that does not say why: %q", api.id, o.Actual)
					}
				}
				if got != c.h1 {
					t.Errorf("%s: H1 %s, want %s: %+v", api.id, got, c.h1, o)
				}
				if want == 0 {
					continue
				}
				srv.mu.Lock()
				last := srv.lines[len(srv.lines)-1]
				srv.mu.Unlock()
				if want := "POST " + api.ep.target.Path + " " + malformedWord + " HTTP/1.1"; last != want {
					t.Errorf("%s: request line %q, want %q", api.id, last, want)
				}
			}
		})
	}
}

// headServer is a server written by hand that answers each request by its head, one
// request a connection (the connection closes after the answer, or without one when answer
// gives nil); it keeps each request's line and header fields.
type headServer struct {
	addr  string
	mu    sync.Mutex
	heads []sentHead
}

type sentHead struct {
	line string
	h    textproto.MIMEHeader
}

func newHeadServer(t *testing.T, answer func(line string, h textproto.MIMEHeader) []byte) *headServer {
	t.Helper()
	s := &headServer{}
	s.addr = listenTCP(t, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		line, h, err := readRequestHead(bufio.NewReader(c))
		if err != nil {
			return
		}
		s.mu.Lock()
		s.heads = append(s.heads, sentHead{line, h})
		s.mu.Unlock()
		_, _ = c.Write(answer(line, h))
	})
	return s
}

func (s *headServer) sent() []sentHead {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentHead(nil), s.heads...)
}

// TestHostAndLengthProbes: on both APIs, H1's probes of an HTTP/1.1 request without Host
// (RFC 9112 section 3.2) and of one whose Content-Length is not a number (section 6.3) are
// the API's question with its head broken, one request each; a 400 passes, whatever its
// body and whether the connection closes; a server that processes the request (a SOAP
// answer, a 200), answers 500 or closes without answering fails; a 401 cannot be judged;
// through a proxy nothing is sent and H1 is not judged.
func TestHostAndLengthProbes(t *testing.T) {
	fault := response(faultStatus, []string{ctUTF8}, envelopeOf(aFault))
	hostless := func(_ string, h textproto.MIMEHeader) bool { return len(h.Values("Host")) == 0 }
	badLength := func(_ string, h textproto.MIMEHeader) bool {
		_, err := strconv.Atoi(h.Get("Content-Length"))
		return err != nil
	}
	html400 := response("HTTP/1.1 400 Bad Request", []string{"Content-Type: text/html"}, "<html><body><h1>Bad Request</h1></body></html>")
	close400 := []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	for _, p := range []struct {
		spec   malformedProbeSpec
		broken func(string, textproto.MIMEHeader) bool
	}{{malformedProbes[1], hostless}, {malformedProbes[2], badLength}} {
		for _, c := range []struct {
			name    string
			broken  []byte // the answer to the broken request; nil: the connection closed without one
			blocked string
			h1      string // pass, fail, cannot judge, skipped
		}{
			{"400 with an HTML page", html400, "", "pass"},
			{"400 with Connection: close", close400, "", "pass"},
			{"processed as a SOAP request", fault, "", "fail"},
			{"answered 200 with a page", response(okStatus, []string{"Content-Type: text/html"}, "<html>ok</html>"), "", "fail"},
			{"answered 500", response("HTTP/1.1 500 Internal Server Error", []string{"Content-Type: text/plain"}, "oops"), "", "fail"},
			{"closed without an answer", nil, "", "fail"},
			{"answered 401", response("HTTP/1.1 401 Unauthorized", []string{"WWW-Authenticate: Basic realm=\"x\""}, ""), "", "cannot judge"},
			{"through a proxy", fault, "requests go through a proxy", "skipped"},
		} {
			t.Run(p.spec.id+"/"+c.name, func(t *testing.T) {
				srv := newHeadServer(t, func(line string, h textproto.MIMEHeader) []byte {
					if p.broken(line, h) {
						return c.broken
					}
					return fault
				})
				e := envAt(t, srv.addr)
				if c.blocked != "" {
					e.cfg.RawRequestBlocked = func(*url.URL) string { return c.blocked }
				}
				for _, api := range e.apis() {
					before := len(srv.sent())
					o, _ := e.malformedCheck(t.Context(), api, p.spec)
					want := 1
					if c.blocked != "" {
						want = 0
					}
					heads := srv.sent()
					if n := len(heads) - before; n != want {
						t.Fatalf("%s: the probe cost %d requests, want %d", api.id, n, want)
					}
					got := verdictOf(o)
					if o.Skipped {
						got = "skipped"
					}
					if got != c.h1 {
						t.Errorf("%s: H1 %s, want %s: %+v", api.id, got, c.h1, o)
					}
					if want == 0 {
						continue
					}
					last := heads[len(heads)-1]
					if wantLine := "POST " + api.ep.target.Path + " HTTP/1.1"; last.line != wantLine || !p.broken(last.line, last.h) {
						t.Errorf("%s: request %q %v, want %q broken as %s", api.id, last.line, last.h, wantLine, p.spec.id)
					}
					if p.spec.kind == breakLength && last.h.Get("Host") == "" {
						t.Errorf("%s: the Content-Length probe lost its Host: %v", api.id, last.h)
					}
				}
			})
		}
	}
}

// TestMalformationOnlyOnTheTarget: a connection dialled elsewhere than the target (a
// proxy's) is not rewritten, and the answer is then not judged.
func TestMalformationOnlyOnTheTarget(t *testing.T) {
	srv := newLineServer(t, malformedOr(response(okStatus, nil, "")))
	e := envAt(t, srv.addr)
	api := e.apis()[0]
	f, err := malformedProbe(api, malformedProbes[0])
	if err != nil {
		t.Fatal(err)
	}
	m := newMalformation(api.ep.target, breakRequestLine)
	m.addr = "192.0.2.1:80" // the target as a proxy would be asked for it
	ex := e.send(m.with(t.Context()), api, &request{f: f, v: fixtureValues()})
	srv.mu.Lock()
	last := srv.lines[len(srv.lines)-1]
	srv.mu.Unlock()
	if strings.Contains(last, malformedWord) {
		t.Errorf("request line %q rewritten on a connection that is not the target's", last)
	}
	if o := judgeMalformed(ex, m, malformedProbes[0]); !o.Skipped {
		t.Errorf("judged an answer to a request that was not malformed: %+v", o)
	}
}

// TestMalformedProbeOverTLS: over TLS the run's own connection breaks the line after the
// handshake, and net/http refuses it with 400 before its handler runs.
func TestMalformedProbeOverTLS(t *testing.T) {
	var handled atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled.Add(1)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, envelopeOf(aFault))
	}))
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	RecordHeads(tr)
	cfg := bothAPIsConfig(t, srv.URL)
	cfg.Client = &http.Client{Transport: tr}
	e, err := NewEnv(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, api := range e.apis() {
		if o, _ := e.malformedCheck(t.Context(), api, malformedProbes[0]); !o.Pass {
			t.Errorf("%s: %+v, want a pass (net/http's 400)", api.id, o)
		}
	}
	if n := handled.Load(); n != 0 {
		t.Errorf("the handler ran %d times: the line went out unbroken", n)
	}
}
