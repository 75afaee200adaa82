package reference

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/umconform/umconform/schema"
)

// EWSPath is where Exchange 2010 and later serve Exchange Web Services, whose PlayOnPhone,
// GetPhoneCallInformation and DisconnectPhoneCall operations are the EWS twin of the UM web
// service (docs/EWS.md).
const EWSPath = "/EWS/Exchange.asmx"

// EWS response codes the server answers with (EWS messages.xsd ResponseCodeType).
const (
	codeNoError             = "NoError"
	codeInvalidPhoneCallID  = "ErrorInvalidPhoneCallId"
	codeInvalidIDMalformed  = "ErrorInvalidIdMalformed"
	codeNotDialable         = "ErrorPhoneNumberNotDialable"
	codeUMServerUnavailable = "ErrorUMServerUnavailable"
	codeSchemaValidation    = "ErrorSchemaValidation"
	codeInvalidVersion      = "ErrorInvalidServerVersion"
	codeInternal            = "ErrorInternalServerError"
)

// exchangeVersions are the values of EWS types.xsd ExchangeVersionType.
var exchangeVersions = []string{"Exchange2007", "Exchange2007_SP1", "Exchange2009", "Exchange2010", "Exchange2010_SP1",
	"Exchange2010_SP2", "Exchange2012", "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016",
	"V2015_10_05", "V2016_01_06", "V2016_04_13", "V2016_07_13", "V2016_10_10"}

// ewsBehaviour holds the knobs of the EWS endpoint's broken profiles, one requirement each.
// The lifecycle rules (E8-E12) are broken in the call engine, which both APIs share.
type ewsBehaviour struct {
	infoInMessagesNS          bool // E1: PhoneCallState and ConnectionFailureCause in the messages namespace
	errorWithoutText          bool // E2: error responses lack MessageText
	lowercaseState            bool // E3
	noPhoneCallID             bool // E4: PlayOnPhone succeeds without a PhoneCallId
	unknownIDSucceeds         bool // E5
	noServerVersion           bool // E6
	anyVersion                bool // E7
	disconnectUnknownSucceeds bool // E13
	foreignCallsConnected     bool // E14: calls the UM service placed are Connected for ever here
}

// ewsAnswer is one EWS response message before it is written.
type ewsAnswer struct {
	op    string // operation: the response element is op+"Response"
	code  string // ResponseCode; anything but NoError is an Error
	text  string // MessageText of an error
	inner string // the payload after ResponseCode, already rendered
}

// handleEWS answers one POSTed SOAP body at the EWS endpoint.
func (h *handler) handleEWS(ctx context.Context, body []byte) (int, []byte) {
	root, rf := parseEnvelope(body, &h.b)
	var op *element
	if rf == nil {
		op, rf = envelopeOperation(root, &h.b)
	}
	if rf != nil {
		if rf.doctype && h.b.slowOnDoctype {
			h.stall(ctx)
		}
		return h.requestFault(rf)
	}
	if v, present := requestServerVersion(root); present && !slices.Contains(exchangeVersions, v) && !h.b.ews.anyVersion {
		return h.ewsFault(codeInvalidVersion, "The specified server version is invalid.")
	}
	if op.name.Space != MessagesNamespace {
		return h.ewsFault(codeSchemaValidation, "The request failed schema validation: {"+op.name.Space+"}"+op.name.Local+" is not an EWS operation.")
	}
	var a ewsAnswer
	switch op.name.Local {
	case "PlayOnPhone":
		a = h.ewsPlayOnPhone(op)
	case "GetPhoneCallInformation":
		a = h.ewsGetPhoneCallInformation(op)
	case "DisconnectPhoneCall":
		a = h.ewsDisconnectPhoneCall(op)
	default:
		return h.requestFault(&requestFault{code: "Client", msg: "unknown operation " + op.name.Local, malformed: true})
	}
	if a.code == codeSchemaValidation {
		return h.ewsFault(a.code, a.text)
	}
	return http.StatusOK, h.renderEWS(a)
}

// requestServerVersion returns the Version of the request's t:RequestServerVersion header.
func requestServerVersion(root *element) (string, bool) {
	for _, c := range root.children {
		if c.name.Local != "Header" || c.name.Space != root.name.Space {
			continue
		}
		for _, hdr := range c.children {
			if hdr.name.Local == "RequestServerVersion" && hdr.name.Space == TypesNamespace {
				v, _ := attr(hdr, "Version")
				return v, true
			}
		}
	}
	return "", false
}

