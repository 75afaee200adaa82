package reference

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the engine's clock in tests: it advances by auto on every reading, so that
// each request sees a later instant and polling needs no sleeps.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	auto time.Duration
}

func newClock(auto time.Duration) *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), auto: auto}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.auto)
	return t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const testStep = 100 * time.Millisecond

func newTestHandler(t testing.TB, profile string, clk *fakeClock) *handler {
	t.Helper()
	h, err := newHandler(Options{Profile: profile, Step: testStep, Now: clk.Now})
	if err != nil {
		t.Fatalf("newHandler(%q): %v", profile, err)
	}
	return h
}

func envelope(inner string) string {
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` + inner + `</soap:Body></soap:Envelope>`
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func playReq(entryID, dial string) string {
	return envelope(`<PlayOnPhone xmlns="` + MessagesNamespace + `"><entryId>` + esc(entryID) + `</entryId><DialString>` + esc(dial) + `</DialString></PlayOnPhone>`)
}

func infoReq(id string) string {
	return envelope(`<GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>` + esc(id) + `</CallId></GetCallInfo>`)
}

func discReq(id string) string {
	return envelope(`<Disconnect xmlns="` + MessagesNamespace + `"><CallId>` + esc(id) + `</CallId></Disconnect>`)
}

// node is a generic XML element, decoded independently of the server's own parser.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n *node) child(space, local string) *node {
	for i := range n.Kids {
		if n.Kids[i].XMLName.Space == space && n.Kids[i].XMLName.Local == local {
			return &n.Kids[i]
		}
	}
	return nil
}

type reply struct {
	status   int
	hdr      http.Header
	ct       string
	body     []byte
	elapsed  time.Duration
	timedOut bool
	// aborted: the handler closed or reset the connection instead of answering
	// (http.ErrAbortHandler, which net/http turns into a dropped connection).
	aborted bool
	env     *node // nil unless a well-formed SOAP 1.1 Envelope with a Body
	payload *node // first Body child
}

func (r reply) isFault() bool {
	return r.payload != nil && r.payload.XMLName == xml.Name{Space: SOAP11Namespace, Local: "Fault"}
}

// exception returns the fault detail's ExceptionType without an a: prefix.
func (r reply) exception() string {
	if !r.isFault() {
		return ""
	}
	d := r.payload.child("", "detail")
	if d == nil {
		return ""
	}
	e := d.child(MessagesNamespace, "ExceptionType")
	if e == nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSpace(e.Text), "a:")
}

// callInfo returns CallState and EventCause of a nested GetCallInfo success.
func (r reply) callInfo() (state, cause string, ok bool) {
	if r.status != 200 || r.payload == nil || r.payload.XMLName != (xml.Name{Space: MessagesNamespace, Local: "GetCallInfoResponse"}) {
		return "", "", false
	}
	if len(r.payload.Kids) != 1 || r.payload.Kids[0].XMLName != (xml.Name{Space: MessagesNamespace, Local: "GetCallInfoResponse"}) {
		return "", "", false
	}
	k := r.payload.Kids[0].Kids
	if len(k) != 2 || k[0].XMLName != (xml.Name{Space: MessagesNamespace, Local: "CallState"}) ||
		k[1].XMLName != (xml.Name{Space: MessagesNamespace, Local: "EventCause"}) {
		return "", "", false
	}
	return k[0].Text, k[1].Text, true
}

// callID returns the CallId of a PlayOnPhone success.
func (r reply) callID() string {
	if r.status != 200 || r.payload == nil || len(r.payload.Kids) != 1 {
		return ""
	}
	return r.payload.Kids[0].Text
}

type client struct {
	t       testing.TB
	h       http.Handler
	path    string
	timeout time.Duration
}

func newClient(t testing.TB, h http.Handler) *client {
	return &client{t: t, h: h, path: LegacyPath, timeout: 2 * time.Second}
}

func (c *client) post(body string) reply {
	return c.do(http.MethodPost, c.path, "text/xml; charset=utf-8", []byte(body), nil)
}

func (c *client) do(method, target, ct string, body []byte, hdr map[string]string) reply {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	start := time.Now()
	aborted := serveAbortable(c.h, rec, req)
	r := reply{status: rec.Code, hdr: rec.Header(), ct: rec.Header().Get("Content-Type"), body: rec.Body.Bytes(), elapsed: time.Since(start), aborted: aborted}
	r.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	var env node
	if wellFormed(r.body, &env) && env.XMLName == (xml.Name{Space: SOAP11Namespace, Local: "Envelope"}) {
		if b := env.child(SOAP11Namespace, "Body"); b != nil {
			r.env = &env
			if len(b.Kids) > 0 {
				r.payload = &b.Kids[0]
			}
		}
	}
	return r
}

// serveAbortable serves req and reports whether the handler aborted it, as a server that
// drops the connection does; any other panic is the handler's bug and goes on up.
func serveAbortable(h http.Handler, w http.ResponseWriter, req *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler { //nolint:errorlint // the sentinel is panicked as is
				panic(v)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, req)
	return false
}

// wellFormed decodes body's root element into root and reads on to the end: after the
// root only comments, processing instructions and white space may follow, and no
// character XML forbids (encoding/xml refuses a NUL, which libxml2 takes for the end).
func wellFormed(body []byte, root *node) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	if d.Decode(root) != nil {
		return false
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		default:
			return false
		}
	}
}

func mediaType(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

// foreignCallID is well-formed under Exchange's rules but was never issued.
func foreignCallID() string {
	return base64.StdEncoding.EncodeToString([]byte("0f8fad5b-d9cb-469f-a165-70867728950e|" + DefaultFQDN))
}

func xmlUnmarshal(b []byte, v any) error { return xml.Unmarshal(b, v) }
