package e2e

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/umconform/umconform/schema"
)

// The harness's own adversaries: small EWS servers written apart from the reference engine
// (reference/), each in its own wire form. The legal ones must pass clean; each broken one
// must fail exactly the requirements it breaks, with exit 1.

const (
	advItem = "AAMkAGFkdmVyc2FyeS12b2ljZS1tYWlsLWl0ZW0AAA=="
	advDial = "+15550100"
	advMsgs = "http://schemas.microsoft.com/exchange/services/2006/messages"
	advType = "http://schemas.microsoft.com/exchange/services/2006/types"
	advSOAP = "http://schemas.xmlsoap.org/soap/envelope/"
)

// advServer is one adversary: a knob per variation, legal or broken.
type advServer struct {
	// legal variations
	defaultNS   bool // messages in a default namespace instead of m:
	attrsLast   bool // ResponseClass after the namespace declarations, version attributes reordered
	chunked     bool // answers streamed without Content-Length
	skipAlerted bool // Connecting, then Connected
	wcfFaults   bool // faults written as WCF writes them: s: prefix, code in the types namespace, a detail
	closeEvery  bool // Connection: close on every answer, and the connection closed
	cookies     bool // cookies set as RFC 6265 writes them, on every answer
	html405     bool // a method other than POST refused 405 with an HTML page and Allow: GET, HEAD, POST
	// broken, one requirement each
	faultUnknownGPCI bool // E15
	faultUnknownDPC  bool // E16
	sameID           bool // E17
	newest           bool // E18
	acceptBadInput   bool // E19
	genericCode      bool // E20
	noVersionHeader  bool // E6
	causeWhileLive   bool // E9
	ignoreDisconnect bool // E12
	dpcUnknownOK     bool // E13
	noSizeLimit      bool // X4
	lowerState       bool // E3
	ignoreMethod     bool // H1: a PUT (any method) processed as a POST
	skipMandatory    bool // T11: an unknown header entry marked mustUnderstand="1" is skipped
	anyEnvelope      bool // T11: an Envelope of no SOAP version is read as SOAP 1.1's
	readDeclaration  bool // T12: the request is read in the encoding its XML declaration names

	mu     sync.Mutex
	n      int
	calls  map[string]*advCall
	first  string
	latest string
}

// advVersions are the RequestServerVersion values this adversary knows (ExchangeVersionType).
var advVersions = strings.Fields("Exchange2007 Exchange2007_SP1 Exchange2010 Exchange2010_SP1 Exchange2010_SP2 Exchange2013 Exchange2013_SP1 Exchange2015 Exchange2016 V2015_10_05 V2016_01_06 V2016_04_13 V2016_07_13 V2016_10_10 V2017_01_07 V2017_04_14 V2017_07_11")

type advCall struct {
	polls int
	ended bool
}

type advReq struct {
	op, item, dial, id, version string
	hasID, hasItem              bool
	envelope                    string // the Envelope's namespace
	mandatory                   string // a header entry marked mustUnderstand="1" for this server that it does not know
}

// advDeclaredEncoding finds the encoding an XML declaration names.
var advDeclaredEncoding = regexp.MustCompile(`^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']`)

// advAsHTTPSays is the request as this adversary reads it: in UTF-8, HTTP's charset,
// whatever the XML declaration names (WS-I SSBP 1.0 R1019). The declaration is made to say
// so for the schema's validator, which would read it.
func advAsHTTPSays(body []byte) []byte {
	m := advDeclaredEncoding.FindSubmatchIndex(body)
	if m == nil {
		return body
	}
	return append(append(append([]byte(nil), body[:m[2]]...), "utf-8"...), body[m[3]:]...)
}

