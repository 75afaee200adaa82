package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

const typesNS = "http://schemas.microsoft.com/exchange/services/2006/types"

// TestEWSDocumentationSamplesValidate: the documented requests and responses of the three
// EWS operations validate against the EWS schema, and the facts the checks read come out.
func TestEWSDocumentationSamplesValidate(t *testing.T) {
	v := load(t, schema.For(schema.EWS))
	for file, want := range map[string]string{
		"playonphone-request.xml":              "PlayOnPhone",
		"playonphone-response.xml":             "PlayOnPhoneResponse",
		"getphonecallinformation-response.xml": "GetPhoneCallInformationResponse",
		"disconnectphonecall-response.xml":     "DisconnectPhoneCallResponse",
	} {
		doc, err := os.ReadFile(filepath.Join("testdata", "ews", file))
		if err != nil {
			t.Fatal(err)
		}
		r := v.ValidateAs(doc, schema.KindAuto)
		if !r.Valid() || r.Message != want || r.Namespace != msgNS {
			t.Errorf("%s: valid %v, message %q: %v", file, r.Valid(), r.Message, r.Violations)
		}
		if strings.HasSuffix(file, "-response.xml") {
			if class, ok := r.Attr(want, "ResponseClass"); !ok || class != "Success" {
				t.Errorf("%s: ResponseClass %q (%v)", file, class, ok)
			}
			if len(r.HeaderBlocks) != 1 || r.HeaderBlocks[0] != "{"+typesNS+"}ServerVersionInfo" {
				t.Errorf("%s: header blocks %v", file, r.HeaderBlocks)
			}
		}
	}
	doc, _ := os.ReadFile(filepath.Join("testdata", "ews", "playonphone-response.xml"))
	if id, ok := v.Validate(doc).Attr("PhoneCallId", "Id"); id != "ZWMtWYtMY29t" || !ok {
		t.Errorf("PhoneCallId Id %q (%v)", id, ok)
	}
	doc, _ = os.ReadFile(filepath.Join("testdata", "ews", "getphonecallinformation-response.xml"))
	r := v.Validate(doc)
	if s, _ := r.Value("PhoneCallState"); s != "Connected" {
		t.Errorf("PhoneCallState %q", s)
	}
	if c, _ := r.Value("ConnectionFailureCause"); c != "None" {
		t.Errorf("ConnectionFailureCause %q", c)
	}
}

// TestEWSAndUMSchemasAreApart: each API's documents validate against its own schema only
// (both declare {messages}PlayOnPhone), and both schemas live in one process.
func TestEWSAndUMSchemasAreApart(t *testing.T) {
	um, ews := load(t), load(t, schema.For(schema.EWS))
	ewsDoc, _ := os.ReadFile(filepath.Join("testdata", "ews", "playonphone-request.xml"))
	if r := um.Validate(ewsDoc); r.Valid() {
		t.Error("the UM schema accepts an EWS PlayOnPhone (ItemId, not entryId)")
	}
	if r := ews.Validate([]byte(base)); r.Valid() {
		t.Error("the EWS schema accepts a GetCallInfoResponse")
	}
	if r := um.Validate([]byte(base)); !r.Valid() {
		t.Errorf("the UM schema no longer accepts its sample after the EWS one compiled: %v", r.Violations)
	}
	if _, err := schema.Load(schema.For("nope.xsd")); err == nil {
		t.Error("an unknown API loads")
	}
}

// TestEWSInvalidResponsesAreRejected: the EWS rules the schema carries.
func TestEWSInvalidResponsesAreRejected(t *testing.T) {
	v := load(t, schema.For(schema.EWS))
	good, _ := os.ReadFile(filepath.Join("testdata", "ews", "getphonecallinformation-response.xml"))
	for name, c := range map[string]struct{ from, to, want string }{
		"state lower case":      {">Connected<", ">connected<", "PhoneCallState"},
		"cause outside enum":    {">None</t:Conn", ">Busy</t:Conn", "ConnectionFailureCause"},
		"no ResponseClass":      {` ResponseClass="Success"`, "", "ResponseClass"},
		"ResponseClass unknown": {`ResponseClass="Success"`, `ResponseClass="OK"`, "ResponseClass"},
		"ResponseCode unknown":  {"NoError", "AllGood", "ResponseCode"},
		"state in messages ns":  {`<t:PhoneCallState xmlns:t="` + typesNS, `<t:PhoneCallState xmlns:t="` + msgNS, "PhoneCallState"},
		"cause missing":         {`<t:ConnectionFailureCause xmlns:t="` + typesNS + `">None</t:ConnectionFailureCause>`, "", "PhoneCallInformation"},
	} {
		doc := strings.Replace(string(good), c.from, c.to, 1)
		if doc == string(good) {
			t.Fatalf("%s: replacement did not apply", name)
		}
		r := v.Validate([]byte(doc))
		if r.Valid() {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(r.Violations[0].Message+r.Violations[0].Path, c.want) {
			t.Errorf("%s: violation %v does not name %s", name, r.Violations[0], c.want)
		}
	}
	rsv := strings.Replace(string(mustRead(t, "playonphone-request.xml")), `Version="Exchange2010"`, `Version="Exchange2099"`, 1)
	if r := v.Validate([]byte(rsv)); r.Valid() {
		t.Error("a RequestServerVersion outside ExchangeVersionType is accepted")
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ews", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkValidateEWSResponse validates the documented GetPhoneCallInformation response
// with the EWS schema, whose ResponseCodeType alone has 514 values: compare with
// BenchmarkValidate's UM response.
func BenchmarkValidateEWSResponse(b *testing.B) {
	v, err := schema.Load(schema.For(schema.EWS))
	if err != nil {
		b.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("testdata", "ews", "getphonecallinformation-response.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := v.Validate(doc); !r.Valid() {
			b.Fatal(r.Violations)
		}
	}
}
