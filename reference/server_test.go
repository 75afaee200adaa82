package reference

import (
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLifecycleOnBothPaths(t *testing.T) {
	for _, path := range []string{LegacyPath, Path2007, strings.ToLower(LegacyPath)} {
		t.Run(path, func(t *testing.T) {
			clk := newClock(0)
			c := newClient(t, newTestHandler(t, "", clk))
			c.path = path
			r := c.post(playReq(DefaultEntryID, DefaultDialString))
			id := r.callID()
			if r.status != 200 || id == "" {
				t.Fatalf("PlayOnPhone: status %d body %s", r.status, r.body)
			}
			raw, err := base64.StdEncoding.DecodeString(id)
			if err != nil || len(id) > MaxCallIDLength {
				t.Fatalf("CallId %q: not Base64 or too long: %v", id, err)
			}
			guid, host, _ := strings.Cut(string(raw), "|")
			if !isGUID(guid) || host != DefaultFQDN {
				t.Fatalf("CallId decodes to %q, want GUID|%s", raw, DefaultFQDN)
			}
			want := []string{StateConnecting, StateAlerted, StateAlerted, StateConnected, StateConnected}
			for i, w := range want {
				st, cause, ok := c.post(infoReq(id)).callInfo()
				if !ok || st != w || cause != CauseNone {
					t.Fatalf("step %d: got %s/%s ok=%v, want %s/None", i, st, cause, ok, w)
				}
				clk.Advance(testStep)
			}
			d := c.post(discReq(id))
			if d.status != 200 || d.payload == nil || d.payload.XMLName.Local != "DisconnectResponse" ||
				d.payload.XMLName.Space != MessagesNamespace || len(d.payload.Kids) != 0 || strings.TrimSpace(d.payload.Text) != "" {
				t.Fatalf("Disconnect: status %d body %s", d.status, d.body)
			}
			for range 3 {
				st, cause, ok := c.post(infoReq(id)).callInfo()
				if !ok || st != StateDisconnected || cause != CauseNone {
					t.Fatalf("after Disconnect: %s/%s ok=%v", st, cause, ok)
				}
				clk.Advance(time.Hour / 100)
			}
			if again := c.post(discReq(id)); again.status != 200 {
				t.Fatalf("second Disconnect of a known call: status %d", again.status)
			}
		})
	}
}

func TestScenariosFollowTheirTimeline(t *testing.T) {
	states, causes := map[string]bool{}, map[string]bool{}
	for _, s := range Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			clk := newClock(0)
			c := newClient(t, newTestHandler(t, "", clk))
			id := c.post(playReq(DefaultEntryID, s.DialString)).callID()
			if id == "" {
				t.Fatalf("PlayOnPhone %s failed", s.DialString)
			}
			var want []Phase
			for _, p := range s.Timeline {
				for range max(p.Steps, 1) {
					want = append(want, p)
				}
			}
			last := want[len(want)-1]
			want = append(want, last, last, last) // the last phase holds
			for i, w := range want {
				st, cause, ok := c.post(infoReq(id)).callInfo()
				if !ok || st != w.State || cause != w.Cause {
					t.Fatalf("step %d: got %s/%s ok=%v, want %s/%s", i, st, cause, ok, w.State, w.Cause)
				}
				if st != StateDisconnected && cause != CauseNone {
					t.Fatalf("step %d: EventCause %s while %s", i, cause, st)
				}
				states[st], causes[cause] = true, true
				clk.Advance(testStep)
			}
		})
	}
	for _, v := range []string{StateIdle, StateConnecting, StateAlerted, StateConnected, StateDisconnected, StateIncoming, StateTransferring, StateForwarding} {
		if !states[v] {
			t.Errorf("no scenario produces CallState %s", v)
		}
	}
	for _, v := range []string{CauseNone, CauseUserBusy, CauseNoAnswer, CauseUnavailable, CauseOther} {
		if !causes[v] {
			t.Errorf("no scenario produces EventCause %s", v)
		}
	}
}

