package schema_test

import (
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

// faultEnvelope wraps the children of a Fault in an envelope whose soap prefix is declared
// once, on the Envelope, as Exchange writes it (MS-OXWUMS 3.1.4.3 uses s:).
func faultEnvelope(children string) string {
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
		children + `</s:Fault></s:Body></s:Envelope>`
}

const (
	errorsNS   = "http://schemas.microsoft.com/exchange/services/2006/errors"
	codeErrors = `<faultcode xmlns:a="` + errorsNS + `">a:InvalidCallIdException</faultcode>`
	plainText  = `<faultstring>The call identifier isn't valid.</faultstring>`
)

// TestFaultsAsSOAPAndBasicProfileAllow: what SOAP 1.1 section 4.4 and WS-I Basic Profile 1.1
// section 3.3 allow on a Fault's children passes both APIs' schemas (they share the
// envelope schema), each case naming the clause that allows it.
func TestFaultsAsSOAPAndBasicProfileAllow(t *testing.T) {
	cases := []struct{ clause, doc string }{
		{"BP 1.1 R1016: a RECEIVER MUST accept a faultstring carrying xml:lang",
			faultEnvelope(codeErrors + `<faultstring xml:lang="en-US">The call identifier isn't valid.</faultstring>`)},
		{"BP 1.1 R1016 with XML 1.0 section 2.12: an empty xml:lang (no language said) is allowed",
			faultEnvelope(codeErrors + `<faultstring xml:lang="">x</faultstring>`)},
		{"SOAP 1.1 section 4.4.1 and BP R1004: a faultcode QName of a namespace the fault's authority controls",
			faultEnvelope(`<faultcode xmlns:e="urn:example:faults">e:QuotaExceeded</faultcode>` + plainText)},
		{"Namespaces in XML: the faultcode's prefix may be declared on an ancestor",
			strings.Replace(faultEnvelope(`<faultcode>a:InvalidCallIdException</faultcode>`+plainText), `<s:Fault>`, `<s:Fault xmlns:a="`+errorsNS+`">`, 1)},
		{"SOAP 1.1 section 4.4.1: the SOAP faultcodes with the dot notation (BP R1031 says SHOULD NOT, not MUST NOT)",
			faultEnvelope(`<faultcode>s:Client.Authentication</faultcode>` + plainText)},
		{"BP 1.1 R1002: detail entries may be unqualified",
			faultEnvelope(codeErrors + plainText + `<detail><ExceptionType>InvalidCallIdException</ExceptionType><Trace>at x</Trace></detail>`)},
		{"BP 1.1 R1002: any number of detail entries, including zero",
			faultEnvelope(codeErrors + plainText + `<detail/>`)},
		{"BP 1.1 R1003: qualified and unqualified attributes of any namespace on detail",
			faultEnvelope(codeErrors + plainText + `<detail id="d1" xmlns:x="urn:example:x" x:kind="trace" xml:lang="en"/>`)},
		{"SOAP 1.1 section 4.4: a detail entry is the application's own element, attributes and all",
			faultEnvelope(codeErrors + plainText + `<detail><e:ResponseCode xmlns:e="` + errorsNS + `" e:severity="error" code="1">ErrorInvalidRequest</e:ResponseCode></detail>`)},
		{"SOAP 1.1 section 4.4: faultactor, a URI, between faultstring and detail",
			faultEnvelope(codeErrors + `<faultstring xml:lang="en-US">x</faultstring><faultactor>https://um.contoso.com/EWS/UM2007Legacy.asmx</faultactor><detail/>`)},
	}
	for _, api := range []schema.API{schema.UM, schema.EWS} {
		v := load(t, schema.For(api))
		for _, c := range cases {
			r := v.Validate([]byte(c.doc))
			if !r.Valid() || !r.IsFault() {
				t.Errorf("%s: %s: refused (fault %v): %v", api, c.clause, r.IsFault(), r.Violations)
			}
		}
	}
}

// TestFaultsAsSOAPAndBasicProfileForbid: what they forbid stays refused, with the clause.
func TestFaultsAsSOAPAndBasicProfileForbid(t *testing.T) {
	cases := []struct{ clause, doc, want string }{
		{"SOAP 1.1 section 4.4: faultstring MUST be present",
			faultEnvelope(codeErrors + `<detail/>`), "Expected is ( faultstring )"},
		{"SOAP 1.1 section 4.4: faultcode MUST be present",
			faultEnvelope(plainText), "Expected is ( faultcode )"},
		{"BP 1.1 R1001: the Fault's children MUST be unqualified",
			faultEnvelope(`<s:faultcode>s:Client</s:faultcode><s:faultstring>x</s:faultstring>`), "This element is not expected"},
		{"BP 1.1 R1000: no Fault children other than faultcode, faultstring, faultactor and detail",
			faultEnvelope(codeErrors + plainText + `<Reason>x</Reason>`), "This element is not expected"},
		{"SOAP 1.1 section 4.4: faultcode is a qualified name, whose prefix Namespaces in XML requires declared",
			faultEnvelope(`<faultcode>a:InvalidCallIdException</faultcode>` + plainText), "has no corresponding namespace declaration in scope"},
		{"XML 1.0 section 2.12: xml:lang holds a language tag",
			faultEnvelope(codeErrors + `<faultstring xml:lang="en US!">x</faultstring>`), "lang"},
		{"BP 1.1 R1016 allows xml:lang only: the SOAP 1.1 envelope schema gives faultstring no other attribute",
			faultEnvelope(codeErrors + `<faultstring severity="high">x</faultstring>`), "The attribute 'severity' is not allowed"},
		{"SOAP 1.1 envelope schema: faultcode comes before faultstring",
			faultEnvelope(plainText + codeErrors), "This element is not expected"},
	}
	for _, api := range []schema.API{schema.UM, schema.EWS} {
		v := load(t, schema.For(api))
		for _, c := range cases {
			r := v.Validate([]byte(c.doc))
			if r.Valid() {
				t.Errorf("%s: %s: accepted", api, c.clause)
				continue
			}
			found := false
			for _, viol := range r.Violations {
				found = found || strings.Contains(viol.Message, c.want)
			}
			if !found {
				t.Errorf("%s: %s: no violation with %q: %v", api, c.clause, c.want, r.Violations)
			}
		}
	}
}
