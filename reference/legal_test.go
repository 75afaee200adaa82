package reference

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLegalVariantsShowTheirVariation makes sure each legal profile really differs from the
// correct one in the way it documents; the probes prove it stays conforming.
func TestLegalVariantsShowTheirVariation(t *testing.T) {
	type obs struct {
		infoBody, faultBody, ct string
		states                  map[string]bool
		afterDisconnect         reply
		// Content-Encoding of an answer to a request offering gzip,deflate, and its body
		// decoded; and of one that offered nothing
		offeredCE, offeredBody, unaskedCE string
		// the answer to an EWS request its schema rejects (an undeclared attribute)
		schemaRefusal reply
		// the answers to an unknown mandatory header and to an Envelope of no SOAP version
		mustUnderstand, foreign reply
	}
	observe := func(t *testing.T, profile string) obs {
		clk := newClock(0)
		c := newClient(t, newTestHandler(t, profile, clk))
		o := obs{states: map[string]bool{}}
		for _, s := range Scenarios() {
			id := c.post(playReq(DefaultEntryID, s.DialString)).callID()
			for range 10 {
				r := c.post(infoReq(id))
				st, _, ok := r.callInfo()
				if !ok {
					t.Fatalf("%s: GetCallInfo failed: %s", s.Name, r.body)
				}
				o.states[st] = true
				o.infoBody, o.ct = string(r.body), r.ct
				clk.Advance(testStep)
			}
		}
		o.faultBody = string(c.post(infoReq(foreignCallID())).body)
		id := c.post(playReq(DefaultEntryID, DefaultDialString)).callID()
		c.post(discReq(id))
		o.afterDisconnect = c.post(infoReq(id))
		o.unaskedCE = o.afterDisconnect.hdr.Get("Content-Encoding")
		offered := c.do(http.MethodPost, LegacyPath, "text/xml; charset=utf-8", []byte(infoReq(id)), map[string]string{"Accept-Encoding": "gzip,deflate"})
		o.offeredCE, o.offeredBody = offered.hdr.Get("Content-Encoding"), string(offered.body)
		if zr, err := gzip.NewReader(bytes.NewReader(offered.body)); err == nil {
			if b, err := io.ReadAll(zr); err == nil {
				o.offeredBody = string(b)
			}
		}
		o.schemaRefusal = c.do(http.MethodPost, EWSPath, "text/xml; charset=utf-8",
			[]byte(ewsEnv("Exchange2013", `<m:GetPhoneCallInformation><m:PhoneCallId Id="`+foreignCallID()+`" extra="1"/></m:GetPhoneCallInformation>`)), nil)
		o.mustUnderstand = c.post(modelReq(false, "utf-8", SOAP11Namespace, `<u:H xmlns:u="urn:x" soap:mustUnderstand="1"/>`, ""))
		o.foreign = c.post(modelReq(true, "utf-8", "urn:x:no-soap", "", ""))
		return o
	}
	cases := map[string]func(o obs) bool{
		"legal-envelope-refusals": func(o obs) bool {
			mu := o.mustUnderstand
			return mu.faultCode() == "MustUnderstand" && mu.payload.child("", "faultactor") != nil && mu.env.child(SOAP11Namespace, "Header") != nil &&
				o.foreign.status == http.StatusBadRequest && len(o.foreign.body) == 0
		},
		"legal-ews-schema-error-response": func(o obs) bool {
			b := string(o.schemaRefusal.body)
			return o.schemaRefusal.status == http.StatusOK && strings.Contains(b, `ResponseClass="Error"`) && strings.Contains(b, ">ErrorSchemaValidation<")
		},
		"legal-prefix-s":    func(o obs) bool { return strings.Contains(o.infoBody, "<s:Envelope") },
		"legal-prefix-m":    func(o obs) bool { return strings.Contains(o.infoBody, "<m:GetCallInfoResponse xmlns:m=") },
		"legal-no-xml-decl": func(o obs) bool { return !strings.HasPrefix(o.infoBody, "<?xml") },
		"legal-soap-header": func(o obs) bool { return strings.Contains(o.infoBody, "<soap:Header><ServerVersionInfo") },
		"legal-exchange2013-states": func(o obs) bool {
			return len(o.states) == 3 && o.states[StateConnecting] && o.states[StateConnected] && o.states[StateDisconnected]
		},
		"legal-prefixed-exceptiontype": func(o obs) bool { return strings.Contains(o.faultBody, ">a:InvalidCallIdException</ExceptionType>") },
		"legal-fault-xml-lang":         func(o obs) bool { return strings.Contains(o.faultBody, `<faultstring xml:lang="en-US">`) },
		"legal-gzip": func(o obs) bool {
			return o.offeredCE == "gzip" && o.unaskedCE == "" && strings.Contains(o.offeredBody, "<CallState>Disconnected</CallState>")
		},
		"legal-content-type-case":    func(o obs) bool { return o.ct == "Text/XML;Charset=UTF-8" },
		"legal-forget-on-disconnect": func(o obs) bool { return o.afterDisconnect.exception() == excInvalidCallID },
	}
	base := observe(t, ProfileExchange)
	if len(base.states) != 8 {
		t.Errorf("the correct profile reports %d states (%v), want 8", len(base.states), base.states)
	}
	for _, p := range Profiles() {
		if !p.Legal || p.Name == ProfileExchange {
			continue
		}
		shows, ok := cases[p.Name]
		if !ok {
			t.Errorf("legal profile %s has no variation check", p.Name)
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			if !shows(observe(t, p.Name)) {
				t.Errorf("does not show its variation: %s", p.Doc)
			}
			if shows(base) {
				t.Errorf("the correct profile shows the variation too")
			}
		})
	}
}