func TestDisconnectKeepsScheduledCause(t *testing.T) {
	clk := newClock(0)
	c := newClient(t, newTestHandler(t, "", clk))
	id := c.post(playReq(DefaultEntryID, "+15550101")).callID()
	clk.Advance(10 * testStep)
	c.post(discReq(id))
	if st, cause, _ := c.post(infoReq(id)).callInfo(); st != StateDisconnected || cause != CauseUserBusy {
		t.Fatalf("busy call disconnected after it ended: %s/%s, want Disconnected/UserBusy", st, cause)
	}
}

func TestExceptionFaults(t *testing.T) {
	long := strings.Repeat("QUFB", MaxCallIDLength/4+1)
	two := base64.StdEncoding.EncodeToString([]byte("0f8fad5b-d9cb-469f-a165-70867728950e|a|b"))
	notGUID := base64.StdEncoding.EncodeToString([]byte("not-a-guid|" + DefaultFQDN))
	otherHost := base64.StdEncoding.EncodeToString([]byte("0f8fad5b-d9cb-469f-a165-70867728950e|other.example"))
	missing := envelope(`<GetCallInfo xmlns="` + MessagesNamespace + `"/>`)
	twice := envelope(`<GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>` + foreignCallID() + `</CallId><CallId>x</CallId></GetCallInfo>`)
	cases := []struct {
		name, req, exception string
	}{
		{"unknown", infoReq(foreignCallID()), excInvalidCallID},
		{"empty", infoReq(""), excInvalidCallID},
		{"whitespace", infoReq("   "), excInvalidCallID},
		{"not base64", infoReq("not base64!"), excInvalidCallID},
		{"over-long", infoReq(long), excInvalidCallID},
		{"two pipes", infoReq(two), excInvalidCallID},
		{"not a guid", infoReq(notGUID), excInvalidCallID},
		{"other server", infoReq(otherHost), excInvalidCallID},
		{"documentation example CallId", infoReq("MDlkZjllZGMtNGUyMy00NzA5LWJkYWYtN2JlMjBjYjBhZTU2QGRmLWV1bS0wMS5leGNoYW5nZS5jb3JwLm1pY3Jvc29mdC5jb20="), excInvalidCallID},
		{"missing CallId", missing, excInvalidCallID},
		{"repeated CallId", twice, excInvalidCallID},
		{"disconnect unknown", discReq(foreignCallID()), excInvalidCallID},
		{"disconnect missing", envelope(`<Disconnect xmlns="` + MessagesNamespace + `"/>`), excInvalidCallID},
		{"bad entryId", playReq("***", DefaultDialString), excInvalidObjectID},
		{"short entryId", playReq("QUJD", DefaultDialString), excInvalidObjectID},
		{"undialable", playReq(DefaultEntryID, "call me"), excDialingRules},
		{"one digit", playReq(DefaultEntryID, "5"), excDialingRules},
		{"missing DialString", envelope(`<PlayOnPhone xmlns="` + MessagesNamespace + `"><entryId>` + DefaultEntryID + `</entryId></PlayOnPhone>`), excDialingRules},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newClient(t, newTestHandler(t, "", newClock(0))).post(tc.req)
			if r.status != 500 || r.ct != "text/xml; charset=utf-8" || !r.isFault() {
				t.Fatalf("status %d, content type %q, body %s", r.status, r.ct, r.body)
			}
			if got := r.exception(); got != tc.exception {
				t.Errorf("ExceptionType %q, want %q", got, tc.exception)
			}
			want := `<faultcode xmlns:a="` + ErrorsNamespace + `">a:` + tc.exception + `</faultcode>`
			if !strings.Contains(string(r.body), want) {
				t.Errorf("faultcode not in Exchange's form %s: %s", want, r.body)
			}
			if strings.Contains(string(r.body), "not base64!") {
				t.Errorf("the correct profile echoes request values: %s", r.body)
			}
		})
	}
}

