package reference

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

// TestEWSAnswersValidate: every kind of answer of the correct EWS endpoint validates
// against the embedded EWS schema, with the frame the requirements name.
func TestEWSAnswersValidate(t *testing.T) {
	v, err := schema.Load(schema.For(schema.EWS))
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock(0)
	c := newClient(t, newTestHandler(t, "", clk))
	c.path = EWSPath
	play := c.post(ewsPlayReq(DefaultEntryID, DefaultDialString))
	pc := payloadChild(play, MessagesNamespace, "PhoneCallId")
	if pc == nil {
		t.Fatalf("PlayOnPhone: no PhoneCallId: %s", play.body)
	}
	id, _ := pc.attr("Id")
	for name, c := range map[string]struct {
		r             reply
		status        int
		message, code string
	}{
		"PlayOnPhone":             {play, 200, "PlayOnPhoneResponse", "NoError"},
		"GetPhoneCallInformation": {c.post(ewsInfoReq(id)), 200, "GetPhoneCallInformationResponse", "NoError"},
		"DisconnectPhoneCall":     {c.post(ewsDiscReq(id)), 200, "DisconnectPhoneCallResponse", "NoError"},
		"unknown PhoneCallId":     {c.post(ewsInfoReq(foreignCallID())), 200, "GetPhoneCallInformationResponse", "ErrorInvalidPhoneCallId"},
		"bad ItemId":              {c.post(ewsPlayReq("***", DefaultDialString)), 200, "PlayOnPhoneResponse", "ErrorInvalidIdMalformed"},
		"undialable":              {c.post(ewsPlayReq(DefaultEntryID, "dial me")), 200, "PlayOnPhoneResponse", "ErrorPhoneNumberNotDialable"},
		"missing Id":              {c.post(ewsEnv("Exchange2013", `<m:GetPhoneCallInformation><m:PhoneCallId/></m:GetPhoneCallInformation>`)), 500, "Fault", "ErrorSchemaValidation"},
		"unknown version":         {c.post(ewsIDReq("GetPhoneCallInformation", "Exchange2099", id)), 500, "Fault", "ErrorInvalidServerVersion"},
	} {
		r := v.ValidateAs(c.r.body, schema.KindResponse)
		if c.r.status != c.status || !r.Valid() || r.Message != c.message {
			t.Errorf("%s: HTTP %d (want %d), valid %v, %s (want %s): %v\n%s", name, c.r.status, c.status, r.Valid(), r.Message, c.message, r.Violations, c.r.body)
			continue
		}
		if len(r.HeaderBlocks) != 1 || !strings.HasSuffix(r.HeaderBlocks[0], "}ServerVersionInfo") {
			t.Errorf("%s: header blocks %v", name, r.HeaderBlocks)
		}
		// A Fault's detail names the code too, in the errors namespace.
		if code, _ := r.Value("ResponseCode"); code != c.code {
			t.Errorf("%s: ResponseCode %q, want %s", name, code, c.code)
		}
	}
}

// TestEWSServesItsDescription: ?wsdl names the endpoint and imports the schema from beside
// it, and both schema files are served there.
func TestEWSServesItsDescription(t *testing.T) {
	c := newClient(t, newTestHandler(t, "", newClock(0)))
	r := c.do(http.MethodGet, "http://um.example"+EWSPath+"?wsdl", "", nil, nil)
	var doc node
	if r.status != 200 || xml.Unmarshal(r.body, &doc) != nil {
		t.Fatalf("?wsdl: HTTP %d\n%s", r.status, r.body)
	}
	for _, want := range []string{`location="http://um.example/EWS/Exchange.asmx"`, `schemaLocation="http://um.example/EWS/ews-messages.xsd"`,
		`name="GetPhoneCallInformation"`, `part="ServerVersion"`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("WSDL lacks %s", want)
		}
	}
	for _, f := range []string{"ews-messages.xsd", "ews-types.xsd"} {
		if r := c.do(http.MethodGet, "/EWS/"+f, "", nil, nil); r.status != 200 || !strings.Contains(string(r.body), "<xs:schema") {
			t.Errorf("GET /EWS/%s: HTTP %d", f, r.status)
		}
	}
	if r := c.do(http.MethodGet, "/EWS/umconform.xsd", "", nil, nil); r.status != 404 {
		t.Errorf("GET /EWS/umconform.xsd: HTTP %d, want 404: only the EWS files are served", r.status)
	}
}

// FuzzEWSHandler feeds arbitrary request bodies to the EWS endpoint of the correct profile.
// Properties: it never panics; every answer to a POST is a 4xx or a SOAP envelope that
// validates against the EWS schema; HTTP 500 carries a Fault and 200 never does. The
// literal PHONECALLID in an input is replaced by the id of a live call.
func FuzzEWSHandler(f *testing.F) {
	for _, seed := range []string{
		ewsInfoReq("PHONECALLID"),
		ewsPlayReq(DefaultEntryID, DefaultDialString),
		ewsDiscReq("PHONECALLID"),
		ewsInfoReq(""),
		ewsIDReq("GetPhoneCallInformation", "Exchange2099", "PHONECALLID"),
		ewsEnv("", `<m:GetPhoneCallInformation/>`),
		ewsEnv("Exchange2013", `<m:PlayOnPhone><m:ItemId/></m:PlayOnPhone>`),
		ewsEnv("Exchange2013", `<m:GetCallInfo><m:CallId>PHONECALLID</m:CallId></m:GetCallInfo>`),
		`<soap:Envelope xmlns:soap="` + SOAP11Namespace + `"><soap:Body><m:GetPhoneCallInformation>`,
	} {
		f.Add([]byte(seed))
	}
	v, err := schema.Load(schema.For(schema.EWS))
	if err != nil {
		f.Fatalf("schema.Load: %v", err)
	}
	h := newTestHandler(f, "", newClock(testStep))
	c := newClient(f, h)
	c.path = EWSPath
	pc := payloadChild(c.post(ewsPlayReq(DefaultEntryID, "+15550109")), MessagesNamespace, "PhoneCallId") // stays Idle
	if pc == nil {
		f.Fatal("no call to fuzz with")
	}
	id, _ := pc.attr("Id")
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzPost(t, h, v, EWSPath, bytes.ReplaceAll(body, []byte("PHONECALLID"), []byte(id)))
	})
}