// parse reads the request with encoding/xml, which expands no entity it was not told of:
// a DOCTYPE's entities make it fail, and the request is refused.
func parseAdv(body []byte) (advReq, error) {
	var r advReq
	d := xml.NewDecoder(strings.NewReader(string(body)))
	var stack []string
	var path []xml.Name
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return r, fmt.Errorf("no DTD")
		case xml.StartElement:
			if len(stack) == 2 && t.Name.Space == advMsgs && r.op == "" {
				r.op = t.Name.Local
			}
			if len(stack) == 0 {
				r.envelope = t.Name.Space
			}
			if len(stack) == 2 && path[1] == (xml.Name{Space: r.envelope, Local: "Header"}) && t.Name.Space != advType && r.mandatory == "" {
				mu, actor := "", ""
				for _, a := range t.Attr {
					if a.Name.Space == r.envelope && a.Name.Local == "mustUnderstand" {
						mu = a.Value
					}
					if a.Name.Space == r.envelope && a.Name.Local == "actor" {
						actor = a.Value
					}
				}
				if mu == "1" && (actor == "" || actor == "http://schemas.xmlsoap.org/soap/actor/next") {
					r.mandatory = "{" + t.Name.Space + "}" + t.Name.Local
				}
			}
			path = append(path, t.Name)
			for _, a := range t.Attr {
				switch {
				case t.Name.Local == "RequestServerVersion" && a.Name.Local == "Version":
					r.version = a.Value
				case t.Name.Local == "PhoneCallId" && a.Name.Local == "Id":
					r.id, r.hasID = a.Value, true
				case t.Name.Local == "ItemId" && a.Name.Local == "Id":
					r.item, r.hasItem = a.Value, true
				}
			}
			stack = append(stack, t.Name.Local)
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "DialString" {
				r.dial += string(t)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			path = path[:len(path)-1]
		}
	}
	return r, nil
}