func TestDispatchFaults(t *testing.T) {
	canary := filepath.Join(t.TempDir(), "umconform-canary.txt")
	if err := os.WriteFile(canary, []byte("CANARY-7f3a"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, req, code string }{
		{"https namespace", envelope(`<GetCallInfo xmlns="https://schemas.microsoft.com/exchange/services/2006/messages"><CallId>x</CallId></GetCallInfo>`), "Client"},
		{"message typo", envelope(`<GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/message"><CallId>x</CallId></GetCallInfo>`), "Client"},
		{"no namespace", envelope(`<GetCallInfo><CallId>x</CallId></GetCallInfo>`), "Client"},
		{"empty Body", envelope(``), "Client"},
		{"unknown operation", envelope(`<GetCallInformation xmlns="` + MessagesNamespace + `"/>`), "Client"},
		{"malformed", `<soap:Envelope xmlns:soap="` + SOAP11Namespace + `"><soap:Body><GetCallInfo>`, "Client"},
		{"not xml", `hello`, "Client"},
		{"empty request", ``, "Client"},
		{"no Body", `<soap:Envelope xmlns:soap="` + SOAP11Namespace + `"/>`, "Client"},
		{"not an envelope", `<GetCallInfo xmlns="` + MessagesNamespace + `"/>`, "Client"},
		{"two roots", envelope(``) + `<x/>`, "Client"},
		{"undeclared entity", infoReq("") + "", "Client"},
		{"SOAP 1.2", `<e:Envelope xmlns:e="` + SOAP12Namespace + `"><e:Body><GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>x</CallId></GetCallInfo></e:Body></e:Envelope>`, "VersionMismatch"},
		{"mustUnderstand", `<soap:Envelope xmlns:soap="` + SOAP11Namespace + `"><soap:Header><X xmlns="urn:x" soap:mustUnderstand="1"/></soap:Header><soap:Body><GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>x</CallId></GetCallInfo></soap:Body></soap:Envelope>`, "MustUnderstand"},
		{"XXE", `<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY e SYSTEM "file://` + canary + `">]>` + infoReq("&e;")[len(`<?xml version="1.0" encoding="utf-8"?>`)+1:], "Client"},
		{"billion laughs", `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>` + infoReq("&c;")[len(`<?xml version="1.0" encoding="utf-8"?>`)+1:], "Client"},
		{"deep nesting", envelope(strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)), "Client"},
		{"NUL after the envelope", infoReq("x") + "<!-- c -->\x00ok", "Client"},
		// Bytes that are not UTF-8: the declaration naming Latin-1 does not make them readable,
		// since HTTP's charset, not the declaration, says what a request is in (R1019).
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.Replace(infoReq("x")[len(`<?xml version="1.0" encoding="utf-8"?>`):], "<CallId>x<", "<CallId>\xe9<", 1), "Client"},
	}
	cases[11].req = strings.Replace(infoReq("X"), "X", "&undeclared;", 1)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newClient(t, newTestHandler(t, "", newClock(0))).post(tc.req)
			if r.status != 500 || !r.isFault() || r.ct != "text/xml; charset=utf-8" {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			if code := r.payload.child("", "faultcode"); code == nil || code.Text != "soap:"+tc.code {
				t.Errorf("faultcode %v, want soap:%s", code, tc.code)
			}
			if r.payload.child("", "faultstring") == nil {
				t.Error("no faultstring")
			}
			if strings.Contains(string(r.body), "CANARY") || strings.Contains(string(r.body), "aaaaaaaaaa") {
				t.Errorf("an entity was expanded into the response: %s", r.body)
			}
		})
	}
}

