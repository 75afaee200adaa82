package schema_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf16"

	"github.com/umconform/umconform/schema"
)

const msgNS = "http://schemas.microsoft.com/exchange/services/2006/messages"

// base is a valid GetCallInfo response whose line numbers the invalid cases rely on.
const base = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <GetCallInfoResponse>
        <CallState>Connected</CallState>
        <EventCause>None</EventCause>
      </GetCallInfoResponse>
    </GetCallInfoResponse>
  </soap:Body>
</soap:Envelope>
`

const baseRequest = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>NjJmZDY2ZDQtYjQyZC00ZjEzLWI0NDYtZjY5YjE2ZTk0YmE5fHVtLmNvbnRvc28uY29t</CallId>
    </GetCallInfo>
  </soap:Body>
</soap:Envelope>
`

const faultDoc = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <soap:Fault>
      <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/errors">a:InvalidCallIdException</faultcode>
      <faultstring>The call identifier isn't valid.</faultstring>
      <detail><ExceptionType xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">InvalidCallIdException</ExceptionType></detail>
    </soap:Fault>
  </soap:Body>
</soap:Envelope>
`

func load(t testing.TB, opts ...schema.Option) *schema.Validator {
	t.Helper()
	v, err := schema.Load(opts...)
	if err != nil {
		t.Fatalf("schema.Load: %v", err)
	}
	return v
}

func replace(t testing.TB, doc, old, repl string) string {
	t.Helper()
	if !strings.Contains(doc, old) {
		t.Fatalf("test bug: %q not in the base document", old)
	}
	return strings.Replace(doc, old, repl, 1)
}

func TestDocumentationSamplesValidate(t *testing.T) {
	v := load(t)
	for file, want := range map[string]string{
		"testdata/getcallinfo-request.xml":  "GetCallInfo",
		"testdata/getcallinfo-response.xml": "GetCallInfoResponse",
	} {
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r := v.ValidateAs(doc, schema.KindAuto)
		if !r.Valid() || r.Message != want || r.Namespace != msgNS {
			t.Errorf("%s: got message %q valid=%v violations %v, want a valid %s", file, r.Message, r.Valid(), r.Violations, want)
		}
	}
}

func TestInvalidDocumentsAreRejectedWithLocation(t *testing.T) {
	v := load(t)
	cases := []struct {
		name     string
		doc      string
		wantLine int
		wantPath string
		wantMsg  string
	}{
		{"unknown CallState", replace(t, base, ">Connected<", ">Ringing<"), 6,
			"/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState", "The value 'Ringing' is not an element of the set"},
		{"CallState in lower case", replace(t, base, ">Connected<", ">connected<"), 6, "", "The value 'connected' is not an element"},
		{"CallState with leading space (xs:string, not xs:token)", replace(t, base, ">Connected<", "> Connected<"), 6, "", "The value ' Connected' is not an element"},
		{"unknown EventCause", replace(t, base, ">None<", ">Busy<"), 7,
			"/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/EventCause", "The value 'Busy' is not an element of the set"},
		{"EventCause in lower case", replace(t, base, ">None<", ">none<"), 7, "", "The value 'none' is not an element"},
		{"EventCause before CallState", replace(t, base, "<CallState>Connected</CallState>\n        <EventCause>None</EventCause>",
			"<EventCause>None</EventCause>\n        <CallState>Connected</CallState>"), 6, "", "This element is not expected. Expected is ( {" + msgNS + "}CallState )"},
		{"EventCause missing", replace(t, base, "<EventCause>None</EventCause>", ""), 5,
			"/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse", "Missing child element(s). Expected is ( {" + msgNS + "}EventCause )"},
		{"CallState missing", replace(t, base, "<CallState>Connected</CallState>", ""), 7, "", "Expected is ( {" + msgNS + "}CallState )"},
		{"CallState twice", replace(t, base, "<EventCause>", "<CallState>Connected</CallState><EventCause>"), 7, "", "Expected is ( {" + msgNS + "}EventCause )"},
		{"extra child after EventCause", replace(t, base, "<EventCause>None</EventCause>", "<EventCause>None</EventCause>\n<SIPResponseCode>200</SIPResponseCode>"), 8, "", "SIPResponseCode': This element is not expected"},
		{"https namespace variant", replace(t, base, `xmlns="http://schemas`, `xmlns="https://schemas`), 4,
			"/soap:Envelope/soap:Body/GetCallInfoResponse", "No matching global element declaration available, but demanded by the strict wildcard"},
		{"/message namespace typo", replace(t, base, "2006/messages", "2006/message"), 4, "", "No matching global element declaration"},
		{"no namespace", replace(t, base, ` xmlns="`+msgNS+`"`, ""), 4, "", "No matching global element declaration"},
		{"flat response without the inner element", replace(t, replace(t, base, "      <GetCallInfoResponse>\n", ""), "      </GetCallInfoResponse>\n", ""), 5, "",
			"CallState': This element is not expected. Expected is ( {" + msgNS + "}GetCallInfoResponse )"},
		{"GetCallInfoResult as the inner element", strings.ReplaceAll(strings.Replace(base, "<GetCallInfoResponse>", "<GetCallInfoResult>", 1), "</GetCallInfoResponse>\n    </GetCallInfoResponse>", "</GetCallInfoResult>\n    </GetCallInfoResponse>"), 5, "",
			"GetCallInfoResult': This element is not expected"},
		{"inner element unqualified", replace(t, replace(t, base, `<GetCallInfoResponse xmlns="`+msgNS+`">`, `<m:GetCallInfoResponse xmlns:m="`+msgNS+`">`), "    </GetCallInfoResponse>\n  </soap:Body>", "    </m:GetCallInfoResponse>\n  </soap:Body>"), 5, "",
			"Element 'GetCallInfoResponse': This element is not expected"},
		{"SOAP 1.2 envelope", replace(t, base, "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"), 2, "/soap:Envelope",
			"No matching global declaration available for the validation root"},
		{"no Body", "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\n<soap:Header/>\n</soap:Envelope>", 1, "/soap:Envelope",
			"Missing child element(s). Expected is ( {http://schemas.xmlsoap.org/soap/envelope/}Body )"},
		{"Header after Body", replace(t, base, "</soap:Body>", "</soap:Body><soap:Header/>"), 10, "", "Header': This element is not expected"},
		{"text in element-only content", replace(t, base, "<EventCause>", "stray text<EventCause>"), 5, "", "Character content other than whitespace is not allowed"},
		{"root is not an Envelope", replace(t, replace(t, base, "<soap:Envelope", "<soap:Envelop"), "</soap:Envelope>", "</soap:Envelop>"), 2, "",
			"No matching global declaration available for the validation root"},
		{"request without CallId", replace(t, baseRequest, "<CallId>NjJmZDY2ZDQtYjQyZC00ZjEzLWI0NDYtZjY5YjE2ZTk0YmE5fHVtLmNvbnRvc28uY29t</CallId>", ""), 4, "/soap:Envelope/soap:Body/GetCallInfo", "Missing child element(s)"},
		{"request with empty CallId", replace(t, baseRequest, "NjJmZDY2ZDQtYjQyZC00ZjEzLWI0NDYtZjY5YjE2ZTk0YmE5fHVtLmNvbnRvc28uY29t", ""), 5, "", "has a length of '0'"},
		{"PlayOnPhone with EntryId spelt in upper case", replace(t, baseRequest, "<GetCallInfo xmlns=\""+msgNS+"\">\n      <CallId>NjJmZDY2ZDQtYjQyZC00ZjEzLWI0NDYtZjY5YjE2ZTk0YmE5fHVtLmNvbnRvc28uY29t</CallId>\n    </GetCallInfo>",
			"<PlayOnPhone xmlns=\""+msgNS+"\">\n<EntryId>AAMk</EntryId><DialString>4255550100</DialString></PlayOnPhone>"), 5, "", "EntryId': This element is not expected. Expected is ( {" + msgNS + "}entryId )"},
		{"PlayOnPhoneResponse with an empty CallId", "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\n<PlayOnPhoneResponse xmlns=\"" + msgNS + "\">\n<PlayOnPhoneResponse></PlayOnPhoneResponse></PlayOnPhoneResponse></soap:Body></soap:Envelope>",
			3, "/soap:Envelope/soap:Body/PlayOnPhoneResponse/PlayOnPhoneResponse", "has a length of '0'"},
		{"DisconnectResponse with content", "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\n<DisconnectResponse xmlns=\"" + msgNS + "\">\n<CallId>x</CallId></DisconnectResponse></soap:Body></soap:Envelope>",
			2, "/soap:Envelope/soap:Body/DisconnectResponse", "Element content is not allowed, because the content type is empty"},
		{"Fault without faultstring", replace(t, faultDoc, "<faultstring>The call identifier isn't valid.</faultstring>", ""), 7, "/soap:Envelope/soap:Body/soap:Fault/detail", "Expected is ( faultstring )"},
		{"faultcode with an undeclared prefix", replace(t, faultDoc, ` xmlns:a="http://schemas.microsoft.com/exchange/services/2006/errors"`, ""), 5, "/soap:Envelope/soap:Body/soap:Fault/faultcode", "has no corresponding namespace declaration in scope"},
		{"not well-formed", replace(t, base, "</EventCause>", "</EventCaus>"), 7, "", "not well-formed XML"},
		{"DOCTYPE", replace(t, base, "<soap:Envelope", "<!DOCTYPE x>\n<soap:Envelope"), 2, "", "a DOCTYPE is not allowed"},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d invalid cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.Validate([]byte(c.doc))
			if r.Valid() {
				t.Fatalf("accepted; want a violation containing %q", c.wantMsg)
			}
			for _, viol := range r.Violations {
				if strings.Contains(viol.Message, c.wantMsg) && viol.Line == c.wantLine && (c.wantPath == "" || viol.Path == c.wantPath) {
					return
				}
			}
			t.Errorf("no violation at line %d path %q with %q; got:\n%v", c.wantLine, c.wantPath, c.wantMsg, r.Violations)
		})
	}
}

