package suites

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

const (
	soapOpen  = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`
	soapClose = `</soap:Body></soap:Envelope>`
	msgNS     = `http://schemas.microsoft.com/exchange/services/2006/messages`
)

func info(state, cause string) string {
	return soapOpen + `<GetCallInfoResponse xmlns="` + msgNS + `"><GetCallInfoResponse><CallState>` + state +
		`</CallState><EventCause>` + cause + `</EventCause></GetCallInfoResponse></GetCallInfoResponse>` + soapClose
}

func fault(exception string) string {
	detail := ""
	if exception != "" {
		detail = `<detail><ExceptionType xmlns="` + msgNS + `">` + exception + `</ExceptionType></detail>`
	}
	return soapOpen + `<soap:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/errors">a:X</faultcode><faultstring>no</faultstring>` + detail + `</soap:Fault>` + soapClose
}

// exchange builds an answered exchange of op with the given status, content type and body.
func exchange(t *testing.T, op string, status int, ct, body string, expect fixtures.Expect) *Exchange {
	t.Helper()
	return &Exchange{Operation: op, Status: status, Header: http.Header{"Content-Type": {ct}}, Body: []byte(body),
		Result: validator(t).ValidateAs([]byte(body), schema.KindResponse), Fixture: fixtures.Fixture{ID: "f", Expect: expect}}
}