func TestTransport(t *testing.T) {
	h := newTestHandler(t, "", newClock(0))
	c := newClient(t, h)
	valid := []byte(playReq(DefaultEntryID, DefaultDialString))
	cases := []struct {
		name, method, target, ct string
		body                     []byte
		hdr                      map[string]string
		status                   int
		mediaType                string
	}{
		{"GET page", "GET", LegacyPath, "", nil, nil, 200, "text/html"},
		{"GET wsdl", "GET", LegacyPath + "?wsdl", "", nil, nil, 200, "text/xml"},
		{"GET WSDL upper", "GET", Path2007 + "?WSDL", "", nil, nil, 200, "text/xml"},
		{"PUT", "PUT", LegacyPath, "text/xml", valid, nil, 405, ""},
		{"DELETE", "DELETE", LegacyPath, "", nil, nil, 405, ""},
		{"unknown path", "POST", "/EWS/Exchange2.asmx", "text/xml", valid, nil, 404, ""},
		{"text/plain", "POST", LegacyPath, "text/plain", valid, nil, 415, ""},
		{"soap+xml", "POST", LegacyPath, "application/soap+xml; charset=utf-8", valid, nil, 415, ""},
		{"no content type", "POST", LegacyPath, "", valid, nil, 415, ""},
		{"bad content type", "POST", LegacyPath, "text/xml; ===", valid, nil, 415, ""},
		{"text/xml bare", "POST", LegacyPath, "text/xml", valid, nil, 200, "text/xml"},
		{"text/xml upper", "POST", LegacyPath, "TEXT/XML; Charset=UTF-8", valid, nil, 200, "text/xml"},
		{"with SOAPAction", "POST", LegacyPath, "text/xml", valid, map[string]string{"SOAPAction": `"` + MessagesNamespace + `/PlayOnPhone"`}, 200, "text/xml"},
		{"wrong SOAPAction", "POST", LegacyPath, "text/xml", valid, map[string]string{"SOAPAction": `"urn:nonsense"`}, 200, "text/xml"},
		{"oversized", "POST", LegacyPath, "text/xml", append(valid, make([]byte, DefaultMaxRequestBytes)...), nil, 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.target, tc.ct, tc.body, tc.hdr)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.mediaType != "" && mediaType(r.ct) != tc.mediaType {
				t.Errorf("content type %q, want %s", r.ct, tc.mediaType)
			}
			if tc.status == 405 && r.hdr.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("405 without Allow: %q", r.hdr.Get("Allow"))
			}
		})
	}
	w := c.do("GET", LegacyPath+"?wsdl", "", nil, nil)
	for _, want := range []string{`name="PlayOnPhone"`, `name="GetCallInfo"`, `name="Disconnect"`, `style="document"`, `use="literal"`,
		`transport="http://schemas.xmlsoap.org/soap/http"`, `location="http://example.com` + LegacyPath + `"`} {
		if !strings.Contains(string(w.body), want) {
			t.Errorf("WSDL lacks %s", want)
		}
	}
	var n node
	if err := xmlUnmarshal(w.body, &n); err != nil || n.XMLName.Local != "definitions" {
		t.Errorf("WSDL is not a WSDL 1.1 document: %v", err)
	}
}

func TestOversizedChunkedRequest(t *testing.T) {
	h, err := newHandler(Options{MaxRequestBytes: 1024, Now: newClock(0).Now})
	if err != nil {
		t.Fatal(err)
	}
	body := playReq(DefaultEntryID, DefaultDialString)
	padded := strings.Replace(body, "<soap:Body>", "<soap:Body><!--"+strings.Repeat("x", 2048)+"-->", 1)
	rec := newClient(t, h).do("POST", LegacyPath, "text/xml", []byte(padded), nil)
	if rec.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.status)
	}
	if r := newClient(t, h).post(body); r.status != 200 {
		t.Fatalf("a request under the cap: status %d", r.status)
	}
}

// TestWireVariantsAgree covers R1 and R2 on the correct profile: each recorded variant of a
// valid request gets the same answer as the canonical form.
func TestWireVariantsAgree(t *testing.T) {
	clk := newClock(0)
	h := newTestHandler(t, "", clk)
	c := newClient(t, h)
	id := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
	canon := infoReq(id)
	noDecl := canon[strings.Index(canon, "<soap:Envelope"):]
	inner := `<GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>` + id + `</CallId></GetCallInfo>`
	variants := map[string]string{
		"canonical":      canon,
		"no declaration": noDecl,
		"prefix s":       `<s:Envelope xmlns:s="` + SOAP11Namespace + `"><s:Body>` + inner + `</s:Body></s:Envelope>`,
		"default ns":     `<Envelope xmlns="` + SOAP11Namespace + `"><Body>` + inner + `</Body></Envelope>`,
		"prefixed op":    `<soap:Envelope xmlns:soap="` + SOAP11Namespace + `" xmlns:m="` + MessagesNamespace + `"><soap:Body><m:GetCallInfo><m:CallId>` + id + `</m:CallId></m:GetCallInfo></soap:Body></soap:Envelope>`,
		"header":         strings.Replace(canon, "<soap:Body>", `<soap:Header><RequestServerVersion xmlns="`+TypesNamespace+`" Version="Exchange2013"/></soap:Header><soap:Body>`, 1),
		"crlf":           strings.ReplaceAll(strings.Replace(strings.Replace(canon, "<soap:Body>", "\r\n  <soap:Body>\r\n    ", 1), "</soap:Body>", "\r\n  </soap:Body>\r\n", 1), "\n<soap", "\r\n<soap"),
		"bom":            "\ufeff" + canon,
	}
	for name, v := range variants {
		st, cause, ok := c.post(v).callInfo()
		if !ok || st != StateConnecting || cause != CauseNone {
			t.Errorf("%s: got %s/%s ok=%v, want Connecting/None", name, st, cause, ok)
		}
	}
}