func (s *advServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if s.closeEvery {
		w.Header().Set("Connection", "close")
	}
	if s.cookies {
		w.Header().Add("Set-Cookie", "exchangecookie=0a1b2c3d4e5f; path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "X-BackEndCookie=S-1-5-21-1=u56Lnp2ejJqB; expires=Wed, 06 Jan 2027 08:49:37 GMT; path=/EWS; secure; HttpOnly")
	}
	if req.Method != http.MethodPost && !s.ignoreMethod {
		if s.html405 {
			w.Header().Set("Allow", "GET, HEAD, POST")
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = io.WriteString(w, "<html><body><h1>405 - HTTP verb used to access this page is not allowed.</h1></body></html>")
			return
		}
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	limit := int64(1 << 20)
	if s.noSizeLimit {
		limit = 64 << 20
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !strings.HasPrefix(strings.ToLower(req.Header.Get("Content-Type")), "text/xml") {
		http.Error(w, "text/xml only", http.StatusUnsupportedMediaType)
		return
	}
	if !s.readDeclaration {
		body = advAsHTTPSays(body)
	}
	r, err := parseAdv(body)
	switch {
	case err == nil && r.envelope != advSOAP && !s.anyEnvelope: // SOAP 1.1 §4.1.2: a version error
		if s.wcfFaults { // WCF refuses a message it cannot read with a bare 400
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.envelope(w, http.StatusInternalServerError, `<s:Fault><faultcode>s:VersionMismatch</faultcode><faultstring>The Envelope is not SOAP 1.1's.</faultstring></s:Fault>`)
		return
	case err == nil && r.mandatory != "" && !s.skipMandatory: // SOAP 1.1 §4.2.3
		s.envelope(w, http.StatusInternalServerError, `<s:Fault><faultcode>s:MustUnderstand</faultcode><faultstring>The header `+r.mandatory+` was not understood.</faultstring></s:Fault>`)
		return
	case err != nil || r.op == "":
		s.fault(w, "ErrorSchemaValidation", "The request failed schema validation.")
		return
	case r.version != "" && !slices.Contains(advVersions, r.version):
		s.fault(w, "ErrorInvalidServerVersion", "The specified server version is invalid.")
		return
	case int64(len(body)) <= 1<<20 && advSchemaViolation(body) != "": // as Exchange, which validates every request (G4)
		s.fault(w, "ErrorSchemaValidation", "The request failed schema validation: "+advSchemaViolation(body))
		return
	}
	switch r.op {
	case "PlayOnPhone":
		s.play(w, r)
	case "GetPhoneCallInformation", "DisconnectPhoneCall":
		if !r.hasID {
			s.fault(w, "ErrorSchemaValidation", "The request failed schema validation: PhoneCallId is required.")
			return
		}
		if r.op == "DisconnectPhoneCall" {
			s.disconnect(w, r)
		} else {
			s.info(w, r)
		}
	default:
		s.fault(w, "ErrorInvalidOperation", "Unknown operation.")
	}
}

var (
	advValidatorOnce sync.Once
	advValidator     *schema.Validator
)

// advSchemaViolation is why the EWS schema rejects a request, "" when it accepts it.
func advSchemaViolation(body []byte) string {
	advValidatorOnce.Do(func() { advValidator, _ = schema.Load(schema.For(schema.EWS)) })
	if advValidator == nil {
		return "" // the embedded schema compiles: its own tests say so
	}
	if r := advValidator.ValidateAs(body, schema.KindRequest); !r.Valid() {
		return r.Violations[0].Message
	}
	return ""
}

func (s *advServer) play(w http.ResponseWriter, r advReq) {
	_, b64err := base64.StdEncoding.DecodeString(r.item)
	dialable := len(r.dial) > 1 && strings.Trim(r.dial, "+0123456789") == ""
	bad := ""
	switch {
	case b64err != nil || len(r.item) < 8:
		bad = "ErrorInvalidIdMalformed"
	case r.item != advItem:
		bad = "ErrorItemNotFound"
	case !dialable:
		bad = "ErrorPhoneNumberNotDialable"
	}
	if bad != "" && !s.acceptBadInput {
		if s.genericCode {
			bad = "ErrorInternalServerError"
		}
		s.answer(w, "PlayOnPhone", bad, "")
		return
	}
	s.mu.Lock()
	s.n++
	id := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "adversary-call-%04d", s.n))
	if s.calls == nil {
		s.calls = map[string]*advCall{}
	}
	s.calls[id] = &advCall{}
	s.latest = id
	if s.sameID {
		if s.first == "" {
			s.first = id
		} else {
			s.calls[s.first] = s.calls[id] // the newest call takes the first one's id over
			id = s.first
		}
	}
	s.mu.Unlock()
	s.answer(w, "PlayOnPhone", "NoError", `<m:PhoneCallId Id="`+id+`"/>`)
}

func (s *advServer) lookup(id string) *advCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls[id]
	if c != nil && s.newest {
		c = s.calls[s.latest]
	}
	return c
}

func (s *advServer) info(w http.ResponseWriter, r advReq) {
	c := s.lookup(r.id)
	if c == nil {
		if s.faultUnknownGPCI {
			s.fault(w, "ErrorInvalidPhoneCallId", "The phone call ID isn't valid.")
			return
		}
		s.answer(w, "GetPhoneCallInformation", "ErrorInvalidPhoneCallId", "")
		return
	}
	s.mu.Lock()
	c.polls++
	state, cause := "Connected", "None"
	switch {
	case c.ended:
		state = "Disconnected"
	case c.polls == 1:
		state = "Connecting"
	case c.polls == 2 && !s.skipAlerted:
		state = "Alerted"
	}
	s.mu.Unlock()
	if s.causeWhileLive && state != "Disconnected" {
		cause = "Other"
	}
	if s.lowerState {
		state = strings.ToLower(state)
	}
	s.answer(w, "GetPhoneCallInformation", "NoError", `<m:PhoneCallInformation><t:PhoneCallState>`+state+
		`</t:PhoneCallState><t:ConnectionFailureCause>`+cause+`</t:ConnectionFailureCause></m:PhoneCallInformation>`)
}

func (s *advServer) disconnect(w http.ResponseWriter, r advReq) {
	s.mu.Lock()
	c := s.calls[r.id]
	if c != nil && !s.ignoreDisconnect {
		c.ended = true
	}
	s.mu.Unlock()
	switch {
	case c != nil || s.dpcUnknownOK:
		s.answer(w, "DisconnectPhoneCall", "NoError", "")
	case s.faultUnknownDPC:
		s.fault(w, "ErrorInvalidPhoneCallId", "The phone call ID isn't valid.")
	default:
		s.answer(w, "DisconnectPhoneCall", "ErrorInvalidPhoneCallId", "")
	}
}

// envelope writes the answer in this adversary's wire form.
func (s *advServer) envelope(w http.ResponseWriter, status int, body string) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="` + advSOAP + `" xmlns:m="` + advMsgs + `" xmlns:t="` + advType + `">`)
	if !s.noVersionHeader {
		if s.attrsLast {
			b.WriteString(`<s:Header><t:ServerVersionInfo Version="V2017_07_11" MinorBuildNumber="3" MajorBuildNumber="2507" MinorVersion="2" MajorVersion="15"/></s:Header>`)
		} else {
			b.WriteString(`<s:Header><t:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="2507" MinorBuildNumber="3" Version="V2017_07_11"/></s:Header>`)
		}
	}
	b.WriteString(`<s:Body>` + body + `</s:Body></s:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if !s.chunked {
		w.Header().Set("Content-Length", fmt.Sprint(b.Len()))
	}
	w.WriteHeader(status)
	out := b.String()
	if s.chunked { // two writes with a flush between: Transfer-Encoding: chunked
		half := len(out) / 2
		io.WriteString(w, out[:half])
		w.(http.Flusher).Flush()
		out = out[half:]
	}
	io.WriteString(w, out)
}

