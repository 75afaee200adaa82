package reference

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// EWSPath is where Exchange 2010 and later serve Exchange Web Services, whose PlayOnPhone,
// GetPhoneCallInformation and DisconnectPhoneCall operations are the EWS twin of the UM web
// service (docs/PROTOCOL.md).
const EWSPath = "/EWS/Exchange.asmx"

// EWS response codes the server answers with (EWS messages.xsd ResponseCodeType).
const (
	codeNoError             = "NoError"
	codeInvalidPhoneCallID  = "ErrorInvalidPhoneCallId"
	codeInvalidIDMalformed  = "ErrorInvalidIdMalformed"
	codeNotDialable         = "ErrorPhoneNumberNotDialable"
	codeItemNotFound        = "ErrorItemNotFound"
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
	unknownIDFault            bool // E15: an unknown PhoneCallId gets a SOAP Fault, not an Error response
	disconnectUnknownFault    bool // E16: the same for DisconnectPhoneCall
	sameCallID                bool // E17: every EWS PlayOnPhone returns the first call's PhoneCallId
	newestCall                bool // E18: GetPhoneCallInformation answers about the newest EWS call
	badPlayOnPhoneSucceeds    bool // E19: a bad ItemId or DialString still places a call
	genericPlayOnPhoneError   bool // E20: PlayOnPhone's input errors all say ErrorInternalServerError
	emptyDialStringAccepted   bool // E19: an empty DialString places a call (it checks digits only, and none is none)

	// hostile are the robustness rules broken at the EWS endpoint alone, so that the probes
	// sent there are shown to catch them (the UM endpoint stays correct). Its X1 profile
	// also quotes a PhoneCallId's text in the fault; its X3 profile's calls placed before a
	// malformed request answer Error.
	hostile hostileKnobs
}

// ewsCalls is the EWS endpoint's own view of its calls, kept only by the profiles that break
// how EWS names calls (E17, E18) or keeps them after a malformed request (X3).
type ewsCalls struct {
	mu       sync.Mutex
	first    string            // the first PhoneCallId issued (E17)
	alias    map[string]string // PhoneCallId -> the engine's call it now names (E17)
	newest   string            // the newest call placed (E18)
	placed   map[string]int    // call -> the count of malformed requests when it was placed (X3)
	poisoned int               // malformed requests so far (X3)
}

// malformed counts a malformed or refused request (X3).
func (c *ewsCalls) malformed() {
	c.mu.Lock()
	c.poisoned++
	c.mu.Unlock()
}

// resolve returns the engine call a PhoneCallId names under the broken profiles.
func (c *ewsCalls) resolve(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if to, ok := c.alias[id]; ok {
		return to
	}
	return id
}

// ewsAnswer is one EWS response message before it is written.
type ewsAnswer struct {
	op    string // operation: the response element is op+"Response"
	code  string // ResponseCode; anything but NoError is an Error
	text  string // MessageText of an error
	inner string // the payload after ResponseCode, already rendered
	fault bool   // sent as a SOAP Fault naming the code (E15, E16 profiles)
}

// ewsAPI is EWS's phone-call operations as the server's driver for them: their path, the
// operations, the checks Exchange makes of every EWS request before reading it (ewsAdmit),
// the robustness knobs broken there alone and the service description; the answers are
// written in ewsForm.
var ewsAPI = endpoint{
	paths: []string{EWSPath},
	ops: []operation{
		{"PlayOnPhone", ewsOperation((*handler).ewsPlayOnPhone)},
		{"GetPhoneCallInformation", ewsOperation((*handler).ewsGetPhoneCallInformation)},
		{"DisconnectPhoneCall", ewsOperation((*handler).ewsDisconnectPhoneCall)},
	},
	admit: ewsAdmit,
	own:   func(b *behaviour) hostileKnobs { return b.ews.hostile },
	// The schema the WSDL imports, served beside the endpoint as Exchange serves
	// messages.xsd and types.xsd in /EWS/.
	beside:  []string{"ews-messages.xsd", "ews-types.xsd"},
	title:   "EWS",
	heading: "Exchange Web Services, UM operations (umconform reference server)",
	wsdl:    ewsWSDL,
}