func TestLegalVariantsAreAccepted(t *testing.T) {
	v := load(t)
	cases := map[string]string{
		"documentation response": base,
		"other prefixes": `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetCallInfoResponse xmlns:m="` + msgNS + `">` +
			`<m:GetCallInfoResponse><m:CallState>Alerted</m:CallState><m:EventCause>None</m:EventCause></m:GetCallInfoResponse></m:GetCallInfoResponse></s:Body></s:Envelope>`,
		"no XML declaration":           strings.TrimPrefix(base, `<?xml version="1.0" encoding="utf-8"?>`+"\n"),
		"SOAP Header with server info": replace(t, base, "<soap:Body>", `<soap:Header><h:ServerVersionInfo xmlns:h="`+schema.TypesNamespace+`" MajorVersion="15" MinorVersion="0"/></soap:Header><soap:Body>`),
		"empty SOAP Header":            replace(t, base, "<soap:Body>", "<soap:Header/><soap:Body>"),
		"comments":                     replace(t, replace(t, base, "<soap:Body>", "<!-- before --><soap:Body><!-- inside -->"), "<EventCause>", "<!-- between --><EventCause>"),
		"no whitespace":                strings.NewReplacer("\n", "", "  ", "").Replace(base),
		"CRLF and tabs":                strings.NewReplacer("\n", "\r\n", "  ", "\t").Replace(base),
		"redeclared default namespace": replace(t, base, "<GetCallInfoResponse>", `<GetCallInfoResponse xmlns="`+msgNS+`">`),
		"byte-order mark":              "\ufeff" + base,
		"every CallState": replace(t, base, "<CallState>Connected</CallState>\n        <EventCause>None</EventCause>",
			"<CallState>Disconnected</CallState>\n        <EventCause>NoAnswer</EventCause>"),
		"fault with detail":    faultDoc,
		"fault without detail": replace(t, faultDoc, `<detail><ExceptionType xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">InvalidCallIdException</ExceptionType></detail>`, ""),
		"fault with a client faultcode and faultactor": replace(t, replace(t, faultDoc, `a:InvalidCallIdException</faultcode>`, `soap:Client</faultcode>`),
			"</faultstring>", "</faultstring><faultactor>https://um.contoso.com/EWS/UM2007Legacy.asmx</faultactor>"),
		"ExceptionType with the a: prefix": replace(t, faultDoc, ">InvalidCallIdException</ExceptionType>", ">a:InvalidCallIdException</ExceptionType>"),
		"request":                          baseRequest,
		"PlayOnPhone": `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><PlayOnPhone xmlns="` + msgNS + `">` +
			`<entryId>AAMkAGI2</entryId><DialString>4255550100</DialString></PlayOnPhone></soap:Body></soap:Envelope>`,
		"PlayOnPhoneResponse": `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><PlayOnPhoneResponse xmlns="` + msgNS + `">` +
			`<PlayOnPhoneResponse>NjJmZDY2ZDQ=</PlayOnPhoneResponse></PlayOnPhoneResponse></soap:Body></soap:Envelope>`,
		"Disconnect": `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Disconnect xmlns="` + msgNS + `">` +
			`<CallId>NjJmZDY2ZDQ=</CallId></Disconnect></soap:Body></soap:Envelope>`,
		"DisconnectResponse": `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><DisconnectResponse xmlns="` + msgNS + `"/></soap:Body></soap:Envelope>`,
	}
	for _, state := range []string{"Idle", "Connecting", "Alerted", "Connected", "Disconnected", "Incoming", "Transferring", "Forwarding"} {
		cases["CallState "+state] = replace(t, base, ">Connected<", ">"+state+"<")
	}
	for _, cause := range []string{"None", "UserBusy", "NoAnswer", "Unavailable", "Other"} {
		cases["EventCause "+cause] = replace(t, base, ">None<", ">"+cause+"<")
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			r := v.ValidateAs([]byte(doc), schema.KindAuto)
			if !r.Valid() {
				t.Errorf("rejected: %v", r.Violations)
			}
		})
	}
}