func TestCallCapAndExpiry(t *testing.T) {
	clk := newClock(0)
	h, c := threeCallServer(t, clk)
	var ids []string
	for range 3 {
		ids = append(ids, c.post(playReq(DefaultEntryID, DefaultDialString)).callID())
	}
	r := c.post(playReq(DefaultEntryID, DefaultDialString))
	if r.status != 500 || r.exception() != excCallLimit {
		t.Fatalf("fourth call: status %d exception %q", r.status, r.exception())
	}
	clk.Advance(time.Minute)
	if n := h.eng.size(clk.Now()); n != 0 {
		t.Fatalf("%d calls remembered after the TTL, want 0", n)
	}
	if r := c.post(infoReq(ids[0])); r.exception() != excInvalidCallID {
		t.Fatalf("expired call: status %d exception %q", r.status, r.exception())
	}
	if id := c.post(playReq(DefaultEntryID, DefaultDialString)).callID(); id == "" {
		t.Fatal("no room for a new call after expiry")
	}
}

func TestOptionsAndProfilesLookup(t *testing.T) {
	for _, name := range []string{"", "default", "EXCHANGE", " exchange "} {
		if p, err := LookupProfile(name); err != nil || p.Name != ProfileExchange {
			t.Errorf("LookupProfile(%q) = %q, %v", name, p.Name, err)
		}
	}
	if _, err := LookupProfile("nope"); err == nil || !strings.Contains(err.Error(), "t2-text-plain") {
		t.Errorf("unknown profile error should list the names: %v", err)
	}
	if _, err := NewHandler(Options{Profile: "nope"}); err == nil {
		t.Error("NewHandler accepted an unknown profile")
	}
	if _, err := NewHandler(Options{FQDN: "a|b"}); err == nil {
		t.Error("NewHandler accepted an FQDN with |")
	}
	if _, err := NewHandler(Options{Step: -1}); err == nil {
		t.Error("NewHandler accepted a negative Step")
	}
	seen := map[string]bool{}
	for _, p := range Profiles() {
		if seen[p.Name] || p.Name != strings.ToLower(p.Name) || p.Doc == "" {
			t.Errorf("profile %q: duplicate, not lower case, or undocumented", p.Name)
		}
		seen[p.Name] = true
		if p.Legal != (len(p.Breaks) == 0) {
			t.Errorf("profile %q: Legal=%v but Breaks=%v", p.Name, p.Legal, p.Breaks)
		}
		if !p.Legal && (len(p.Breaks) != 1 || !strings.HasPrefix(p.Name, strings.ToLower(p.Breaks[0])+"-") || !strings.HasPrefix(p.Doc, p.Breaks[0]+": ")) {
			t.Errorf("profile %q: must break exactly one requirement, named first in its name and doc", p.Name)
		}
	}
}

