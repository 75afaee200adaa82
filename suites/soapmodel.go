package suites

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// The SOAP processing model (T11) and how a request's encoding is read (T12), judged on
// both APIs with requests built for them: each asks about a call id that names no call,
// so none places or ends a call, and each differs from a plain question in one respect.
//   - mandatory-header: a header entry of a namespace no server knows, marked
//     mustUnderstand="1". SOAP 1.1 §4.2.3 has the server fail the message, §4.4.1 and WS-I
//     BP 1.1 R1027 with a Fault whose code is MustUnderstand; the error is about a header
//     entry, so the Fault carries no detail (§4.4: such information travels in header
//     entries);
//   - mustunderstand-on-body: soap:mustUnderstand="1" on the Body, which SOAP 1.1 §4.2.1
//     has a receiver ignore anywhere but on a header entry. The envelope schema admits any
//     attribute on the Body, so a server that validates the envelope takes it too. The
//     answer must be the one the plain question gets;
//   - foreign-envelope: an Envelope in a namespace that is neither SOAP 1.1's nor SOAP
//     1.2's (which a server may speak). §4.1.2 has it discarded; a SOAP Fault refusing it
//     uses VersionMismatch (§4.4.1); a 4xx without a Fault is allowed too (WS-I BP 1.1
//     R1125: a problem with the request's format is a 4xx), as docs/PROTOCOL.md D11 says;
//   - declared-utf-16: a UTF-8 request labelled charset=utf-8 whose XML declaration says
//     UTF-16. WS-I SSBP 1.0 R1019 has a receiver ignore the declaration's encoding, so the
//     answer must be the one the plain question gets; a server that reads the declaration
//     reads UTF-16 where there is none and cannot read the request.
// The plain question (the baseline) is sent once per API, when a check that compares with
// it runs: one request beside the four probes, none of which rings a phone.

// modelVariant is how a probe's request differs from the plain question.
type modelVariant struct {
	encoding  string // the XML declaration's encoding label
	namespace string // the Envelope's namespace
	header    string // a header entry added to the Header
	bodyAttr  string // an attribute added to the Body
}

// foreignEnvelopeNamespace is the probe's Envelope namespace: no SOAP version's.
const foreignEnvelopeNamespace = "urn:umconform:not-a-soap-envelope"

// mandatoryHeader is the probe's header entry: a namespace no server knows, marked
// mandatory for the ultimate receiver (no actor).
const mandatoryHeader = `<u:UnknownMandatoryHeader xmlns:u="urn:umconform:unknown-header" soap:mustUnderstand="1">umconform</u:UnknownMandatoryHeader>`

var plainVariant = modelVariant{encoding: "utf-8", namespace: schema.SOAP11Namespace}

// modelProbe is one probe request of the processing model and its judge; relative judges
// compare its answer with the plain question's.
type modelProbe struct {
	id, rule, title string
	variant         modelVariant
	judge           func(a modelAnswer) Outcome
	relative        func(a, plain modelAnswer) Outcome
}

var modelProbes = []modelProbe{
	{id: "mandatory-header", rule: "T11", judge: judgeMandatoryHeader,
		title:   `a header entry no server knows, marked mustUnderstand="1", gets a MustUnderstand Fault without detail, and the request is not processed`,
		variant: modelVariant{encoding: "utf-8", namespace: schema.SOAP11Namespace, header: mandatoryHeader}},
	{id: "mustunderstand-on-body", rule: "T11", relative: sameAnswer("T11", `soap:mustUnderstand="1" on the Body`, "SOAP 1.1 §4.2.1: a receiver ignores mustUnderstand on anything but a header entry"),
		title:   `soap:mustUnderstand="1" on the Body is ignored: the answer is the one the request gets without it`,
		variant: modelVariant{encoding: "utf-8", namespace: schema.SOAP11Namespace, bodyAttr: ` soap:mustUnderstand="1"`}},
	{id: "foreign-envelope", rule: "T11", judge: judgeForeignEnvelope,
		title:   "an Envelope in a namespace of no SOAP version is not processed; a Fault refusing it has the code VersionMismatch",
		variant: modelVariant{encoding: "utf-8", namespace: foreignEnvelopeNamespace}},
	{id: "declared-utf-16", rule: "T12", relative: sameAnswer("T12", "an XML declaration naming UTF-16 on a UTF-8 request labelled charset=utf-8", "WS-I SSBP 1.0 R1019: a receiver ignores the encoding the XML declaration names"),
		title:   "a UTF-8 request labelled charset=utf-8 whose XML declaration names UTF-16 gets the answer it gets with a UTF-8 declaration",
		variant: modelVariant{encoding: "UTF-16", namespace: schema.SOAP11Namespace}},
}