func (s *advServer) answer(w http.ResponseWriter, op, code, inner string) {
	class := "Success"
	if code != "NoError" {
		class = "Error"
	}
	el, open := "m:"+op+"Response", ""
	switch {
	case s.defaultNS && s.attrsLast:
		open = `<` + op + `Response xmlns="` + advMsgs + `" ResponseClass="` + class + `">`
		el = op + "Response"
	case s.defaultNS:
		open = `<` + op + `Response ResponseClass="` + class + `" xmlns="` + advMsgs + `">`
		el = op + "Response"
	case s.attrsLast:
		open = `<` + el + ` xmlns:x="urn:unused" ResponseClass="` + class + `">`
	default:
		open = `<` + el + ` ResponseClass="` + class + `">`
	}
	pre := "m:"
	if s.defaultNS {
		pre = ""
		inner = strings.ReplaceAll(inner, "m:", "")
	}
	text := ""
	if class == "Error" {
		text = `<` + pre + `MessageText>` + code + ` (adversary)</` + pre + `MessageText>`
	}
	s.envelope(w, http.StatusOK, open+text+`<`+pre+`ResponseCode>`+code+`</`+pre+`ResponseCode>`+inner+`</`+el+`>`)
}

func (s *advServer) fault(w http.ResponseWriter, code, msg string) {
	if s.wcfFaults {
		s.envelope(w, http.StatusInternalServerError, `<s:Fault><faultcode xmlns:a="`+advType+`">a:`+code+`</faultcode><faultstring>`+msg+
			`</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">`+code+
			`</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">`+msg+`</e:Message></detail></s:Fault>`)
		return
	}
	s.envelope(w, http.StatusInternalServerError, `<s:Fault><faultcode>s:Client</faultcode><faultstring>`+code+`: `+msg+`</faultstring></s:Fault>`)
}