func TestUnavailableIsAShouldFindingNotAViolation(t *testing.T) {
	v := load(t)
	r := v.Validate([]byte(replace(t, base, ">None<", ">Unavailable<")))
	if !r.Valid() {
		t.Fatalf("Unavailable rejected by the schema: %v", r.Violations)
	}
	if len(r.Findings) != 1 || r.Findings[0].Requirement != "S3" || r.Findings[0].Line != 7 ||
		r.Findings[0].Path != "/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/EventCause" {
		t.Fatalf("want one S3 finding at line 7, got %+v", r.Findings)
	}
	for _, cause := range []string{"None", "UserBusy", "NoAnswer", "Other"} {
		if r := v.Validate([]byte(replace(t, base, ">None<", ">"+cause+"<"))); len(r.Findings) != 0 {
			t.Errorf("%s: unexpected findings %v", cause, r.Findings)
		}
	}
}

func TestFieldsAreReadFromTheBody(t *testing.T) {
	v := load(t)
	r := v.Validate([]byte(faultDoc))
	if !r.IsFault() || r.Kind() != schema.KindResponse {
		t.Fatalf("not recognised as a fault: %+v", r)
	}
	for name, want := range map[string]string{"faultcode": "a:InvalidCallIdException", "ExceptionType": "InvalidCallIdException", "faultstring": "The call identifier isn't valid."} {
		if got, ok := r.Value(name); !ok || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, ok, want)
		}
	}
	r = v.Validate([]byte(base))
	if got, _ := r.Value("CallState"); got != "Connected" {
		t.Errorf("CallState = %q", got)
	}
	if r.Kind() != schema.KindResponse || !r.HasBody {
		t.Errorf("kind = %s, body %v", r.Kind(), r.HasBody)
	}
	if r := v.Validate([]byte("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header/></soap:Envelope>")); r.HasBody {
		t.Error("an envelope without Body reported a Body")
	}
}

