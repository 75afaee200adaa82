package suites

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
)

// rawServer is a TCP server that answers each HTTP request with the bytes answer returns for
// the n-th request (from 0), written as they are, and then closes the connection: the test
// writes what is on the wire, status line and framing included, as no Go HTTP server would.
// It is unlike the reference server on purpose: written by hand, one connection a request.
type rawServer struct {
	addr  string
	count atomic.Int32
}

func newRawServer(t *testing.T, answer func(n int) []byte) *rawServer {
	t.Helper()
	s := &rawServer{}
	s.addr = listenTCP(t, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = c.Write(answer(int(s.count.Add(1)) - 1))
	})
	return s
}

// sendRaw sends the UM fixture id to srv with the run's transport (heads kept, no
// decompression) and its retrier, or without heads kept when plain is set.
func sendRaw(t *testing.T, srv *rawServer, id string, plain bool) *Exchange {
	t.Helper()
	return sendRawWith(t, srv, id, plain, 5*time.Second)
}

// sendRawTimeout is sendRaw, heads kept, with another --timeout.
func sendRawTimeout(t *testing.T, srv *rawServer, id string, timeout time.Duration) *Exchange {
	t.Helper()
	return sendRawWith(t, srv, id, false, timeout)
}

func sendRawWith(t *testing.T, srv *rawServer, id string, plain bool, timeout time.Duration) *Exchange {
	t.Helper()
	corpus, err := corpusOnce()
	if err != nil {
		t.Fatal(err)
	}
	f, ok := fixtures.Loaded(corpus, nil).Lookup(id)
	if !ok {
		t.Fatalf("no fixture %s", id)
	}
	tr := &http.Transport{DisableCompression: true, MaxResponseHeaderBytes: MaxResponseHeaderBytes}
	if !plain {
		RecordHeads(tr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	u, _ := url.Parse("http://" + srv.addr + "/EWS/UM2007Legacy.asmx")
	s := &Sender{Target: u, Client: &http.Client{Transport: tr}, Timeout: timeout, Validator: validator(t), retry: &retrier{}}
	return s.Send(t.Context(), f, fixtures.Values{Call: "NjJmZDY2ZDQ=", EntryID: reference.DefaultEntryID, DialString: reference.DefaultDialString})
}

// response frames body as an HTTP response: the status line, the fields, a Content-Length
// unless the fields frame the body otherwise, and the body.
func response(status string, fields []string, body string) []byte {
	var b bytes.Buffer
	b.WriteString(status + "\r\n")
	framed := false
	for _, f := range fields {
		b.WriteString(f + "\r\n")
		if lf := strings.ToLower(f); strings.HasPrefix(lf, "content-length") || strings.HasPrefix(lf, "transfer-encoding") {
			framed = true
		}
	}
	if !framed {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(body)
	return b.Bytes()
}

func chunked(body string) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(len(body), 37)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	return b.String() + "0\r\n\r\n"
}

const (
	soapEnv     = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">`
	callInfo    = `<GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><GetCallInfoResponse><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></GetCallInfoResponse>`
	xmlDecl     = `<?xml version="1.0" encoding="utf-8"?>`
	ctUTF8      = "Content-Type: text/xml; charset=utf-8"
	aFault      = `<soap:Fault><faultcode>soap:Client</faultcode><faultstring>The call identifier isn't valid.</faultstring></soap:Fault>`
	okStatus    = "HTTP/1.1 200 OK"
	faultStatus = "HTTP/1.1 500 Internal Server Error"
)

func envelopeOf(body string) string {
	return xmlDecl + soapEnv + `<soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

// transportJudges are the transport rules judged on every answer.
var transportJudges = map[string]func(*Exchange) Outcome{
	"T1": judgeT1, "T2": judgeT2, "T3": judgeT3, "T5": judgeT5, "T6": judgeT6, "T7": judgeT7, "T8": judgeT8, "T9": judgeT9, "T10": judgeT10,
}

// judgeAll judges ex by every transport rule: the failed ones, and those that could not be
// judged.
func judgeAll(ex *Exchange) (failed, unjudged []string) {
	for _, id := range []string{"T1", "T2", "T3", "T5", "T6", "T7", "T8", "T9", "T10"} {
		o := transportJudges[id](ex)
		switch {
		case o.CannotJudge:
			unjudged = append(unjudged, id)
		case !o.Pass:
			failed = append(failed, id+": "+o.Actual)
		}
	}
	return failed, unjudged
}

// TestMessageRulesCatchHandMadeServers: servers written by hand, each breaking one of the
// envelope's or HTTP's message rules on every answer, fail that rule alone; every other
// transport rule passes or, where the answer could not be read, cannot be judged. The
// same is true with a client that does not keep heads (plain), where Go's client lets the
// fact through.
func TestMessageRulesCatchHandMadeServers(t *testing.T) {
	info := envelopeOf(callInfo)
	for _, c := range []struct {
		name   string
		wire   []byte
		rule   string
		plain  bool // also caught without the kept head
		fixtID string
	}{
		{"processing instruction", response(okStatus, []string{ctUTF8}, xmlDecl+`<?umconform-trace id="7"?>`+soapEnv+`<soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), "T5", true, pollFixture},
		{"processing instruction in the Body", response(okStatus, []string{ctUTF8}, envelopeOf(`<?php echo 1?>`+callInfo)), "T5", true, pollFixture},
		{"two Faults", response(faultStatus, []string{ctUTF8}, envelopeOf(aFault+aFault)), "T6", true, "gci-callid-unknown"},
		{"a Fault beside a response", response(faultStatus, []string{ctUTF8}, envelopeOf(aFault+`<x:Trace xmlns:x="urn:x">1</x:Trace>`)), "T6", true, "gci-callid-unknown"},
		{"two responses", response(okStatus, []string{ctUTF8}, envelopeOf(callInfo+callInfo)), "T6", true, pollFixture},
		{"encodingStyle on a Body child", response(okStatus, []string{ctUTF8}, envelopeOf(strings.Replace(callInfo, "<GetCallInfoResponse ", `<GetCallInfoResponse soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" `, 1))), "T6", true, pollFixture},
		{"an attribute of the envelope's namespace on the Body", response(okStatus, []string{ctUTF8}, xmlDecl+soapEnv+`<soap:Body soap:id="1">`+callInfo+`</soap:Body></soap:Envelope>`), "T6", true, pollFixture},
		{"mustUnderstand true", response(okStatus, []string{ctUTF8}, xmlDecl+soapEnv+`<soap:Header><h:T xmlns:h="urn:h" soap:mustUnderstand="true">1</h:T></soap:Header><soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), "T6", true, pollFixture},
		{"actor on a Body child", response(okStatus, []string{ctUTF8}, envelopeOf(strings.Replace(callInfo, "<GetCallInfoResponse ", `<GetCallInfoResponse soap:actor="urn:a" `, 1))), "T6", true, pollFixture},
		{"Length and chunked", response(okStatus, []string{ctUTF8, fmt.Sprintf("Content-Length: %d", len(info)), "Transfer-Encoding: chunked"}, chunked(info)), "T7", false, pollFixture},
		{"Lengths that differ", response(okStatus, []string{ctUTF8, fmt.Sprintf("Content-Length: %d", len(info)), fmt.Sprintf("Content-Length: %d", len(info)+5)}, info), "T7", true, pollFixture},
		{"Length not a number", response(okStatus, []string{ctUTF8, "Content-Length: 12abc"}, info), "T7", false, pollFixture},
		{"two Content-Types", response(okStatus, []string{ctUTF8, ctUTF8}, info), "T8", true, pollFixture},
		{"two Dates", response(okStatus, []string{ctUTF8, "Date: Mon, 07 Dec 2026 10:00:00 GMT", "Date: Mon, 07 Dec 2026 10:00:01 GMT"}, info), "T8", true, pollFixture},
		{"HTTP/1.2", response("HTTP/1.2 200 OK", []string{ctUTF8}, info), "T8", true, pollFixture},
		{"HTTP/2.0 in a status line", response("HTTP/2.0 200 OK", []string{ctUTF8}, info), "T8", true, pollFixture},
		{"status code of four digits", response("HTTP/1.1 2000 OK", []string{ctUTF8}, info), "T8", true, pollFixture},
		{"status code 099", response("HTTP/1.1 099 Odd", []string{ctUTF8}, info), "T8", false, pollFixture},
		{"lower-case version", response("http/1.1 200 OK", []string{ctUTF8}, info), "T8", true, pollFixture},
		{"405 without Allow", response("HTTP/1.1 405 Method Not Allowed", []string{"Content-Type: text/html"}, "<html>no</html>"), "T8", true, pollFixture},
		{"folded field", response(okStatus, []string{ctUTF8, "X-Trace: a", " b"}, info), "T8", false, pollFixture},
		{"Latin-1 charset", response(okStatus, []string{"Content-Type: text/xml; charset=iso-8859-1"}, info), "T9", true, pollFixture},
		{"HTTP/1.0 to an HTTP/1.1 request", response("HTTP/1.0 200 OK", []string{ctUTF8}, info), "T10", true, pollFixture},
		{"xml prefix declared on the Envelope", response(okStatus, []string{ctUTF8}, xmlDecl+`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xml="http://www.w3.org/XML/1998/namespace"><soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), "T10", true, pollFixture},
		{"xml prefix declared in the Fault", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault xmlns:xml="http://www.w3.org/XML/1998/namespace"><faultcode>soap:Client</faultcode><faultstring xml:lang="en">no</faultstring></soap:Fault>`)), "T10", true, "gci-callid-unknown"},
		{"faultcode in dot notation", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode>soap:Client.InvalidCallId</faultcode><faultstring>no</faultstring></soap:Fault>`)), "T10", true, "gci-callid-unknown"},
		{"faultcode of SOAP's namespace that SOAP lacks", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">e:InvalidCallId</faultcode><faultstring>no</faultstring></soap:Fault>`)), "T10", true, "gci-callid-unknown"},
		{"two cookies in one Set-Cookie, as RFC 2965 listed them", response(okStatus, []string{ctUTF8, "Set-Cookie: UMRoute=r2, UMSession=s1; Path=/EWS"}, info), "T10", true, pollFixture},
		{"a cookie value with a space", response(okStatus, []string{ctUTF8, "Set-Cookie: lang=en US; Path=/"}, info), "T10", true, pollFixture},
		{"cookie attributes without the space", response(okStatus, []string{ctUTF8, "Set-Cookie: a=1;Path=/"}, info), "T10", true, pollFixture},
		{"a cookie's Expires in the dashed form", response(okStatus, []string{ctUTF8, "Set-Cookie: a=1; expires=Sun, 06-Dec-2026 08:49:37 GMT; path=/"}, info), "T10", true, pollFixture},
		{"a Set-Cookie without a name", response(okStatus, []string{ctUTF8, "Set-Cookie: justavalue"}, info), "T10", true, pollFixture},
		{"charset utf-16 on UTF-8 bytes", response(okStatus, []string{"Content-Type: text/xml; charset=utf-16"}, `<?xml version="1.0"?>`+soapEnv+`<soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), "T9", true, pollFixture},
	} {
		for _, plain := range []bool{false, true} {
			if plain && !c.plain {
				continue
			}
			t.Run(fmt.Sprintf("%s/plain=%v", c.name, plain), func(t *testing.T) {
				srv := newRawServer(t, func(int) []byte { return c.wire })
				ex := sendRaw(t, srv, c.fixtID, plain)
				failed, unjudged := judgeAll(ex)
				if len(failed) != 1 || !strings.HasPrefix(failed[0], c.rule+":") {
					t.Fatalf("failed %v (could not judge %v), want %s alone; err %v", failed, unjudged, c.rule, ex.Err)
				}
				t.Logf("%s", failed[0])
			})
		}
	}
}

// TestMessageRulesPassLegalVariants: what the rules allow passes every transport rule:
// chunked framing, a charset in any case or none, no XML declaration, a byte-order mark,
// comments and white space, a SOAP Header, a status line without a reason, repeated list
// fields and Set-Cookie, identical repeated Content-Lengths, UTF-16, SOAP's fault codes and
// dotted codes in a namespace of the server's own. (An HTTP/1.0 answer to the harness's
// HTTP/1.1 request is legal HTTP that T8 accepts, and T10's warning: WS-I BP 1.1 R1140.)
func TestMessageRulesPassLegalVariants(t *testing.T) {
	info := envelopeOf(callInfo)
	u16 := func(s string) string {
		units := utf16.Encode([]rune(s))
		b := []byte{0xff, 0xfe}
		for _, u := range units {
			b = append(b, byte(u), byte(u>>8))
		}
		return string(b)
	}
	for _, c := range []struct {
		name   string
		wire   []byte
		fixtID string
	}{
		{"plain", response(okStatus, []string{ctUTF8}, info), pollFixture},
		{"chunked", response(okStatus, []string{ctUTF8, "Transfer-Encoding: chunked"}, chunked(info)), pollFixture},
		{"charset in capitals", response(okStatus, []string{"Content-Type: Text/XML;Charset=UTF-8"}, info), pollFixture},
		{"quoted charset", response(okStatus, []string{`Content-Type: text/xml; charset="utf-8"`}, info), pollFixture},
		{"no charset", response(okStatus, []string{"Content-Type: text/xml"}, info), pollFixture},
		{"no XML declaration", response(okStatus, []string{ctUTF8}, soapEnv+`<soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), pollFixture},
		{"byte-order mark", response(okStatus, []string{ctUTF8}, "\ufeff"+info), pollFixture},
		{"comments and white space", response(okStatus, []string{ctUTF8}, xmlDecl+"\n<!-- before -->\n"+soapEnv+"\n  <!-- c --><soap:Body>\n  "+callInfo+"\n  <!-- in the Body --></soap:Body>\n</soap:Envelope>\n<!-- after -->\n"), pollFixture},
		{"SOAP Header", response(okStatus, []string{ctUTF8}, xmlDecl+soapEnv+`<soap:Header><h:Trace xmlns:h="urn:h">1</h:Trace></soap:Header><soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), pollFixture},
		{"mustUnderstand and actor on a header entry", response(okStatus, []string{ctUTF8}, xmlDecl+soapEnv+`<soap:Header><h:T xmlns:h="urn:h" soap:mustUnderstand="0" soap:actor="http://schemas.xmlsoap.org/soap/actor/next">1</h:T></soap:Header><soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`), pollFixture},
		{"namespace declarations on the Envelope", response(okStatus, []string{ctUTF8}, xmlDecl+`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><s:Body>`+callInfo+`</s:Body></s:Envelope>`), pollFixture},
		{"no reason phrase", response("HTTP/1.1 200 ", []string{ctUTF8}, info), pollFixture},
		{"list fields and cookies repeated", response(okStatus, []string{ctUTF8, "Cache-Control: private", "Cache-Control: no-transform", "Set-Cookie: a=1", "Set-Cookie: b=2", "Vary: Accept-Encoding", "Vary: Origin"}, info), pollFixture},
		{"identical Content-Lengths", response(okStatus, []string{ctUTF8, fmt.Sprintf("Content-Length: %d", len(info)), fmt.Sprintf("Content-Length: %d", len(info))}, info), pollFixture},
		{"UTF-16", response(okStatus, []string{"Content-Type: text/xml; charset=utf-16"}, u16(`<?xml version="1.0" encoding="utf-16"?>`+soapEnv+`<soap:Body>`+callInfo+`</soap:Body></soap:Envelope>`)), pollFixture},
		{"a Fault", response(faultStatus, []string{ctUTF8}, envelopeOf(aFault)), "gci-callid-unknown"},
		{"a Server fault", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>no</faultstring></soap:Fault>`)), "gci-callid-unknown"},
		{"a faultcode with a dot in another namespace", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode xmlns:a="urn:a">a:Call.Invalid</faultcode><faultstring>no</faultstring></soap:Fault>`)), "gci-callid-unknown"},
		{"a faultcode whose prefix is rebound", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode xmlns:soap="urn:own">soap:Call.Invalid</faultcode><faultstring>no</faultstring></soap:Fault>`)), "gci-callid-unknown"},
		{"xml:lang used without declaring the prefix", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode>soap:Client</faultcode><faultstring xml:lang="en-US">no</faultstring></soap:Fault>`)), "gci-callid-unknown"},
		{"a Fault with detail", response(faultStatus, []string{ctUTF8}, envelopeOf(`<soap:Fault><faultcode xmlns:a="urn:a">a:Err</faultcode><faultstring xml:lang="en-US">no</faultstring><detail><e:X xmlns:e="urn:e">1</e:X></detail></soap:Fault>`)), "gci-callid-unknown"},
		{"cookies as RFC 6265 writes them", response(okStatus, []string{ctUTF8, "Set-Cookie: ASP.NET_SessionId=abc123; path=/; HttpOnly; SameSite=Lax",
			"Set-Cookie: X-BackEndCookie=S-1-5-21=u56Lnp2ejJqBm5vJx8rIxsrSzJnLy9LLzMib0p6d; expires=Sun, 06 Dec 2026 08:49:37 GMT; path=/EWS; secure; HttpOnly",
			`Set-Cookie: q="quoted"; Max-Age=600; Domain=mail.contoso.com`, "Set-Cookie: gone=; Max-Age=0", "Set-Cookie: v=1; Version=1; Comment=any text"}, info), pollFixture},
		{"gzip, chunked transfer codings", response(okStatus, []string{ctUTF8, "Transfer-Encoding: gzip, chunked"}, chunked(gzipped(info))), pollFixture},
		{"deflate, chunked in two fields", response(okStatus, []string{ctUTF8, "Transfer-Encoding: deflate", "Transfer-Encoding: chunked"}, chunked(deflated(info))), pollFixture},
		{"gzip ended by the connection's close", response(okStatus, []string{ctUTF8, "Transfer-Encoding: gzip"}, gzipped(info)), pollFixture},
		{"chunked with a trailer", response(okStatus, []string{ctUTF8, "Transfer-Encoding: chunked", "Trailer: X-Checksum"}, strings.TrimSuffix(chunked(info), "\r\n")+"X-Checksum: 1\r\n\r\n"), pollFixture},
		{"Chunked in capitals", response(okStatus, []string{ctUTF8, "Transfer-Encoding: Chunked"}, chunked(info)), pollFixture},
		{"a 405 with Allow", response("HTTP/1.1 405 Method Not Allowed", []string{"Content-Type: text/html", "Allow: GET, HEAD"}, "<html>no</html>"), pollFixture},
		{"a 405 with an empty Allow", response("HTTP/1.1 405 Method Not Allowed", []string{"Allow:"}, ""), pollFixture},
		{"a 404 with a page", response("HTTP/1.1 404 Not Found", []string{"Content-Type: text/html"}, "<html>no</html>"), pollFixture},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newRawServer(t, func(int) []byte { return c.wire })
			ex := sendRaw(t, srv, c.fixtID, false)
			if failed, unjudged := judgeAll(ex); len(failed)+len(unjudged) > 0 {
				t.Fatalf("failed %v, could not judge %v; err %v", failed, unjudged, ex.Err)
			}
		})
	}
}

// TestTruncatedEveryTimeIsTheTargets: a body that ends before its Content-Length on every
// attempt fails T7 (the target's: exit 1), and the breaker takes it for an answer; a body
// cut once and then whole passes; cuts that vary with resets are transient: T7 cannot be
// judged (exit 2). A PlayOnPhone, never sent again, cut once, cannot be judged either.
func TestTruncatedEveryTimeIsTheTargets(t *testing.T) {
	info := envelopeOf(callInfo)
	whole := response(okStatus, []string{ctUTF8}, info)
	cut := response(okStatus, []string{ctUTF8, fmt.Sprintf("Content-Length: %d", len(info)+40)}, info)
	reset := []byte{} // the connection closes with no answer
	chunks := chunked(info)
	noLast := response(okStatus, []string{ctUTF8, "Transfer-Encoding: chunked"}, chunks[:len(chunks)-len("0\r\n\r\n")])
	badChunk := response(okStatus, []string{ctUTF8, "Transfer-Encoding: chunked"}, "zz\r\n"+chunks)
	for _, c := range []struct {
		name    string
		fixture string
		answers [][]byte // by attempt; the last repeats
		sent    int
		t7      string // "fail", "pass", "error"
	}{
		{"always cut", pollFixture, [][]byte{cut}, 1 + maxRetries, "fail"},
		{"always cut, a refusal", "gci-callid-unknown", [][]byte{cut}, 1 + maxRetries, "fail"},
		{"cut once", pollFixture, [][]byte{cut, whole}, 2, "pass"},
		{"cut, then reset, then cut", pollFixture, [][]byte{cut, reset, cut}, 1 + maxRetries, "error"},
		{"PlayOnPhone cut", CreateCallFixture, [][]byte{cut}, 1, "error"},
		{"chunked without its last chunk, always", pollFixture, [][]byte{noLast}, 1 + maxRetries, "fail"},
		{"chunks that break the grammar, always", pollFixture, [][]byte{badChunk}, 1 + maxRetries, "fail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newRawServer(t, func(n int) []byte { return c.answers[min(n, len(c.answers)-1)] })
			ex := sendRaw(t, srv, c.fixture, false)
			if got := int(srv.count.Load()); got != c.sent {
				t.Errorf("sent %d times, want %d", got, c.sent)
			}
			o := judgeT7(ex)
			got := "fail"
			switch {
			case o.CannotJudge:
				got = "error"
			case o.Pass:
				got = "pass"
			}
			if got != c.t7 {
				t.Fatalf("T7 %s, want %s: %+v; err %v; retries %q", got, c.t7, o, ex.Err, ex.Retries)
			}
			if c.t7 == "fail" {
				if !strings.Contains(o.Actual, "on each of 3 attempts") || !strings.Contains(o.Actual, "ended") {
					t.Errorf("T7's words: %q", o.Actual)
				}
				b := &breaker{limit: 1}
				b.record(ex.Err)
				if b.open() != nil {
					t.Errorf("the breaker took an answer cut short every time for silence")
				}
			}
		})
	}
}

// BenchmarkMessageRules is what the message rules cost each answer: the head's (T7, T8) and
// the envelope's second read (T5, T6, T9), on a GetCallInfo answer as Exchange writes it.
func BenchmarkMessageRules(b *testing.B) {
	body := []byte(envelopeOf(callInfo))
	head := response(okStatus, []string{ctUTF8, "Cache-Control: private", "Server: Microsoft-IIS/10.0", "Date: Mon, 07 Dec 2026 10:00:00 GMT"}, "")
	b.ReportAllocs()
	for b.Loop() {
		if fs := append(headFindings(head), scanEnvelope(body, "text/xml; charset=utf-8")...); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

// TestTraceJudgesMessageRulesOnLiveAnswers: a server that breaks a message rule only in
// its answers about a live call (a processing instruction while the call is Connected), or
// only in its Disconnect answer, is caught by the traced call's check of that rule, which
// names the answer; the other rules pass, and the same server without the fault passes
// them all.
func TestTraceJudgesMessageRulesOnLiveAnswers(t *testing.T) {
	for _, trigger := range []string{"<CallState>Connected</CallState>", "<DisconnectResponse", ""} {
		faulty := trigger != ""
		t.Run(fmt.Sprintf("in %q", trigger), func(t *testing.T) {
			h, err := reference.NewHandler(reference.Options{Step: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				body := rec.Body.Bytes()
				if faulty && bytes.Contains(body, []byte(trigger)) {
					body = bytes.Replace(body, []byte("?>"), []byte(`?><?trace live?>`), 1)
				}
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				w.WriteHeader(rec.Code)
				_, _ = w.Write(body)
			}))
			t.Cleanup(srv.Close)
			u, _ := url.Parse(srv.URL + reference.LegacyPath)
			corpus, err := corpusOnce()
			if err != nil {
				t.Fatal(err)
			}
			e, err := NewEnv(Config{Target: u, Validator: validator(t), Timeout: 5 * time.Second, Fixtures: fixtures.Loaded(corpus, nil),
				DialString: reference.DefaultDialString, EntryID: reference.DefaultEntryID, PollInterval: 2 * time.Millisecond, PollLimit: 20})
			if err != nil {
				t.Fatal(err)
			}
			tr := e.traceCall(t.Context(), "+15550100")
			if tr.Err != nil {
				t.Fatalf("trace stopped: %v", tr.Err)
			}
			for _, id := range transportChecked {
				o := judgeTrace(id, tr)
				want := !(faulty && id == "T5")
				if o.Pass != want || o.CannotJudge {
					t.Errorf("%s: %+v, want pass %v", id, o, want)
				}
				if !want && breakingExchange(id, tr) == nil {
					t.Errorf("%s broken, but no exchange found to show as evidence", id)
				}
			}
		})
	}
}
