package suites

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
)

// Servers written by hand (rawServer), unlike the reference server, answer the processing
// model's probes (T11, T12): the broken ones each break one statement, and the legal ones
// write their refusals in forms the documents allow.

const (
	soap11NS     = "http://schemas.xmlsoap.org/soap/envelope/"
	invalidCall  = `<soap:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/errors">a:InvalidCallIdException</faultcode><faultstring>The call identifier isn't valid.</faultstring><detail><ExceptionType xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">InvalidCallIdException</ExceptionType></detail></soap:Fault>`
	ewsInvalidID = `<m:GetPhoneCallInformationResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" ResponseClass="Error"><m:MessageText>The phone call id isn't valid.</m:MessageText><m:ResponseCode>ErrorInvalidPhoneCallId</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetPhoneCallInformationResponse>`
	clientFault  = `<soap:Fault><faultcode>soap:Client</faultcode><faultstring>The request could not be read.</faultstring></soap:Fault>`
	muFault      = `<soap:Fault><faultcode>soap:MustUnderstand</faultcode><faultstring>A mandatory header was not understood.</faultstring></soap:Fault>`
	vmFault      = `<soap:Fault><faultcode>soap:VersionMismatch</faultcode><faultstring>The Envelope is in an unknown namespace.</faultstring></soap:Fault>`
)

// sendModel sends api's probe in variant v to srv and reads the answer as the scenario does.
func sendModel(t *testing.T, srv *rawServer, ews bool, v modelVariant) modelAnswer {
	t.Helper()
	build, path := umModelRequest, "/EWS/UM2007Legacy.asmx"
	if ews {
		build, path = ewsModelRequest, "/EWS/Exchange.asmx"
	}
	tr := &http.Transport{DisableCompression: true, MaxResponseHeaderBytes: MaxResponseHeaderBytes}
	RecordHeads(tr)
	t.Cleanup(tr.CloseIdleConnections)
	u, _ := url.Parse("http://" + srv.addr + path)
	s := &Sender{Target: u, Client: &http.Client{Transport: tr}, Timeout: 5 * time.Second, Validator: validator(t), retry: &retrier{}}
	var a modelAnswer
	ex, _ := s.SendAndJudge(t.Context(), build("soap-model-test", v), fixtures.Values{}, func(ex *Exchange) Outcome {
		a = readModelAnswer(ex)
		return Outcome{}
	})
	if ex.Err != nil {
		t.Fatalf("no answer: %v", ex.Err)
	}
	return a
}

func probeNamed(t *testing.T, id string) modelProbe {
	for _, p := range modelProbes {
		if p.id == id {
			return p
		}
	}
	t.Fatalf("no probe %s", id)
	return modelProbe{}
}