// TestCloseDoesNotWaitForUnusedConnections: a client transport dials ahead and may leave a
// connection that never sends a request; http.Server.Shutdown waits five seconds for such a
// connection unless the server hangs up on it, which Close does.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	s, err := Start(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.URL())
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// The server hangs up within the read deadline; waiting out Shutdown's five seconds
	// would end the read with a timeout instead.
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the unused connection was not closed by Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// threeCallServer is a reference server that remembers at most 3 calls, each for a
// minute of clk, and a client of it.
func threeCallServer(t *testing.T, clk *fakeClock) (*handler, *client) {
	t.Helper()
	h, err := newHandler(Options{MaxCalls: 3, CallTTL: time.Minute, Step: testStep, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return h, newClient(t, h)
}

// TestEndedCallsMakeRoom: the cap is on calls in progress. A client that ends each call
// before it places the next (the bench's floor, a long harness run) may place any number
// within CallTTL; the table still holds at most MaxCalls, forgetting the oldest ended calls.
// Until 2026-12-05 ended calls held their place until CallTTL, and the fourth sequential
// call here was refused.
func TestEndedCallsMakeRoom(t *testing.T) {
	clk := newClock(0)
	h, c := threeCallServer(t, clk)
	var ids []string
	for i := range 10 {
		id := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
		if id == "" {
			t.Fatalf("sequential call %d refused", i+1)
		}
		if r := c.post(discReq(id)); r.status != 200 || r.isFault() {
			t.Fatalf("Disconnect of call %d: status %d exception %q", i+1, r.status, r.exception())
		}
		ids = append(ids, id)
	}
	if n := h.eng.size(clk.Now()); n != 3 {
		t.Fatalf("%d calls remembered, want 3 (MaxCalls)", n)
	}
	// The newest ended calls still answer Disconnected; the oldest were forgotten.
	for _, id := range ids[7:] {
		if st, cause, ok := c.post(infoReq(id)).callInfo(); !ok || st != StateDisconnected || cause != CauseNone {
			t.Errorf("recent ended call: got %s/%s ok=%v, want Disconnected/None", st, cause, ok)
		}
	}
	if r := c.post(infoReq(ids[0])); r.exception() != excInvalidCallID {
		t.Errorf("oldest ended call: status %d exception %q, want %s", r.status, r.exception(), excInvalidCallID)
	}

	// Calls in progress keep their place: with two live and one ended, a new call takes the
	// ended one's place (wherever it is in the table), and the next is refused.
	h, c = threeCallServer(t, clk)
	live := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
	ended := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
	live2 := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
	if r := c.post(discReq(ended)); r.status != 200 {
		t.Fatalf("Disconnect: status %d exception %q", r.status, r.exception())
	}
	if id := c.post(playReq(DefaultEntryID, DefaultDialString)).callID(); id == "" {
		t.Fatal("no room for a call in place of an ended one")
	}
	if r := c.post(playReq(DefaultEntryID, DefaultDialString)); r.status != 500 || r.exception() != excCallLimit {
		t.Fatalf("fourth live call: status %d exception %q, want %s", r.status, r.exception(), excCallLimit)
	}
	for _, id := range []string{live, live2} {
		if st, _, ok := c.post(infoReq(id)).callInfo(); !ok || st == StateDisconnected {
			t.Errorf("live call: got %s ok=%v, want it still in progress", st, ok)
		}
	}

	// A call in progress ahead of many ended ones (a harness's shared call) keeps its place,
	// and the expiry queue does not grow with the calls that made room.
	h, c = threeCallServer(t, clk)
	live = c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
	for i := range 100 {
		id := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
		if id == "" {
			t.Fatalf("sequential call %d beside a live one refused", i+1)
		}
		c.post(discReq(id))
	}
	if st, _, ok := c.post(infoReq(live)).callInfo(); !ok || st == StateDisconnected {
		t.Errorf("the live call placed first: got %s ok=%v, want it still in progress", st, ok)
	}
	h.eng.mu.Lock()
	n, q := len(h.eng.calls), len(h.eng.queue)
	h.eng.mu.Unlock()
	if n != 3 || q != n {
		t.Errorf("%d calls and %d queue entries remembered, want 3 of each", n, q)
	}
}

// BenchmarkPlaceEndFullTable is the cost of a PlayOnPhone and its Disconnect on a table
// full of ended calls, behind one call in progress (the harness's shared call).
func BenchmarkPlaceEndFullTable(b *testing.B) {
	now := time.Now()
	e := newEngine(DefaultFQDN, testStep, time.Hour, DefaultMaxCalls, policy{})
	if _, err := e.place(0, now); err != nil {
		b.Fatal(err)
	}
	cycle := func() {
		id, err := e.place(0, now)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.disconnect(id, now); err != nil {
			b.Fatal(err)
		}
	}
	for range DefaultMaxCalls {
		cycle()
	}
	for b.Loop() {
		cycle()
	}
}