func TestValidateAsChecksTheKind(t *testing.T) {
	v := load(t)
	if r := v.ValidateAs([]byte(base), schema.KindRequest); r.Valid() || !strings.Contains(r.Violations[0].Message, "where a request was expected") {
		t.Errorf("a response passed as a request: %v", r.Violations)
	}
	if r := v.ValidateAs([]byte(baseRequest), schema.KindRequest); !r.Valid() {
		t.Errorf("request rejected: %v", r.Violations)
	}
	empty := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`
	if r := v.Validate([]byte(empty)); !r.Valid() {
		t.Errorf("an empty Body is valid SOAP: %v", r.Violations)
	}
	if r := v.ValidateAs([]byte(empty), schema.KindAuto); r.Valid() {
		t.Error("an empty Body passed as a message")
	}
}

func TestMoreThan32ViolationsAreAllReported(t *testing.T) {
	v := load(t)
	var b strings.Builder
	b.WriteString(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`)
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "\n<Unknown%d xmlns=\"urn:nowhere\"/>", i)
	}
	b.WriteString("</soap:Body></soap:Envelope>")
	r := v.Validate([]byte(b.String()))
	if len(r.Violations) != 50 {
		t.Fatalf("got %d violations, want 50", len(r.Violations))
	}
	if last := r.Violations[49]; last.Line != 51 || !strings.Contains(last.Message, "Unknown49") {
		t.Errorf("last violation %v, want line 51 about Unknown49", last)
	}
	b.Reset()
	b.WriteString(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`)
	for i := 0; i < 1500; i++ {
		b.WriteString("<U xmlns=\"urn:nowhere\"/>")
	}
	b.WriteString("</soap:Body></soap:Envelope>")
	r = v.Validate([]byte(b.String()))
	if len(r.Violations) != 1001 || !strings.Contains(r.Violations[1000].Message, "and 500 more violations") {
		t.Errorf("got %d violations, last %v; want 1000 and a count of the rest", len(r.Violations), r.Violations[len(r.Violations)-1])
	}
}

func TestSizeCap(t *testing.T) {
	v := load(t, schema.WithMaxSize(100))
	r := v.Validate([]byte(base))
	if r.Valid() || !strings.Contains(r.Violations[0].Message, "over the 100-byte limit") {
		t.Errorf("got %v", r.Violations)
	}
	if _, err := schema.Load(schema.WithMaxSize(0)); err == nil {
		t.Error("a zero size cap was accepted")
	}
	if r := load(t).Validate([]byte(base)); !r.Valid() {
		t.Errorf("default cap rejected a small document: %v", r.Violations)
	}
}

// TestHostileShapesAreNotParsed: documents whose tree would cost libxml2 far more memory
// or time than their size suggests (a million elements deep or wide, tens of thousands of
// attributes on one element) are refused before libxml2 reads them, in UTF-8 and UTF-16,
// and a document just within the bound is still parsed.
func TestHostileShapesAreNotParsed(t *testing.T) {
	v := load(t)
	open := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`
	closing := `</soap:Body></soap:Envelope>`
	var attrs strings.Builder
	for i := range 50000 {
		fmt.Fprintf(&attrs, ` a%d=""`, i)
	}
	docs := map[string]string{
		// within the 10 MiB size limit in UTF-16 too
		"700 000 deep":              open + strings.Repeat("<a>", 700_000) + strings.Repeat("</a>", 700_000) + closing,
		"a million deep, unclosed":  open + strings.Repeat("<a>", 1_000_000),
		"a million wide":            open + strings.Repeat("<a/>", 1_000_000) + closing,
		"50 000 attributes on one":  open + "<a" + attrs.String() + "/>" + closing,
		"100 000 namespaces on one": open + "<a" + strings.Repeat(` xmlns:p="urn:x"`, 100_000) + "/>" + closing,
	}
	for name, doc := range docs {
		for _, encoding := range []string{"utf-8", "utf-16"} {
			t.Run(name+" "+encoding, func(t *testing.T) {
				raw := []byte(doc)
				if encoding == "utf-16" {
					raw = utf16LE(strings.Replace(doc, `encoding="utf-8"`, `encoding="utf-16"`, 1))
				}
				r := v.Validate(raw)
				if r.Valid() || len(r.Violations) != 1 || !strings.HasPrefix(r.Violations[0].Message, schema.NotParsed) {
					t.Fatalf("want one %q violation, got %.300v", schema.NotParsed, r.Violations)
				}
			})
		}
	}
	// Within the bound the document is parsed: libxml2 itself refuses nesting past 256.
	deep := open + strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000) + closing
	r := v.Validate([]byte(deep))
	if r.Valid() || strings.HasPrefix(r.Violations[0].Message, schema.NotParsed) {
		t.Errorf("1 000 deep: want libxml2's verdict, got %.300v", r.Violations)
	}
	if r := load(t, schema.WithMaxMarkup(10)).Validate([]byte(base)); r.Valid() || !strings.HasPrefix(r.Violations[0].Message, schema.NotParsed) {
		t.Errorf("WithMaxMarkup(10): got %v", r.Violations)
	}
	if _, err := schema.Load(schema.WithMaxMarkup(0)); err == nil {
		t.Error("a zero markup bound was accepted")
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestHostileDocumentsAreRefusedWithoutExpansion(t *testing.T) {
	v := load(t)
	canary := "umconform-canary-" + fmt.Sprint(os.Getpid())
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte(canary), 0o600); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, canary)
	}))
	defer srv.Close()

	withDTD := func(dtd, callID string) string {
		return replace(t, replace(t, baseRequest, "<soap:Envelope", dtd+"\n<soap:Envelope"), "NjJmZDY2ZDQtYjQyZC00ZjEzLWI0NDYtZjY5YjE2ZTk0YmE5fHVtLmNvbnRvc28uY29t", callID)
	}
	laughs := `<!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">`
	for i := 2; i <= 9; i++ {
		laughs += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	laughs += "]>"
	big := strings.Repeat("A", 50000)
	quadratic := `<!DOCTYPE q [<!ENTITY a "` + big + `">]>`
	docs := map[string]string{
		"XXE file":          withDTD(`<!DOCTYPE x [<!ENTITY e SYSTEM "file://`+secret+`">]>`, "&e;"),
		"XXE http":          withDTD(`<!DOCTYPE x [<!ENTITY e SYSTEM "`+srv.URL+`/e">]>`, "&e;"),
		"external DTD http": withDTD(`<!DOCTYPE x SYSTEM "`+srv.URL+`/x.dtd">`, "abc"),
		"parameter entity":  withDTD(`<!DOCTYPE x [<!ENTITY % p SYSTEM "`+srv.URL+`/p.dtd"> %p;]>`, "abc"),
		"billion laughs":    withDTD(laughs, "&lol9;"),
		"quadratic blow-up": withDTD(quadratic, strings.Repeat("&a;", 2000)),
	}
	for name, doc := range docs {
		for _, encoding := range []string{"utf-8", "utf-16"} {
			t.Run(name+" "+encoding, func(t *testing.T) {
				raw := []byte(doc)
				if encoding == "utf-16" {
					// UTF-16 hides "<!DOCTYPE" from a byte scan; libxml2 still parses it.
					raw = utf16LE(strings.Replace(doc, `encoding="utf-8"`, `encoding="utf-16"`, 1))
				}
				r := v.Validate(raw)
				if r.Valid() {
					t.Fatal("accepted")
				}
				// libxml2 may stop at an entity loop before the DOCTYPE check sees the tree.
				if m := r.Violations[0].Message; !strings.Contains(m, "DOCTYPE is not allowed") && !strings.Contains(m, "entity reference loop") {
					t.Errorf("want a DOCTYPE refusal first, got %v", r.Violations)
				}
				if strings.Contains(fmt.Sprint(r), canary) || strings.Contains(fmt.Sprint(r), "lollollol") {
					t.Errorf("an entity was expanded into the result: %.200v", r)
				}
			})
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the validator made %d network requests", n)
	}
	// An entity reference with no declaration at all is simply not well-formed.
	if r := v.Validate([]byte(replace(t, baseRequest, "NjJmZDY2ZDQtYjQyZC00ZjEzLWI0NDYtZjY5YjE2ZTk0YmE5fHVtLmNvbnRvc28uY29t", "&e;"))); r.Valid() {
		t.Error("an undeclared entity was accepted")
	}
}

func TestGarbageNeverPanics(t *testing.T) {
	v := load(t)
	inputs := [][]byte{nil, {}, {0}, []byte("<"), []byte("\xff\xfe\x00"), bytes.Repeat([]byte("<a>"), 10000), []byte(base[:len(base)/2])}
	for _, in := range inputs {
		if r := v.Validate(in); r.Valid() {
			t.Errorf("%.40q accepted", in)
		}
	}
}

func FuzzValidate(f *testing.F) {
	v := load(f)
	for _, seed := range []string{base, baseRequest, faultDoc, "<a/>", ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		r := v.Validate(doc)
		if r.Valid() && r.Envelope != "http://schemas.xmlsoap.org/soap/envelope/" {
			t.Errorf("valid document with root namespace %q", r.Envelope)
		}
	})
}