// modelSent is a probe's exchange and its answer, read whole before the exchange keeps only
// its start.
type modelSent struct {
	ex *Exchange
	a  modelAnswer
}

// declareSOAPModel declares, for api, one check per probe of the processing model. The
// checks share one scenario, so that a shard of the run takes them, and the plain question
// they compare with, together.
func (e *Env) declareSOAPModel(api callAPI) {
	e.container(api.containerPrefix()+"soap processing model", nil, func() {
		scenario := api.prefix + "soap-model"
		send := func(ctx context.Context, id string, v modelVariant) modelSent {
			var a modelAnswer
			f := api.modelRequest(api.prefix+"soap-model-"+id, v)
			ex := e.send(ctx, api, &request{f: f, judge: func(ex *Exchange) Outcome {
				a = readModelAnswer(ex)
				return Outcome{}
			}})
			return modelSent{ex: ex, a: a}
		}
		var plainOnce sync.Once
		var plain modelSent
		for _, p := range modelProbes {
			var once sync.Once
			var s modelSent
			e.Requirement(checkSpec{id: p.rule, scenario: scenario, title: api.titlePrefix + p.id + ": " + p.title,
				judge: func(ctx SpecContext) (Outcome, reports.Evidence) {
					once.Do(func() { s = send(ctx, p.id, p.variant) })
					if s.ex.Err != nil {
						return cannotJudgeFor(s.ex.Err, "no complete answer to the %s probe: %v", p.id, s.ex.Err), evidence(s.ex)
					}
					if p.relative == nil {
						return p.judge(s.a), evidence(s.ex)
					}
					plainOnce.Do(func() { plain = send(ctx, "plain", plainVariant) })
					if plain.ex.Err != nil {
						return cannotJudgeFor(plain.ex.Err, "no complete answer to the plain question the %s probe is compared with: %v", p.id, plain.ex.Err), evidence(s.ex)
					}
					return p.relative(s.a, plain.a), evidence(s.ex)
				}})
		}
	})
}

// umModelRequest is the UM web service's probe: GetCallInfo about a CallId in Exchange's
// form that no server issued (the corpus's gci-callid-unknown), in the variant's envelope.
func umModelRequest(id string, v modelVariant) fixtures.Fixture {
	body := modelEnvelope(v, ` xmlns:soap="`+v.namespace+`"`, "", `<GetCallInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
      <CallId>NWYwZDJjOGUtOGY2Yi00YTUxLTlhMGUtM2MyZjFiN2Q5ZTQyfG1haWwuY29udG9zby5jb20=</CallId>
    </GetCallInfo>`)
	return wireRequest(id, "GetCallInfo", fixtures.Rejected, "", []byte(body))
}

