package reference

import (
	"net/http"
	"strings"
	"testing"
)

// The processing model's half of the probe (T11, T12), a miniature of the harness's checks
// independent of it (suites/soapmodel.go): each endpoint gets a question about an id that
// names no call, plain and in four variants.

// modelReq writes an endpoint's question in a variant: the declaration's encoding, the
// Envelope's namespace, a header entry and an attribute on the Body.
func modelReq(ews bool, encoding, ns, header, bodyAttr string) string {
	op := `<GetCallInfo xmlns="` + MessagesNamespace + `"><CallId>` + foreignCallID() + `</CallId></GetCallInfo>`
	decl := ` xmlns:soap="` + ns + `"`
	if ews {
		op = `<m:GetPhoneCallInformation><m:PhoneCallId Id="NO-SUCH-CALL"/></m:GetPhoneCallInformation>`
		decl += ` xmlns:m="` + MessagesNamespace + `" xmlns:t="` + TypesNamespace + `"`
		header = `<t:RequestServerVersion Version="Exchange2013"/>` + header
	}
	if header != "" {
		header = `<soap:Header>` + header + `</soap:Header>`
	}
	return `<?xml version="1.0" encoding="` + encoding + `"?>` + "\n" + `<soap:Envelope` + decl + `>` + header +
		`<soap:Body` + bodyAttr + `>` + op + `</soap:Body></soap:Envelope>`
}

// faultCode is the local part of a SOAP 1.1 Fault's faultcode, "" for no Fault.
func (r reply) faultCode() string {
	if !r.isFault() {
		return ""
	}
	code := r.payload.child("", "faultcode")
	if code == nil {
		return ""
	}
	_, local, _ := strings.Cut(strings.TrimSpace(code.Text), ":")
	return local
}

// kind is what two answers to the same question share: the status, a Fault's code and
// exception, an EWS answer's class and code.
func (r reply) kind() string {
	s := []string{http.StatusText(r.status), r.faultCode(), r.exception()}
	if r.payload != nil {
		class, _ := r.payload.attr("ResponseClass")
		s = append(s, class)
		if c := r.payload.child(MessagesNamespace, "ResponseCode"); c != nil {
			s = append(s, c.Text)
		}
	}
	return strings.Join(s, " ")
}

func (p *probe) runModel() {
	for _, ews := range []bool{false, true} {
		c := *p.c
		if ews {
			c.path = EWSPath
		}
		send := func(body string) (reply, bool) {
			r := c.post(body)
			p.judge(r)
			// No answer, or none that reads (T1's), says nothing of the processing model.
			return r, !r.timedOut && (r.env != nil || (r.status != 200 && r.status != 500))
		}
		plain, ok := send(modelReq(ews, "utf-8", SOAP11Namespace, "", ""))
		if !ok {
			continue // X5's (an unknown id answered late) or T1's
		}
		// T11: an unknown mandatory header gets a MustUnderstand Fault without detail.
		if r, ok := send(modelReq(ews, "utf-8", SOAP11Namespace, `<u:H xmlns:u="urn:umconform:test" soap:mustUnderstand="1">1</u:H>`, "")); ok {
			if r.faultCode() != "MustUnderstand" {
				p.broken["T11"] = true
			} else if d := r.payload.child("", "detail"); d != nil && (len(d.Kids) > 0 || strings.TrimSpace(d.Text) != "") {
				p.broken["T11"] = true
			}
		}
		// T11: mustUnderstand on the Body is ignored.
		if r, ok := send(modelReq(ews, "utf-8", SOAP11Namespace, "", ` soap:mustUnderstand="1"`)); ok && r.kind() != plain.kind() {
			p.broken["T11"] = true
		}
		// T11: an Envelope of no SOAP version is refused: a VersionMismatch Fault or a 4xx.
		if r, ok := send(modelReq(ews, "utf-8", "urn:umconform:no-soap", "", "")); ok {
			if code := r.faultCode(); (r.isFault() && code != "VersionMismatch") || (!r.isFault() && r.status/100 != 4) {
				p.broken["T11"] = true
			}
		}
		// T12: the declaration's encoding is ignored.
		if r, ok := send(modelReq(ews, "UTF-16", SOAP11Namespace, "", "")); ok && r.kind() != plain.kind() {
			p.broken["T12"] = true
		}
	}
}

// TestProcessingModelOfTheCorrectServer: the correct server, on both endpoints, refuses an
// unknown mandatory header with a MustUnderstand Fault that has no detail, and one of the
// EWS headers it understands marked mandatory is processed; an Envelope of no SOAP version
// gets VersionMismatch; mustUnderstand on the Body and a declaration naming UTF-16 change
// nothing.
func TestProcessingModelOfTheCorrectServer(t *testing.T) {
	c := newClient(t, newTestHandler(t, ProfileExchange, newClock(testStep)))
	for _, ews := range []bool{false, true} {
		if ews {
			c.path = EWSPath
		}
		plain := c.post(modelReq(ews, "utf-8", SOAP11Namespace, "", ""))
		if !plain.isFault() && plain.status != 200 {
			t.Fatalf("ews=%v: the plain question got HTTP %d: %s", ews, plain.status, plain.body)
		}
		if r := c.post(modelReq(ews, "utf-8", SOAP11Namespace, `<u:H xmlns:u="urn:x" soap:mustUnderstand="1"/>`, "")); r.faultCode() != "MustUnderstand" || r.payload.child("", "detail") != nil || r.status != 500 {
			t.Errorf("ews=%v: unknown mandatory header: HTTP %d %s", ews, r.status, r.body)
		}
		if r := c.post(modelReq(ews, "utf-8", SOAP11Namespace, `<u:H xmlns:u="urn:x" soap:mustUnderstand="1" soap:actor="urn:someone-else"/>`, "")); r.kind() != plain.kind() {
			t.Errorf("ews=%v: a mandatory header for another actor is not this server's to understand: HTTP %d %s", ews, r.status, r.body)
		}
		if r := c.post(strings.Replace(modelReq(ews, "utf-8", SOAP11Namespace, "", ""), `<t:RequestServerVersion `, `<t:RequestServerVersion soap:mustUnderstand="1" `, 1)); r.kind() != plain.kind() {
			t.Errorf("ews=%v: RequestServerVersion marked mandatory is understood: HTTP %d %s", ews, r.status, r.body)
		}
		if r := c.post(modelReq(ews, "utf-8", "urn:umconform:no-soap", "", "")); r.faultCode() != "VersionMismatch" {
			t.Errorf("ews=%v: foreign envelope: HTTP %d %s", ews, r.status, r.body)
		}
		for _, v := range []string{modelReq(ews, "utf-8", SOAP11Namespace, "", ` soap:mustUnderstand="1"`), modelReq(ews, "UTF-16", SOAP11Namespace, "", ""),
			modelReq(ews, "ISO-8859-1", SOAP11Namespace, "", "")} {
			if r := c.post(v); r.kind() != plain.kind() {
				t.Errorf("ews=%v: got %q, want %q as without the variant, for\n%s", ews, r.kind(), plain.kind(), v)
			}
		}
	}
}