// ewsOperation makes an EWS operation an endpoint's operation, its answer sent by ewsRespond.
func ewsOperation(run func(h *handler, ctx context.Context, op *element) ewsAnswer) func(*handler, context.Context, *element) (int, []byte) {
	return func(h *handler, ctx context.Context, op *element) (int, []byte) {
		return h.ewsRespond(run(h, ctx, op))
	}
}

// ewsRespond sends an EWS answer: a response message, or the SOAP Fault that
// ErrorSchemaValidation (but under the legal profile that answers it as an Error response)
// and the E15 and E16 profiles' errors are sent as.
func (h *handler) ewsRespond(a ewsAnswer) (int, []byte) {
	if a.code == codeSchemaValidation && h.b.gen.ewsSchemaErrorResponse {
		return http.StatusOK, h.renderEWS(a)
	}
	if a.code == codeSchemaValidation || a.fault {
		return h.ewsFault(a.code, a.text)
	}
	return http.StatusOK, h.renderEWS(a)
}

// ewsAdmit refuses what Exchange refuses before reading an EWS request: a RequestServerVersion
// outside ExchangeVersionType, an operation outside the messages namespace, and a request
// of one of the operations that the EWS schema rejects.
func ewsAdmit(h *handler, api *endpoint, root, op *element, body []byte) (int, []byte, bool) {
	if v, present := requestServerVersion(root); present && !slices.Contains(exchangeVersions, v) && !h.b.ews.anyVersion {
		status, resp := h.ewsFault(codeInvalidVersion, "The specified server version is invalid.")
		return status, resp, true
	}
	if op.name.Space != MessagesNamespace {
		status, resp := h.ewsFault(codeSchemaValidation, "The request failed schema validation: {"+op.name.Space+"}"+op.name.Local+" is not an EWS operation.")
		return status, resp, true
	}
	if _, known := api.operation(op.name.Local); !known {
		return 0, nil, false
	}
	return h.ewsSchemaCheck(op, body)
}