// ewsModelRequest is the EWS endpoint's probe: GetPhoneCallInformation about a PhoneCallId
// that names no call, in the documented request envelope (ewsRequestEnvelope) but for the
// variant.
func ewsModelRequest(id string, v modelVariant) fixtures.Fixture {
	ns := ` xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
               xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
               xmlns:soap="` + v.namespace + `"`
	body := modelEnvelope(v, ns, `<t:RequestServerVersion Version="Exchange2010" />`, `<m:GetPhoneCallInformation>
      <m:PhoneCallId Id="UMCONFORM-SOAP-MODEL-PROBE" />
    </m:GetPhoneCallInformation>`)
	return ewsWireRequest(id, "GetPhoneCallInformation", fixtures.Rejected, []byte(body))
}

// modelEnvelope writes the variant's request: its declaration, an Envelope declaring ns,
// a Header of the API's entries and the variant's, and a Body holding op.
func modelEnvelope(v modelVariant, ns, header, op string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="` + v.encoding + `"?>` + "\n")
	b.WriteString(`<soap:Envelope` + ns + ">\n")
	if header += v.header; header != "" {
		b.WriteString("  <soap:Header>\n    " + header + "\n  </soap:Header>\n")
	}
	b.WriteString("  <soap:Body" + v.bodyAttr + ">\n    " + op + "\n  </soap:Body>\n</soap:Envelope>\n")
	return b.String()
}

// modelAnswer is what the processing model's judges read of an answer.
type modelAnswer struct {
	status     int
	ct         string
	envelope   string   // the namespace of the document element when it is an Envelope; "" otherwise
	fault      bool     // a Fault of the envelope's namespace is the Body's child
	code       xml.Name // the Fault's code, its prefix resolved (SOAP 1.1 faultcode, SOAP 1.2 Code/Value)
	codeText   string   // as written
	detail     string   // what the SOAP 1.1 Fault's detail holds, "" when it has none or it is empty
	message    xml.Name // the Body's first child
	class      string   // the first ResponseClass attribute in the Body (EWS)
	appCode    string   // the first ResponseCode (EWS) or ExceptionType (UM) text in the Body
	unreadable string   // why the body could not be read as XML, when it could not
}

// maxModelTokens bounds what is read of an answer: the probes' answers are a few dozen
// tokens, and a hostile answer must not cost more than the validator let through.
const maxModelTokens = 10000

// readModelAnswer reads ex's whole body for the processing model's judges.
func readModelAnswer(ex *Exchange) modelAnswer {
	a := modelAnswer{status: ex.Status, ct: ex.Header.Get("Content-Type")}
	if ex.Err != nil || len(bytes.TrimSpace(ex.Body)) == 0 {
		return a
	}
	text, _ := asUTF8(ex.Body)
	d := xml.NewDecoder(bytes.NewReader(text))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		path   []xml.Name
		scopes []map[string]string
		into   *strings.Builder // the text being read: faultcode, Code/Value, ResponseCode or ExceptionType
		target *string
		inCode bool
	)
	for n := 0; n < maxModelTokens; n++ {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			a.unreadable = err.Error()
			return a
		}
		switch t := tok.(type) {
		case xml.StartElement:
			decl := map[string]string{}
			for _, at := range t.Attr {
				switch {
				case at.Name.Space == "" && at.Name.Local == "xmlns":
					decl[""] = at.Value
				case at.Name.Space == "xmlns":
					decl[at.Name.Local] = at.Value
				}
			}
			scopes = append(scopes, decl)
			path = append(path, t.Name)
			depth := len(path)
			switch {
			case depth == 1:
				if t.Name.Local == "Envelope" {
					a.envelope = t.Name.Space
				}
			case a.envelope == "":
			case depth == 3 && path[1] == xml.Name{Space: a.envelope, Local: "Body"} && a.message.Local == "":
				a.message = t.Name
				a.fault = t.Name == xml.Name{Space: a.envelope, Local: "Fault"}
			case a.fault && depth == 4 && t.Name.Space == "" && t.Name.Local == "faultcode",
				a.fault && depth == 5 && t.Name.Space == a.envelope && t.Name.Local == "Value" && path[3].Local == "Code":
				into, target, inCode = &strings.Builder{}, &a.codeText, true
			case a.fault && depth == 5 && path[3] == xml.Name{Local: "detail"}:
				a.detail = addName(a.detail, showName(t.Name))
			}
			if depth >= 3 && path[1].Local == "Body" && a.envelope != "" {
				for _, at := range t.Attr {
					if at.Name.Local == "ResponseClass" && at.Name.Space == "" && a.class == "" {
						a.class = at.Value
					}
				}
				if (t.Name.Local == "ResponseCode" || t.Name.Local == "ExceptionType") && a.appCode == "" && into == nil {
					into, target = &strings.Builder{}, &a.appCode
				}
			}
		case xml.CharData:
			if into != nil && into.Len() < 256 {
				into.Write(t)
			}
			if a.fault && len(path) == 4 && path[3] == (xml.Name{Local: "detail"}) && len(bytes.TrimSpace(t)) > 0 {
				a.detail = addName(a.detail, fmt.Sprintf("text %q", clip(string(bytes.TrimSpace(t)))))
			}
		case xml.EndElement:
			if into != nil {
				*target = strings.TrimSpace(into.String())
				if inCode {
					a.code = resolveQName(*target, scopes)
				}
				into, target, inCode = nil, nil, false
			}
			path = path[:len(path)-1]
			scopes = scopes[:len(scopes)-1]
		}
	}
	return a
}

// addName adds one more thing the detail holds to what is listed, up to four.
func addName(list, name string) string {
	switch n := strings.Count(list, ", "); {
	case list == "":
		return name
	case n >= 3:
		if !strings.HasSuffix(list, "…") {
			return list + ", …"
		}
		return list
	}
	return list + ", " + name
}

// resolveQName resolves a QName written as text with the prefixes in scopes (innermost
// last); an unbound prefix resolves to no namespace.
func resolveQName(qname string, scopes []map[string]string) xml.Name {
	prefix, local, ok := strings.Cut(qname, ":")
	if !ok {
		prefix, local = "", qname
	}
	for i := len(scopes) - 1; i >= 0; i-- {
		if ns, ok := scopes[i][prefix]; ok {
			return xml.Name{Space: ns, Local: local}
		}
	}
	return xml.Name{Local: local}
}

// soapFault says whether the answer is a SOAP Fault of version ns.
func (a modelAnswer) soapFault(ns string) bool { return a.fault && a.envelope == ns }

// codeIs says whether the Fault's code is SOAP's code local in the envelope's namespace,
// or a refinement of it with the dot notation (MustUnderstand.Header).
func (a modelAnswer) codeIs(local string) bool {
	base, _, _ := strings.Cut(a.code.Local, ".")
	return a.code.Space == a.envelope && base == local
}

// String words the answer as the messages show it, and is what relative judges compare:
// the status, and a Fault's code with the application's code in its detail, or the
// message with its ResponseClass and code. A faultstring and the ids an answer names are
// not part of it.
func (a modelAnswer) String() string {
	switch {
	case a.envelope == schema.SOAP11Namespace && a.fault:
		s := fmt.Sprintf("HTTP %d, a SOAP Fault with faultcode %s", a.status, showCode(a.code, a.codeText))
		if a.appCode != "" {
			s += " naming " + a.appCode
		}
		return s
	case a.envelope == schema.SOAP12Namespace && a.fault:
		return fmt.Sprintf("HTTP %d, a SOAP 1.2 Fault with the code %s", a.status, showCode(a.code, a.codeText))
	case a.envelope == schema.SOAP11Namespace && a.message.Local != "":
		s := fmt.Sprintf("HTTP %d, %s", a.status, a.message.Local)
		if a.class != "" {
			s += " ResponseClass " + a.class
		}
		if a.appCode != "" {
			s += " ResponseCode " + a.appCode
		}
		return s
	case a.envelope != "":
		return fmt.Sprintf("HTTP %d, an Envelope in %s with %s in its Body", a.status, a.envelope, cmp.Or(a.message.Local, "nothing"))
	}
	return fmt.Sprintf("HTTP %d (%s) with no SOAP envelope", a.status, cmp.Or(a.ct, "no Content-Type"))
}

// showCode words a Fault's code: SOAP's own by its local name in SOAP's namespace.
func showCode(code xml.Name, written string) string {
	switch code.Space {
	case schema.SOAP11Namespace:
		return fmt.Sprintf("%q (SOAP 1.1's %s)", written, code.Local)
	case schema.SOAP12Namespace:
		return fmt.Sprintf("%q (SOAP 1.2's %s)", written, code.Local)
	case "":
		return fmt.Sprintf("%q", written)
	}
	return fmt.Sprintf("%q (in %s)", written, code.Space)
}

// judgeMandatoryHeader (T11): a header entry the server does not understand, marked
// mustUnderstand="1", gets a SOAP 1.1 Fault whose code is MustUnderstand, and nothing of the
// request is processed; the Fault carries no detail, which is for the Body's errors.
func judgeMandatoryHeader(a modelAnswer) Outcome {
	const want = `a SOAP Fault with faultcode MustUnderstand in SOAP's namespace (SOAP 1.1 §4.2.3, §4.4.1; WS-I BP 1.1 R1027)`
	const where = "/Envelope/Body/Fault/faultcode"
	switch {
	case a.unreadable != "":
		return pass("the body is not well-formed XML (" + clip(a.unreadable) + "): T1's business")
	case !a.soapFault(schema.SOAP11Namespace) && a.status/100 == 2:
		return fail(want+", not processing", a.String()+": the request was processed despite its mandatory header", "status line and /Envelope/Body")
	case !a.soapFault(schema.SOAP11Namespace):
		return fail(want, a.String(), "status line and body")
	case !a.codeIs("MustUnderstand"):
		return fail(want, a.String(), where)
	case a.detail != "":
		return fail("a MustUnderstand Fault without detail: information about a header entry travels in header entries, never in detail (SOAP 1.1 §4.4)",
			"its detail holds "+a.detail, "/Envelope/Body/Fault/detail")
	}
	return pass("")
}