// TestAdversaries runs the EWS checks against every adversary: the legal ones flag nothing
// (exit 0), each broken one fails exactly what it breaks (exit 1).
func TestAdversaries(t *testing.T) {
	cases := []struct {
		name  string
		srv   *advServer
		fails []string // requirements failed; empty for a legal one
	}{
		{"legal-prefixes-once", &advServer{}, nil},
		{"legal-default-namespace", &advServer{defaultNS: true}, nil},
		{"legal-attributes-reordered", &advServer{attrsLast: true, defaultNS: true}, nil},
		{"legal-chunked", &advServer{chunked: true}, nil},
		{"legal-skips-alerted", &advServer{skipAlerted: true}, nil},
		{"legal-wcf-faults", &advServer{wcfFaults: true, attrsLast: true}, nil},
		{"legal-close-every-connection", &advServer{closeEvery: true}, nil},
		{"legal-cookies-and-html-405", &advServer{cookies: true, html405: true}, nil},
		{"h1-put-processed", &advServer{ignoreMethod: true}, []string{"H1"}},
		{"e3-lowercase-state", &advServer{lowerState: true}, []string{"E3"}},
		{"e6-no-version-header", &advServer{noVersionHeader: true}, []string{"E6"}},
		{"e9-cause-while-live", &advServer{causeWhileLive: true}, []string{"E9"}},
		{"e12-disconnect-ignored", &advServer{ignoreDisconnect: true}, []string{"E12", "E18"}},
		{"e13-disconnect-unknown-ok", &advServer{dpcUnknownOK: true}, []string{"E13", "G3"}}, // E16 leaves a success to E13; a generated disconnect answered Success is G3's
		{"e15-fault-for-unknown-id", &advServer{faultUnknownGPCI: true}, []string{"E15"}},
		{"e16-fault-for-unknown-disconnect", &advServer{faultUnknownDPC: true}, []string{"E16"}},
		{"e17-same-id", &advServer{sameID: true}, []string{"E17", "E18"}},
		{"e18-newest-call", &advServer{newest: true}, []string{"E12", "E18"}}, // the traced call reads as the newer shared call
		{"e19-accepts-bad-input", &advServer{acceptBadInput: true}, []string{"E19"}},
		{"e20-generic-code", &advServer{genericCode: true}, []string{"E20"}},
		{"x4-no-size-limit", &advServer{noSizeLimit: true}, []string{"X4"}},
		{"t11-skips-mandatory-header", &advServer{skipMandatory: true}, []string{"T11"}},
		{"t11-reads-any-envelope", &advServer{anyEnvelope: true, wcfFaults: true}, []string{"T11"}},
		{"t12-reads-the-declaration", &advServer{readDeclaration: true}, []string{"T12"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(c.srv)
			t.Cleanup(srv.Close)
			dir := t.TempDir()
			res := umconform(t, nil, "run", "--ews-target", srv.URL+"/EWS/Exchange.asmx", "--dial-string", advDial, "--entry-id", advItem,
				"--poll-interval", "5ms", "--poll-limit", "6", "--timeout", "8s", "--strict", "--report-dir", dir)
			var failed []string
			for id, vs := range verdicts(readJUnit(t, dir)) {
				if slices.Contains(vs, "failed") || slices.Contains(vs, "error") {
					failed = append(failed, id)
				}
			}
			// A server that confuses calls (one id for all, or answers about its newest)
			// answers the traced call's polls about the calls other scenarios place beside
			// it: its states then move backwards, or out of Disconnected, as that server's
			// answers do, and the traced call's rules may fail too.
			if c.name == "e18-newest-call" || c.name == "e17-same-id" {
				failed = slices.DeleteFunc(failed, func(id string) bool {
					return (id == "E10" || id == "E11" || id == "E12") && !slices.Contains(c.fails, id)
				})
			}
			sort.Strings(failed)
			want := 0
			if len(c.fails) > 0 {
				want = 1
			}
			if res.code != want || !slices.Equal(failed, c.fails) {
				t.Errorf("exit %d, failed %v; want exit %d, failed %v\n%s", res.code, failed, want, c.fails, tail(res.stdout))
			}
		})
	}
}