// TestProcessingModelCatchesHandMadeServers: each probe's judge fails the broken answers
// and passes the legal ones; a relative probe's answer is compared with the plain
// question's, which the server answers first.
func TestProcessingModelCatchesHandMadeServers(t *testing.T) {
	env := func(body string) string { return envelopeOf(body) }
	withHeader := func(header, body string) string {
		return xmlDecl + soapEnv + `<soap:Header>` + header + `</soap:Header><soap:Body>` + body + `</soap:Body></soap:Envelope>`
	}
	fault := func(body string) []byte { return response(faultStatus, []string{ctUTF8}, body) }
	ok := func(body string) []byte { return response(okStatus, []string{ctUTF8}, body) }
	umPlain, ewsPlain := fault(env(invalidCall)), ok(env(ewsInvalidID))
	for _, c := range []struct {
		name   string
		probe  string
		ews    bool
		answer []byte // the probe's; a relative probe's plain question gets the API's plain answer
		pass   bool
	}{
		// Broken.
		{"mandatory header processed (UM)", "mandatory-header", false, fault(env(invalidCall)), false},
		{"mandatory header processed (EWS)", "mandatory-header", true, ok(env(ewsInvalidID)), false},
		{"mandatory header answered with a Client Fault", "mandatory-header", false, fault(env(clientFault)), false},
		{"MustUnderstand in no namespace", "mandatory-header", false, fault(env(`<soap:Fault><faultcode>MustUnderstand</faultcode><faultstring>no</faultstring></soap:Fault>`)), false},
		{"MustUnderstand with the header named in detail", "mandatory-header", true,
			fault(env(`<soap:Fault><faultcode>soap:MustUnderstand</faultcode><faultstring>no</faultstring><detail><h:NotUnderstood xmlns:h="urn:h">{urn:umconform:unknown-header}UnknownMandatoryHeader</h:NotUnderstood></detail></soap:Fault>`)), false},
		{"MustUnderstand with text in detail", "mandatory-header", false,
			fault(env(`<soap:Fault><faultcode>soap:MustUnderstand</faultcode><faultstring>no</faultstring><detail>UnknownMandatoryHeader</detail></soap:Fault>`)), false},
		{"mandatory header refused with a bare 400", "mandatory-header", true, response("HTTP/1.1 400 Bad Request", nil, ""), false},
		{"mustUnderstand obeyed on the Body (UM)", "mustunderstand-on-body", false, fault(env(muFault)), false},
		{"mustUnderstand on the Body refused with a Client Fault (EWS)", "mustunderstand-on-body", true, fault(env(clientFault)), false},
		{"foreign Envelope processed (UM)", "foreign-envelope", false, fault(env(invalidCall)), false},
		{"foreign Envelope processed (EWS)", "foreign-envelope", true, ok(env(ewsInvalidID)), false},
		{"foreign Envelope answered with a Client Fault", "foreign-envelope", false, fault(env(clientFault)), false},
		{"foreign Envelope answered with an HTML 500", "foreign-envelope", true, response(faultStatus, []string{"Content-Type: text/html"}, "<html><body>Server Error</body></html>"), false},
		{"declaration's UTF-16 honoured: Client Fault (UM)", "declared-utf-16", false, fault(env(clientFault)), false},
		{"declaration's UTF-16 honoured: 400 (EWS)", "declared-utf-16", true, response("HTTP/1.1 400 Bad Request", []string{"Content-Type: text/html"}, "<html>Bad Request</html>"), false},
		{"declaration's UTF-16 honoured: schema error (EWS)", "declared-utf-16", true,
			fault(env(`<soap:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorSchemaValidation</faultcode><faultstring>no</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorSchemaValidation</e:ResponseCode></detail></soap:Fault>`)), false},

		// Legal.
		{"MustUnderstand (UM)", "mandatory-header", false, fault(env(muFault)), true},
		{"MustUnderstand with a faultactor, an empty detail and the header named in a header entry", "mandatory-header", true,
			fault(withHeader(`<h:NotUnderstood xmlns:h="urn:h" qname="u:UnknownMandatoryHeader" xmlns:u="urn:umconform:unknown-header"/>`,
				`<soap:Fault><faultcode>soap:MustUnderstand</faultcode><faultstring>no</faultstring><faultactor>http://mail.contoso.com/EWS/Exchange.asmx</faultactor><detail/></soap:Fault>`)), true},
		{"MustUnderstand refined with a dot, another prefix", "mandatory-header", false,
			fault(env(`<soap:Fault><faultcode xmlns:e="` + soap11NS + `">e:MustUnderstand.Header</faultcode><faultstring>no</faultstring></soap:Fault>`)), true},
		{"mustUnderstand on the Body ignored (UM)", "mustunderstand-on-body", false,
			fault(env(strings.Replace(invalidCall, "isn't valid.", "is unknown: NWYwZDJj…", 1))), true},
		{"mustUnderstand on the Body ignored (EWS)", "mustunderstand-on-body", true, ok(env(ewsInvalidID)), true},
		{"VersionMismatch (UM)", "foreign-envelope", false, fault(env(vmFault)), true},
		{"VersionMismatch with an Upgrade header entry", "foreign-envelope", true,
			fault(withHeader(`<u:Upgrade xmlns:u="http://www.w3.org/2003/05/soap-envelope"><u:SupportedEnvelope qname="s:Envelope" xmlns:s="`+soap11NS+`"/></u:Upgrade>`, vmFault)), true},
		{"foreign Envelope refused with a bare 400, as WCF does", "foreign-envelope", true, response("HTTP/1.1 400 Bad Request", nil, ""), true},
		{"foreign Envelope refused with 415", "foreign-envelope", false, response("HTTP/1.1 415 Unsupported Media Type", []string{"Content-Type: text/plain"}, "no"), true},
		{"foreign Envelope answered with a SOAP 1.2 VersionMismatch", "foreign-envelope", true,
			fault(`<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:VersionMismatch</env:Value></env:Code><env:Reason><env:Text xml:lang="en">no</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`), true},
		{"declaration's UTF-16 ignored (UM)", "declared-utf-16", false, fault(env(invalidCall)), true},
		{"declaration's UTF-16 ignored (EWS)", "declared-utf-16", true, ok(env(ewsInvalidID)), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := probeNamed(t, c.probe)
			plainAnswer := umPlain
			if c.ews {
				plainAnswer = ewsPlain
			}
			srv := newRawServer(t, func(n int) []byte {
				if p.relative != nil && n == 0 {
					return plainAnswer
				}
				return c.answer
			})
			var o Outcome
			if p.relative != nil {
				plain := sendModel(t, srv, c.ews, plainVariant)
				o = p.relative(sendModel(t, srv, c.ews, p.variant), plain)
			} else {
				o = p.judge(sendModel(t, srv, c.ews, p.variant))
			}
			if o.CannotJudge || o.Pass != c.pass {
				t.Errorf("%s: pass=%v cannot=%v, want pass=%v: expected %q, actual %q", p.rule, o.Pass, o.CannotJudge, c.pass, o.Expected, o.Actual)
			}
		})
	}
}

// TestModelRequests: the probes differ from the plain question in what they test alone,
// and each is well-formed XML in a SOAP envelope the schema of its API accepts, but for the
// foreign namespace.
func TestModelRequests(t *testing.T) {
	for _, ews := range []bool{false, true} {
		build := umModelRequest
		if ews {
			build = ewsModelRequest
		}
		plain := string(build("plain", plainVariant).Request)
		for _, p := range modelProbes {
			req := string(build(p.id, p.variant).Request)
			if req == plain {
				t.Errorf("ews=%v %s: the same request as the plain question", ews, p.id)
			}
			_, body, _ := strings.Cut(req, "\r\n\r\n")
			switch p.id {
			case "mandatory-header":
				if !strings.Contains(body, `soap:mustUnderstand="1">umconform</u:UnknownMandatoryHeader>`) || !strings.Contains(body, `xmlns:soap="`+soap11NS+`"`) {
					t.Errorf("ews=%v: %s", ews, body)
				}
			case "mustunderstand-on-body":
				if !strings.Contains(body, `<soap:Body soap:mustUnderstand="1">`) {
					t.Errorf("ews=%v: %s", ews, body)
				}
			case "foreign-envelope":
				if !strings.Contains(body, `xmlns:soap="`+foreignEnvelopeNamespace+`"`) || strings.Contains(body, soap11NS) {
					t.Errorf("ews=%v: %s", ews, body)
				}
			case "declared-utf-16":
				if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-16"?>`) || !strings.Contains(req, "charset=utf-8") {
					t.Errorf("ews=%v: %s", ews, req)
				}
			}
		}
	}
}