func TestConcurrentValidationSharesOneSchema(t *testing.T) {
	v := load(t)
	docs := []struct {
		doc   []byte
		valid bool
		state string
	}{
		{[]byte(base), true, "Connected"},
		{[]byte(replace(t, base, ">Connected<", ">Alerted<")), true, "Alerted"},
		{[]byte(replace(t, base, ">Connected<", ">Ringing<")), false, "Ringing"},
		{[]byte(faultDoc), true, ""},
		{[]byte("<broken"), false, ""},
	}
	var wg sync.WaitGroup
	var wrong atomic.Int32
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 400; i++ {
				d := docs[(g+i)%len(docs)]
				r := v.Validate(d.doc)
				state, _ := r.Value("CallState")
				if r.Valid() != d.valid || state != d.state {
					wrong.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	if n := wrong.Load(); n != 0 {
		t.Fatalf("%d wrong results out of 6400", n)
	}
}

// TestReusedContextsStayCorrect: parser contexts are reused and replaced once their name
// dictionary is large; documents with ever new element names must be judged the same
// before and after a replacement.
func TestReusedContextsStayCorrect(t *testing.T) {
	v := load(t)
	for i := range 6000 {
		doc := fmt.Sprintf(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Name%d xmlns="urn:x%d"/></soap:Body></soap:Envelope>`, i, i)
		r := v.Validate([]byte(doc))
		if r.Valid() || !strings.Contains(r.Violations[0].Message, fmt.Sprintf("Name%d", i)) {
			t.Fatalf("document %d: %v", i, r.Violations)
		}
		if i%1000 == 0 {
			if r := v.Validate([]byte(base)); !r.Valid() {
				t.Fatalf("after %d documents the sample is rejected: %v", i, r.Violations)
			}
		}
	}
}