// ewsSchemaCheck refuses an operation's request that the EWS schema rejects, with
// ErrorSchemaValidation, as Exchange validates every EWS request before reading it.
func (h *handler) ewsSchemaCheck(op *element, body []byte) (int, []byte, bool) {
	// A request past the endpoint's size cap reaches here only under a profile without one
	// (X4), which must read it as any other; libxml2 refuses its 10 MiB text node.
	if h.b.skipsSchema() || int64(len(body)) > h.maxBytes {
		return 0, nil, false
	}
	v := ewsSchemaViolation(body)
	if v == "" {
		return 0, nil, false
	}
	msg := "The request failed schema validation: " + v
	if t := idText(op); t != "" && h.b.ews.hostile.expandCanary { // the X1 profile quotes what it expanded
		msg += " Value: '" + t + "'."
	}
	status, resp := h.ewsRespond(ewsAnswer{op: op.name.Local, code: codeSchemaValidation, text: msg})
	return status, resp, true
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

// idText returns the text inside op's PhoneCallId, which EWS's schema does not allow; only
// the EWS X1 profile reads it, to echo it as a server that quotes bad input would.
func idText(op *element) string {
	for _, c := range op.children {
		if c.name.Local == "PhoneCallId" && c.text.Len() > 0 {
			return c.text.String()
		}
	}
	return ""
}

func schemaError(msg string) ewsAnswer {
	return ewsAnswer{code: codeSchemaValidation, text: "The request failed schema validation: " + msg}
}

func (h *handler) ewsPlayOnPhone(ctx context.Context, op *element) ewsAnswer {
	a := ewsAnswer{op: "PlayOnPhone"}
	itemID, ok := idArg(op, "ItemId")
	dial, ok2 := one(args(op, "DialString", false))
	if !ok || !ok2 {
		return schemaError("PlayOnPhone needs an ItemId with an Id and a DialString.")
	}
	scenario, dialable := scenarioFor(dial)
	if dial == "" && h.b.ews.emptyDialStringAccepted {
		scenario, dialable = scenarioFor(DefaultDialString)
	}
	bad := !validEntryID(itemID) || !h.items[itemID] || !dialable
	switch {
	case bad && h.b.ews.badPlayOnPhoneSucceeds:
		scenario, _ = scenarioFor(DefaultDialString)
	case bad && h.b.ews.genericPlayOnPhoneError:
		a.code, a.text = codeInternal, "The call could not be placed."
		return a
	case !validEntryID(itemID):
		a.code, a.text = codeInvalidIDMalformed, "Id is malformed."
		return a
	case !h.items[itemID]:
		a.code, a.text = codeItemNotFound, "The specified object was not found in the store."
		return a
	case !dialable:
		a.code, a.text = codeNotDialable, "The phone number isn't dialable under the dialing rules."
		return a
	}
	id, err := h.eng.placeFor(scenario, h.now(), userOf(ctx))
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
	id = h.ewsCalls.issue(id, h.b.ews)
	a.code = codeNoError
	if !h.b.ews.noPhoneCallID {
		a.inner = `<m:PhoneCallId Id="` + attrEscaper.Replace(id) + `"/>`
	}
	return a
}

func (h *handler) ewsGetPhoneCallInformation(ctx context.Context, op *element) ewsAnswer {
	a := ewsAnswer{op: "GetPhoneCallInformation"}
	id, ok := idArg(op, "PhoneCallId")
	if !ok {
		if h.b.ews.unknownIDSucceeds {
			return h.callInformation(a, Phase{State: StateConnected, Cause: CauseNone})
		}
		return schemaError("GetPhoneCallInformation needs a PhoneCallId with an Id.")
	}
	if t := idText(op); t != "" && h.b.ews.hostile.expandCanary {
		return schemaError("The element PhoneCallId cannot contain text. Value: '" + t + "'.")
	}
	id = h.ewsCalls.resolve(id)
	var p Phase
	err := errInvalidCallID
	if h.mayUse(ctx, id, false) { // another user's call is answered as no call
		p, err = h.eng.info(id, h.now())
	}
	if err == nil {
		p, err = h.ewsCalls.answerFor(h, id, p)
	}
	if _, placedHere := h.ewsIssued.Load(id); err == nil && h.b.ews.foreignCallsConnected && !placedHere {
		p = Phase{State: StateConnected, Cause: CauseNone}
	}
	switch {
	case errors.Is(err, errInvalidCallID) && h.b.ews.unknownIDSucceeds:
		return h.callInformation(a, Phase{State: StateConnected, Cause: CauseNone})
	case errors.Is(err, errInvalidCallID):
		a.code, a.text, a.fault = codeInvalidPhoneCallID, "The phone call ID isn't valid.", h.b.ews.unknownIDFault
		return a
	case errors.Is(err, errEWSPoisoned):
		a.code, a.text = codeInternal, "An internal server error occurred. The operation failed."
		return a
	case err != nil:
		a.code, a.text = codeInternal, "An internal server error occurred. The operation failed."
		return a
	}
	return h.callInformation(a, p)
}

// errEWSPoisoned is the EWS X3 profile's answer about a call placed before a malformed request.
var errEWSPoisoned = errors.New("call spoiled by a malformed request")

// issue records a call EWS PlayOnPhone placed and returns the PhoneCallId to answer with.
func (c *ewsCalls) issue(id string, b ewsBehaviour) string {
	if !b.sameCallID && !b.newestCall && !b.hostile.poisonAfterMalformed {
		return id
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.alias == nil {
		c.alias, c.placed = map[string]string{}, map[string]int{}
	}
	c.newest = id
	c.placed[id] = c.poisoned
	if !b.sameCallID {
		return id
	}
	if c.first == "" {
		c.first = id
		return id
	}
	c.alias[c.first] = id // the newest call takes the first one's PhoneCallId over
	return c.first
}

// answerFor applies the E18 and X3 profiles to the phase p of call id, which exists.
func (c *ewsCalls) answerFor(h *handler, id string, p Phase) (Phase, error) {
	b := h.b.ews
	if !b.newestCall && !b.hostile.poisonAfterMalformed {
		return p, nil
	}
	c.mu.Lock()
	newest, poisoned := c.newest, c.poisoned
	at, known := c.placed[id]
	c.mu.Unlock()
	if b.hostile.poisonAfterMalformed && known && at < poisoned {
		return p, errEWSPoisoned
	}
	if b.newestCall && newest != "" && newest != id {
		return h.eng.info(newest, h.now())
	}
	return p, nil
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

func (h *handler) ewsDisconnectPhoneCall(ctx context.Context, op *element) ewsAnswer {
	a := ewsAnswer{op: "DisconnectPhoneCall", code: codeNoError}
	id, ok := idArg(op, "PhoneCallId")
	if !ok && !h.b.ews.disconnectUnknownSucceeds {
		return schemaError("DisconnectPhoneCall needs a PhoneCallId with an Id.")
	}
	id = h.ewsCalls.resolve(id)
	err := errInvalidCallID
	if h.mayUse(ctx, id, true) {
		err = h.eng.disconnect(id, h.now())
	}
	if err != nil && !h.b.ews.disconnectUnknownSucceeds {
		a.code, a.text, a.fault = codeInvalidPhoneCallID, "The phone call ID isn't valid.", h.b.ews.disconnectUnknownFault
	}
	return a
}

// attrEscaper escapes what an attribute value in double quotes needs.
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// ewsForm is EWS's envelope in Exchange 2013's form: the ServerVersionInfo header (E6), the
// messages under the m: prefix.
func ewsForm(b *behaviour) envelopeForm {
	f := envelopeForm{prefix: "s"}
	if !b.ews.noServerVersion {
		f.header = `<h:ServerVersionInfo ` + ewsServerVersion + ` xmlns:h="` + TypesNamespace + `" xmlns="` + TypesNamespace + `"/>`
	}
	return f
}

func (h *handler) ewsDoc() *doc {
	d := &doc{b: &h.b, f: ewsForm(&h.b)}
	d.open()
	return d
}

// renderEWS writes a response message: ResponseClass Success with NoError, or Error with
// MessageText, the code and DescriptiveLinkKey, as ResponseMessageType orders them.
func (h *handler) renderEWS(a ewsAnswer) []byte {
	el := a.op + "Response"
	class := "Success"
	if a.code != codeNoError {
		class = "Error"
	}
	d := h.ewsDoc()
	d.buf.WriteString(`<m:` + el + ` ResponseClass="` + class + `" xmlns:m="` + MessagesNamespace + `" xmlns:t="` + TypesNamespace + `">`)
	if class == "Error" && !h.b.ews.errorWithoutText {
		d.buf.WriteString(`<m:MessageText>`)
		d.text(a.text)
		d.buf.WriteString(`</m:MessageText>`)
	}
	d.buf.WriteString(`<m:ResponseCode>` + a.code + `</m:ResponseCode>`)
	if class == "Error" {
		d.buf.WriteString(`<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>`)
	} else {
		d.buf.WriteString(a.inner)
	}
	d.buf.WriteString(`</m:` + el + `>`)
	return d.close()
}

// ewsFault is EWS's SOAP Fault for a request it cannot process at all (schema validation,
// server version): the code in the types namespace, and again in the errors namespace in
// the detail.
func (h *handler) ewsFault(code, msg string) (int, []byte) {
	var detail strings.Builder
	detail.WriteString(`<detail><e:ResponseCode xmlns:e="` + ErrorsNamespace + `">` + code + `</e:ResponseCode><e:Message xmlns:e="` + ErrorsNamespace + `">`)
	_, _ = textEscaper.WriteString(&detail, msg) // a strings.Builder never fails
	detail.WriteString(`</e:Message></detail>`)
	d := h.ewsDoc()
	d.fault(TypesNamespace, code, msg, detail.String(), false)
	return h.faultStatus(), d.close()
}

// EWSURL is the server's EWS endpoint URL (…/EWS/Exchange.asmx), beside URL's.
func (s *Server) EWSURL() string { return strings.TrimSuffix(s.url, LegacyPath) + EWSPath }
