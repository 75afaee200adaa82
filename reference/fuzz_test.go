package reference

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/umconform/umconform/schema"
)

// FuzzHandler feeds arbitrary request bodies to the correct profile. Properties: it never
// panics; every answer to a POST is a 4xx or a SOAP envelope that validates against the
// schema; a 200 is given only to a well-formed SOAP 1.1 envelope without a DTD whose first
// Body child is one of the three operations in the messages namespace. The literal CALLID in
// an input is replaced by the id of a live call, so that valid requests are reachable.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		infoReq("CALLID"),
		playReq(DefaultEntryID, DefaultDialString),
		discReq("CALLID"),
		infoReq(""),
		envelope(``),
		`<soap:Envelope xmlns:soap="` + SOAP11Namespace + `"><soap:Body><GetCallInfo>`,
		`<!DOCTYPE x [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]>` + envelope(`<GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>&b;</CallId></GetCallInfo>`)[39:],
		"\ufeff" + infoReq("CALLID"),
		`<e:Envelope xmlns:e="` + SOAP12Namespace + `"><e:Body/></e:Envelope>`,
	} {
		f.Add([]byte(seed))
	}
	v, err := schema.Load()
	if err != nil {
		f.Fatalf("schema.Load: %v", err)
	}
	clk := newClock(testStep)
	h := newTestHandler(f, "", clk)
	id := newClient(f, h).post(playReq(DefaultEntryID, "+15550109")).callID() // stays Idle
	if id == "" {
		f.Fatal("no call to fuzz with")
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		body = bytes.ReplaceAll(body, []byte("CALLID"), []byte(id))
		rec := fuzzPost(t, h, v, LegacyPath, body)
		if rec != nil && rec.Code == 200 && !wellFormedOperation(body) {
			t.Fatalf("200 for a request that is not a well-formed operation:\n%q\n%s", body, rec.Body.Bytes())
		}
	})
}

// fuzzPost posts body to path and checks what holds for every answer: a 413, or a 200 or
// 500 whose body validates against v's schema, a Fault exactly with 500. It returns nil for
// a 413.
func fuzzPost(t *testing.T, h http.Handler, v *schema.Validator, path string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	switch {
	case rec.Code == http.StatusRequestEntityTooLarge:
		return nil
	case rec.Code != 200 && rec.Code != 500:
		t.Fatalf("status %d for a POST", rec.Code)
	}
	res := v.ValidateAs(rec.Body.Bytes(), schema.KindResponse)
	if !res.Valid() {
		t.Fatalf("response does not validate: %v\n%s", res.Violations, rec.Body.Bytes())
	}
	if (rec.Code == 500) != res.IsFault() {
		t.Fatalf("status %d with message %s", rec.Code, res.Message)
	}
	return rec
}

// wellFormedOperation is the fuzz oracle's own view of an acceptable request, written
// without the server's parser.
func wellFormedOperation(body []byte) bool {
	body = bytes.TrimPrefix(body, utf8BOM)
	if bytes.Contains(body, []byte("<!")) && !bytes.Contains(body, []byte("<!--")) && !bytes.Contains(body, []byte("<![CDATA[")) {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if _, ok := tok.(xml.Directive); ok {
			return false
		}
	}
	var env node
	if err := xml.Unmarshal(body, &env); err != nil || env.XMLName != (xml.Name{Space: SOAP11Namespace, Local: "Envelope"}) {
		return false
	}
	b := env.child(SOAP11Namespace, "Body")
	if b == nil || len(b.Kids) == 0 {
		return false
	}
	op := b.Kids[0].XMLName
	return op.Space == MessagesNamespace && (op.Local == "GetCallInfo" || op.Local == "PlayOnPhone" || op.Local == "Disconnect")
}