func TestReplayJudges(t *testing.T) {
	xml := "text/xml; charset=utf-8"
	success := fixtures.Expect{Outcome: fixtures.Success}
	faultExpect := fixtures.Expect{Outcome: fixtures.Fault, Exception: "InvalidCallIdException"}
	rejected := fixtures.Expect{Outcome: fixtures.Rejected}
	dead := &Exchange{Operation: "GetCallInfo", Err: &TransportError{Kind: "refused", Err: errors.New("connection refused")}}
	slow := &Exchange{Operation: "GetCallInfo", Err: &TransportError{Kind: "timeout", Err: errors.New("deadline")}}
	cases := []struct {
		name  string
		judge func(*Exchange) Outcome
		ex    *Exchange
		want  string
	}{
		{"T1 good", judgeT1, exchange(t, "GetCallInfo", 200, xml, info("Connected", "None"), success), "pass"},
		{"T1 not XML", judgeT1, exchange(t, "GetCallInfo", 200, xml, "<soap:Envelope", success), "fail"},
		{"T1 SOAP 1.2", judgeT1, exchange(t, "GetCallInfo", 500, xml, `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, success), "fail"},
		{"T1 4xx page is not judged", judgeT1, exchange(t, "GetCallInfo", 415, "text/html", "<html>", rejected), "pass"},
		{"T1 dead target", judgeT1, dead, "cannot judge"},
		{"T2 parameters and case", judgeT2, exchange(t, "GetCallInfo", 200, "Text/XML;Charset=UTF-8", info("Connected", "None"), success), "pass"},
		{"T2 text/plain", judgeT2, exchange(t, "GetCallInfo", 200, "text/plain", info("Connected", "None"), success), "fail"},
		{"T3 fault with 200", judgeT3, exchange(t, "GetCallInfo", 200, xml, fault("InvalidCallIdException"), faultExpect), "fail"},
		{"T3 500 without fault", judgeT3, exchange(t, "GetCallInfo", 500, xml, info("Connected", "None"), success), "fail"},
		{"T3 fault with 500", judgeT3, exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException"), faultExpect), "pass"},
		{"S1 flat response", judgeSuccessSchema("GetCallInfo"), exchange(t, "GetCallInfo", 200, xml,
			soapOpen+`<GetCallInfoResponse xmlns="`+msgNS+`"><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse>`+soapClose, success), "fail"},
		{"S1 ignores enumeration errors (S2's)", judgeSuccessSchema("GetCallInfo"), exchange(t, "GetCallInfo", 200, xml, info("connected", "None"), success), "pass"},
		{"S1 nothing to judge on a fault", judgeSuccessSchema("GetCallInfo"), exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException"), faultExpect), "pass"},
		{"S2 lower case", judgeS2, exchange(t, "GetCallInfo", 200, xml, info("connected", "None"), success), "fail"},
		{"S3 Unavailable", judgeS3, exchange(t, "GetCallInfo", 200, xml, info("Disconnected", "Unavailable"), success), "fail"},
		{"S3 NoAnswer", judgeS3, exchange(t, "GetCallInfo", 200, xml, info("Disconnected", "NoAnswer"), success), "pass"},
		{"S6 no faultstring", judgeS6, exchange(t, "GetCallInfo", 500, xml, strings.Replace(fault("X"), "<faultstring>no</faultstring>", "", 1), faultExpect), "fail"},
		{"S6 NUL after a fault", judgeS6, exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException")+"<!-- c -->\x00ok", faultExpect), "fail"},
		{"S6 fault with U+FFFE", judgeS6, exchange(t, "GetCallInfo", 500, xml, strings.Replace(fault("X"), ">no<", ">n\uFFFEo<", 1), faultExpect), "fail"},
		{"S6 a 4xx page is no fault", judgeS6, exchange(t, "GetCallInfo", 413, "text/html", "<html><p>too big", rejected), "pass"},
		{"T1 NUL after the envelope", judgeT1, exchange(t, "GetCallInfo", 200, xml, info("Connected", "None")+"\x00ok", success), "fail"},
		{"C2 bare", judgeException, exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException"), faultExpect), "pass"},
		{"C2 prefixed", judgeException, exchange(t, "GetCallInfo", 500, xml, fault("a:InvalidCallIdException"), faultExpect), "pass"},
		{"C2 other exception", judgeException, exchange(t, "GetCallInfo", 500, xml, fault("InvalidObjectIdException"), faultExpect), "fail"},
		{"C2 no detail", judgeException, exchange(t, "GetCallInfo", 500, xml, fault(""), faultExpect), "fail"},
		{"expect success got fault", judgeExpectation, exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException"), success), "fail"},
		{"expect fault got info", judgeExpectation, exchange(t, "GetCallInfo", 200, xml, info("Connected", "None"), faultExpect), "fail"},
		{"rejected by 415", judgeExpectation, exchange(t, "GetCallInfo", 415, "text/html", "<html>", rejected), "pass"},
		{"rejected never 200", judgeExpectation, exchange(t, "GetCallInfo", 200, xml, info("Connected", "None"), rejected), "fail"},
		{"exact status", judgeExpectation, exchange(t, "GetCallInfo", 400, "text/html", "", fixtures.Expect{Outcome: fixtures.Rejected, Status: 415}), "fail"},
		{"L2 cause while connected", judgeL2, exchange(t, "GetCallInfo", 200, xml, info("Connected", "Other"), success), "fail"},
		{"X5 timeout is a failure", judgeX5, slow, "fail"},
		{"X5 refused is not judged", judgeX5, dead, "cannot judge"},
		{"X2 timeout is a failure", judgeX2, slow, "fail"},
		{"expectation on a timeout is not judged", judgeExpectation, slow, "cannot judge"},
	}
	for _, c := range cases {
		if got := verdictOf(c.judge(c.ex)); got != c.want {
			t.Errorf("%s: %s, want %s (%+v)", c.name, got, c.want, c.judge(c.ex))
		}
	}
}

// TestS2SaysWhichValue: an enumeration break names the element and the value in words, the
// line the reports group identical breaks by; libxml2's message stays in the violations.
func TestS2SaysWhichValue(t *testing.T) {
	xml, success := "text/xml; charset=utf-8", fixtures.Expect{Outcome: fixtures.Success}
	for body, want := range map[string]string{
		info("Ringing", "None"):      "CallState 'Ringing' is not one of the 8 values",
		info("Connected", "Sneezed"): "EventCause 'Sneezed' is not one of the 5 values",
		info("connected", "None"):    "CallState 'connected' is not one of the 8 values",
		info("Ring'ing", "NoAnswer"): "CallState 'Ring'ing' is not one of the 8 values",
	} {
		o := judgeS2(exchange(t, "GetCallInfo", 200, xml, body, success))
		if o.Pass || o.Actual != want || len(o.Violations) == 0 || !strings.Contains(o.Violations[0].Message, "enumeration") {
			t.Errorf("%s: actual %q, want %q (violations %v)", body, o.Actual, want, o.Violations)
		}
	}
}

// TestT1NamesADocumentTooBigToParse: T1 says why a body with too much markup was not read,
// rather than that it has no Envelope.
func TestT1NamesADocumentTooBigToParse(t *testing.T) {
	ex := exchange(t, "GetCallInfo", 200, "text/xml", soapOpen+strings.Repeat("<a/>", schema.DefaultMaxMarkup)+soapClose, fixtures.Expect{Outcome: fixtures.Success})
	if o := judgeT1(ex); o.Pass || o.CannotJudge || !strings.HasPrefix(o.Actual, schema.NotParsed) {
		t.Errorf("got %+v", o)
	}
}

func TestVariantJudge(t *testing.T) {
	xml := "text/xml; charset=utf-8"
	success := fixtures.Expect{Outcome: fixtures.Success}
	canonical := exchange(t, "GetCallInfo", 200, xml, info("Connected", "None"), success)
	if o := judgeVariant(exchange(t, "GetCallInfo", 200, xml, info("Alerted", "None"), success), canonical); !o.Pass {
		t.Errorf("a different call state is the same verdict: %+v", o)
	}
	if o := judgeVariant(exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException"), success), canonical); o.Pass || o.CannotJudge {
		t.Errorf("a fault for a variant of a success must fail: %+v", o)
	}
	if o := judgeVariant(canonical, nil); !o.CannotJudge {
		t.Errorf("no canonical fixture: %+v", o)
	}
}

func TestSenderBoundsAndRedacts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		chunk := strings.Repeat("x", 1<<20)
		for range 17 { // past maxResponseBytes
			if _, err := w.Write([]byte(chunk)); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/EWS/UM2007Legacy.asmx")
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := corpus.Lookup("gci-callid-unknown")
	s := &Sender{Target: u, Client: srv.Client(), Headers: http.Header{"X-Api-Key": {"k-secret"}, "Cookie": {"c-secret"}}, Timeout: 10 * time.Second, Validator: validator(t)}
	ex := s.Send(t.Context(), f, fixtures.Values{})
	var te *TransportError
	if !errors.As(ex.Err, &te) || te.Kind != "truncated" || !strings.Contains(te.Error(), "not read further") {
		t.Errorf("an oversized answer: %v", ex.Err)
	}
	if req := string(ex.Request); strings.Contains(req, "secret") || !strings.Contains(req, "X-Api-Key: [redacted]") {
		t.Errorf("extra headers not redacted in evidence:\n%s", req)
	}
}

// TestExchangesKeepTheStartOfBodies: a checked exchange keeps the first keptBodyBytes of
// its body with the whole body's length and SHA-256, and so does its evidence; a body over
// maxResponseBytes is not read past it (its declared length is kept, not a hash of part of
// it); a judge that must see the whole body (X1) gets it before it is cut; a body that
// arrives slowly is cut by the timeout, which bounds the whole exchange.
func TestExchangesKeepTheStartOfBodies(t *testing.T) {
	big := soapOpen + "<!--" + strings.Repeat("x", 100_000) + "telltale-->" + soapClose
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		switch r.URL.Query().Get("b") {
		case "big":
			fmt.Fprint(w, big)
		case "huge":
			w.Header().Set("Content-Length", strconv.Itoa(1<<30))
			for range 1 << 30 / (1 << 20) {
				if _, err := w.Write(make([]byte, 1<<20)); err != nil {
					return
				}
			}
		case "endless":
			for { // chunked, never ending
				if _, err := w.Write(make([]byte, 1<<20)); err != nil {
					return
				}
			}
		case "drip":
			w.Header().Set("Content-Length", "100000")
			for range 100000 {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}
	}))
	defer srv.Close()
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := corpus.Lookup("gci-callid-unknown")
	send := func(query string, timeout time.Duration) *Exchange {
		u, _ := url.Parse(srv.URL + "/EWS/UM2007Legacy.asmx?b=" + query)
		s := &Sender{Target: u, Client: srv.Client(), Timeout: timeout, Validator: validator(t)}
		return s.Send(t.Context(), f, fixtures.Values{})
	}

	ex := send("big", 10*time.Second)
	sum := sha256.Sum256([]byte(big))
	if ex.Err != nil || len(ex.Body) != keptBodyBytes || ex.BodyBytes != int64(len(big)) || ex.BodySHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("a 100 KB body: err %v, kept %d bytes, length %d, hash %q", ex.Err, len(ex.Body), ex.BodyBytes, ex.BodySHA256)
	}
	ev := evidence(ex)
	if ev.ResponseBytes != int64(len(big)) || ev.ResponseSHA256 != ex.BodySHA256 || !strings.HasSuffix(ev.Response, fmt.Sprintf("… (%d more bytes)", len(big)-keptBodyBytes)) {
		t.Errorf("evidence of a 100 KB body: %d bytes, hash %q, excerpt ends %q", ev.ResponseBytes, ev.ResponseSHA256, ev.Response[len(ev.Response)-40:])
	}
	u, _ := url.Parse(srv.URL + "/EWS/UM2007Legacy.asmx?b=big")
	s := &Sender{Target: u, Client: srv.Client(), Timeout: 10 * time.Second, Validator: validator(t)}
	ex, o := s.SendAndJudge(t.Context(), f, fixtures.Values{}, judgeNotExpanded("f", regexp.MustCompile("telltale")))
	if o.Pass || !strings.Contains(o.Where, "byte") || len(ex.Body) != keptBodyBytes {
		t.Errorf("X1 past the kept start: %+v (kept %d)", o, len(ex.Body))
	}

	ex = send("huge", 10*time.Second)
	var te *TransportError
	if !errors.As(ex.Err, &te) || te.Kind != "truncated" || !strings.Contains(te.Error(), "Content-Length 1073741824") ||
		len(ex.Body) != keptBodyBytes || ex.BodyBytes != 1<<30 || ex.BodySHA256 != "" {
		t.Errorf("a 1 GiB body: err %v, kept %d, length %d, hash %q", ex.Err, len(ex.Body), ex.BodyBytes, ex.BodySHA256)
	}
	if ev := evidence(ex); ev.ResponseBytes != 1<<30 || ev.ResponseSHA256 != "" {
		t.Errorf("evidence of a 1 GiB body: %d bytes, hash %q", ev.ResponseBytes, ev.ResponseSHA256)
	}

	ex = send("endless", 10*time.Second)
	if !errors.As(ex.Err, &te) || te.Kind != "truncated" || len(ex.Body) != keptBodyBytes || ex.BodyBytes != -1 {
		t.Errorf("an endless body: err %v, kept %d, length %d", ex.Err, len(ex.Body), ex.BodyBytes)
	}
	if ev := evidence(ex); ev.ResponseBytes != 0 || !strings.HasSuffix(ev.Response, "how many unknown)") {
		t.Errorf("evidence of an endless body: %d bytes, excerpt ends %q", ev.ResponseBytes, ev.Response[len(ev.Response)-40:])
	}

	start := time.Now()
	ex = send("drip", 500*time.Millisecond)
	if !errors.As(ex.Err, &te) || te.Kind != "timeout" || time.Since(start) > 5*time.Second {
		t.Errorf("a body dripping a byte each 100 ms: err %v after %v", ex.Err, time.Since(start))
	}
}

func TestParseLabels(t *testing.T) {
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://127.0.0.1/x")
	e, err := NewEnv(Config{Target: u, Validator: validator(t), Fixtures: fixtures.Loaded(corpus, nil), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l := e.ParseLabels([]string{"C2", "MUST", "callid", "gci-callid-unknown", "Z9", "target-127.0.0.1"})
	if strings.Join(l.Requirements, ",") != "C2" || strings.Join(l.Unknown, ",") != "Z9" || l.Fixture != "gci-callid-unknown" {
		t.Errorf("%+v", l)
	}
}

// countingEnv is an Env over the embedded corpus whose target counts the requests it gets
// and answers each with HTTP 500 once answer returns.
func countingEnv(t *testing.T, answer func()) (*Env, *atomic.Int32) {
	t.Helper()
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		answer()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL + "/EWS/UM2007Legacy.asmx")
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEnv(Config{Target: u, Validator: validator(t), Fixtures: fixtures.Loaded(corpus, nil), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return e, &posts
}

// TestPrefetchIsAwaitedAndStopped: a check whose fixture the prefetcher is sending gets
// that one exchange (the fixture is not sent twice); a check that ends while waiting stops
// the prefetcher, so an interrupted run sends nothing more.
func TestPrefetchIsAwaitedAndStopped(t *testing.T) {
	release := make(chan struct{})
	e, posts := countingEnv(t, func() { <-release })
	defer close(release)
	queue := e.startPrefetch(e.umAPI(), 3)
	for _, id := range []string{"gci-callid-unknown", "gci-callid-empty", "gci-callid-whitespace"} {
		e.um.willRead([]string{id}) // declared with a check, as a run queues it
		queue <- id
	}
	close(queue)
	for posts.Load() == 0 { // the prefetcher's first request is at the server
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the check is interrupted while the exchange is in flight
	ex := e.exchange(ctx, e.umAPI(), "gci-callid-unknown")
	var te *TransportError
	if !errors.As(ex.Err, &te) || !strings.Contains(te.Error(), "while waiting for fixture gci-callid-unknown") {
		t.Fatalf("an interrupted wait: %v", ex.Err)
	}
	release <- struct{}{} // the in-flight request ends; the prefetcher must not send another
	time.Sleep(200 * time.Millisecond)
	if n := posts.Load(); n != 1 {
		t.Errorf("%d requests after the wait was interrupted, want the 1 in flight", n)
	}
	e.exchange(t.Context(), e.umAPI(), "gci-callid-unknown") // answered from the memo
	if n := posts.Load(); n != 1 {
		t.Errorf("%d requests: the fixture was sent again", n)
	}
}

// TestPrefetchBehindTheChecksSendsNothingTwice: on a loaded machine the checks can overtake
// the prefetcher. A fixture whose checks have read and forgotten its exchange (doneReading)
// must not be sent again when the prefetcher reaches it: against a phone system a
// PlayOnPhone fixture sent twice rings the phone twice (seen as 9 to 11 UM PlayOnPhone
// requests, where a run places 8, in TestCallEconomyBothAPIs under load).
func TestPrefetchBehindTheChecksSendsNothingTwice(t *testing.T) {
	e, posts := countingEnv(t, func() {})
	ids := []string{"gci-callid-empty", "gci-callid-unknown"}
	e.um.willRead(ids[:1])                     // declared: one spec reads it
	e.um.willRead(ids[1:])                     // declared, not read yet: the prefetcher sends it
	e.exchange(t.Context(), e.umAPI(), ids[0]) // its check ran before the prefetcher reached it
	e.doneReading(e.um, ids[:1])
	if n := posts.Load(); n != 1 {
		t.Fatalf("%d requests for the check's exchange, want 1", n)
	}
	queue := e.startPrefetch(e.umAPI(), len(ids))
	for _, id := range ids {
		queue <- id
	}
	close(queue)
	deadline := time.Now().Add(5 * time.Second)
	for posts.Load() < 2 && time.Now().Before(deadline) { // the second fixture, still to be read, is sent
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := posts.Load(); n != 2 {
		t.Errorf("%d requests, want 2: %s once (read before the prefetcher reached it) and %s once (prefetched)", n, ids[0], ids[1])
	}
}