// judgeForeignEnvelope (T11): an Envelope in a foreign namespace is never processed; a
// SOAP Fault refusing it has the code VersionMismatch. A 4xx without one is allowed (D11).
func judgeForeignEnvelope(a modelAnswer) Outcome {
	const want = "a SOAP Fault with faultcode VersionMismatch in SOAP's namespace (SOAP 1.1 §4.1.2, §4.4.1), or a 4xx (WS-I BP 1.1 R1125)"
	switch {
	case a.unreadable != "" && a.status/100 != 4:
		return pass("the body is not well-formed XML (" + clip(a.unreadable) + "): T1's business")
	case a.soapFault(schema.SOAP11Namespace) || a.soapFault(schema.SOAP12Namespace):
		if !a.codeIs("VersionMismatch") {
			return fail(want, a.String(), "/Envelope/Body/Fault")
		}
		return pass("")
	case a.status/100 == 4:
		return pass(a.String() + ": a 4xx refuses the request (docs/PROTOCOL.md D11)")
	case a.status/100 == 2:
		return fail(want+", never processing", a.String()+": an Envelope of no SOAP version was processed", "status line and body")
	}
	return fail(want, a.String(), "status line and body")
}

// sameAnswer (T11, T12) judges a probe whose difference from the plain question the
// server must ignore: its answer is the plain question's, in kind (String).
func sameAnswer(id, difference, rule string) func(a, plain modelAnswer) Outcome {
	return func(a, plain modelAnswer) Outcome {
		if a.String() != plain.String() {
			return fail(fmt.Sprintf("the answer the same request gets without %s, %s (%s)", difference, plain, rule),
				a.String(), "status line and body")
		}
		return pass(fmt.Sprintf("%s: as without %s", a, difference))
	}
}