// attr returns an unqualified attribute's value.
func attr(e *element, name string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// idArg returns the Id of op's single child element local in the messages namespace;
// false when the element or its Id is missing, which EWS refuses by schema validation.
func idArg(op *element, local string) (string, bool) {
	var found []*element
	for _, c := range op.children {
		if c.name.Local == local && c.name.Space == MessagesNamespace {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return attr(found[0], "Id")
}

func schemaError(msg string) ewsAnswer {
	return ewsAnswer{code: codeSchemaValidation, text: "The request failed schema validation: " + msg}
}

func (h *handler) ewsPlayOnPhone(op *element) ewsAnswer {
	a := ewsAnswer{op: "PlayOnPhone"}
	itemID, ok := idArg(op, "ItemId")
	dial, ok2 := one(args(op, "DialString", false))
	if !ok || !ok2 {
		return schemaError("PlayOnPhone needs an ItemId with an Id and a DialString.")
	}
	scenario, dialable := scenarioFor(dial)
	switch {
	case !validEntryID(itemID):
		a.code, a.text = codeInvalidIDMalformed, "Id is malformed."
		return a
	case !dialable:
		a.code, a.text = codeNotDialable, "The phone number isn't dialable under the dialing rules."
		return a
	}
	id, err := h.eng.place(scenario, h.now())
	switch {
	case errors.Is(err, errTooManyCalls):
		a.code, a.text = codeUMServerUnavailable, "Too many calls are in progress. Try again later."
		return a
	case err != nil:
		a.code, a.text = codeInternal, "The call could not be placed: "+err.Error()
		return a
	}
	if h.b.ews.foreignCallsConnected {
		h.ewsIssued.Store(id, true)
	}
	a.code = codeNoError
	if !h.b.ews.noPhoneCallID {
		a.inner = `<m:PhoneCallId Id="` + attrEscaper.Replace(id) + `"/>`
	}
	return a
}

func (h *handler) ewsGetPhoneCallInformation(op *element) ewsAnswer {
	a := ewsAnswer{op: "GetPhoneCallInformation"}
	id, ok := idArg(op, "PhoneCallId")
	if !ok {
		if h.b.ews.unknownIDSucceeds {
			return h.callInformation(a, Phase{State: StateConnected, Cause: CauseNone})
		}
		return schemaError("GetPhoneCallInformation needs a PhoneCallId with an Id.")
	}
	p, err := h.eng.info(id, h.now())
	if _, placedHere := h.ewsIssued.Load(id); err == nil && h.b.ews.foreignCallsConnected && !placedHere {
		p = Phase{State: StateConnected, Cause: CauseNone}
	}
	switch {
	case errors.Is(err, errInvalidCallID) && h.b.ews.unknownIDSucceeds:
		return h.callInformation(a, Phase{State: StateConnected, Cause: CauseNone})
	case errors.Is(err, errInvalidCallID):
		a.code, a.text = codeInvalidPhoneCallID, "The phone call ID isn't valid."
		return a
	case err != nil:
		a.code, a.text = codeInternal, "An internal server error occurred. The operation failed."
		return a
	}
	return h.callInformation(a, p)
}

// callInformation is a successful GetPhoneCallInformation answer holding p.
func (h *handler) callInformation(a ewsAnswer, p Phase) ewsAnswer {
	state := p.State
	if h.b.ews.lowercaseState {
		state = strings.ToLower(state)
	}
	pre := "t"
	if h.b.ews.infoInMessagesNS {
		pre = "m"
	}
	a.code = codeNoError
	a.inner = `<m:PhoneCallInformation><` + pre + `:PhoneCallState>` + state + `</` + pre + `:PhoneCallState><` + pre +
		`:ConnectionFailureCause>` + p.Cause + `</` + pre + `:ConnectionFailureCause></m:PhoneCallInformation>`
	return a
}

func (h *handler) ewsDisconnectPhoneCall(op *element) ewsAnswer {
	a := ewsAnswer{op: "DisconnectPhoneCall", code: codeNoError}
	id, ok := idArg(op, "PhoneCallId")
	if !ok && !h.b.ews.disconnectUnknownSucceeds {
		return schemaError("DisconnectPhoneCall needs a PhoneCallId with an Id.")
	}
	if err := h.eng.disconnect(id, h.now()); err != nil && !h.b.ews.disconnectUnknownSucceeds {
		a.code, a.text = codeInvalidPhoneCallID, "The phone call ID isn't valid."
	}
	return a
}

// attrEscaper escapes what an attribute value in double quotes needs.
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// ewsEnvelope writes an EWS response envelope around body, in Exchange 2013's form: the
// ServerVersionInfo header first (E6), the messages under the m: prefix.
func (h *handler) ewsEnvelope(body string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="` + SOAP11Namespace + `">`)
	if !h.b.ews.noServerVersion {
		b.WriteString(`<s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="0" MajorBuildNumber="1497" MinorBuildNumber="2" Version="Exchange2013_SP1" xmlns:h="` +
			TypesNamespace + `" xmlns="` + TypesNamespace + `"/></s:Header>`)
	}
	b.WriteString(`<s:Body>` + body + `</s:Body>`)
	if !h.b.malformedResponses {
		b.WriteString(`</s:Envelope>`)
	}
	return []byte(b.String())
}

// renderEWS writes a response message: ResponseClass Success with NoError, or Error with
// MessageText, the code and DescriptiveLinkKey, as ResponseMessageType orders them.
func (h *handler) renderEWS(a ewsAnswer) []byte {
	el := a.op + "Response"
	class := "Success"
	if a.code != codeNoError {
		class = "Error"
	}
	var b strings.Builder
	b.WriteString(`<m:` + el + ` ResponseClass="` + class + `" xmlns:m="` + MessagesNamespace + `" xmlns:t="` + TypesNamespace + `">`)
	if class == "Error" && !h.b.ews.errorWithoutText {
		b.WriteString(`<m:MessageText>`)
		_, _ = textEscaper.WriteString(&b, a.text) // a strings.Builder never fails
		b.WriteString(`</m:MessageText>`)
	}
	b.WriteString(`<m:ResponseCode>` + a.code + `</m:ResponseCode>`)
	if class == "Error" {
		b.WriteString(`<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>`)
	} else {
		b.WriteString(a.inner)
	}
	b.WriteString(`</m:` + el + `>`)
	return h.ewsEnvelope(b.String())
}

// ewsFault is EWS's SOAP Fault for a request it cannot process at all (schema validation,
// server version): the code in the types namespace, and again in the errors namespace in
// the detail.
func (h *handler) ewsFault(code, msg string) (int, []byte) {
	status := http.StatusInternalServerError
	if h.b.faultStatus200 {
		status = http.StatusOK
	}
	var b strings.Builder
	b.WriteString(`<s:Fault><faultcode xmlns:a="` + TypesNamespace + `">a:` + code + `</faultcode>`)
	if !h.b.faultNoString {
		b.WriteString(`<faultstring` + h.b.faultStringAttrs() + `>`)
		_, _ = textEscaper.WriteString(&b, msg)
		b.WriteString(`</faultstring>`)
	}
	b.WriteString(`<detail><e:ResponseCode xmlns:e="` + ErrorsNamespace + `">` + code + `</e:ResponseCode><e:Message xmlns:e="` + ErrorsNamespace + `">`)
	_, _ = textEscaper.WriteString(&b, msg)
	b.WriteString(`</e:Message></detail></s:Fault>`)
	return status, h.ewsEnvelope(b.String())
}

// serveEWSGet answers GET at the EWS endpoint: the WSDL for ?wsdl, else a short page.
func (h *handler) serveEWSGet(w http.ResponseWriter, r *http.Request) {
	if serveWSDL(w, r, ewsWSDL) {
		return
	}
	page := "<!DOCTYPE html>\n<html><head><title>EWS</title></head><body>\n<h1>Exchange Web Services, UM operations (umconform reference server)</h1>\n" +
		"<p>Operations: PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall. POST SOAP 1.1 envelopes as text/xml. " +
		`The service description is at <a href="?wsdl">?wsdl</a>.</p>` + "\n<p>Profile: " + h.prof.Name + "</p>\n</body></html>\n"
	writeGet(w, "text/html; charset=utf-8", []byte(page))
}

// serveEWSSchema serves the EWS schema files beside the endpoint, where the WSDL imports
// them from (as Exchange serves messages.xsd and types.xsd in /EWS/); it reports whether
// the request was for one.
func (h *handler) serveEWSSchema(w http.ResponseWriter, r *http.Request) bool {
	dir, file := path.Split(r.URL.Path)
	if !strings.EqualFold(dir, "/EWS/") || (file != "ews-messages.xsd" && file != "ews-types.xsd") ||
		(r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	b, err := fs.ReadFile(schema.XSD(), file)
	if err != nil { // embedded: cannot happen for these two names
		http.NotFound(w, r)
		return true
	}
	writeGet(w, "text/xml; charset=utf-8", b)
	return true
}

func writeGet(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body) // the client may be gone; nothing useful to do about it
}

// EWSURL is the server's EWS endpoint URL (…/EWS/Exchange.asmx), beside URL's.
func (s *Server) EWSURL() string { return strings.TrimSuffix(s.url, LegacyPath) + EWSPath }
