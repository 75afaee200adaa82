package reference

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// umAPI is the UM web service (MS-OXWUMS) as the server's driver for it: its two paths, its
// operations and its service description; its answers are written in umForm.
var umAPI = endpoint{
	paths: []string{LegacyPath, Path2007},
	ops: []operation{
		{"PlayOnPhone", (*handler).playOnPhone},
		{"GetCallInfo", (*handler).getCallInfo},
		{"Disconnect", (*handler).disconnect},
	},
	admit:   umAdmit,
	own:     func(*behaviour) hostileKnobs { return hostileKnobs{} }, // its X profiles break both endpoints
	title:   "UM web service",
	heading: "UM web service (umconform reference server)",
	wsdl:    umWSDL,
}

// umAdmit refuses an operation element outside the messages namespace as a Client fault,
// unless C4's profile dispatches on the local name alone.
func umAdmit(h *handler, _ *endpoint, _, op *element, _ []byte) (int, []byte, bool) {
	if op.name.Space == MessagesNamespace || h.b.ignoreNamespace {
		return 0, nil, false
	}
	status, resp := h.requestFault(&requestFault{code: "Client",
		msg: fmt.Sprintf("operation element {%s}%s is not in the namespace %s", op.name.Space, op.name.Local, MessagesNamespace)})
	return status, resp, true
}

// fault is a UM web service Fault: an Exchange exception (exception != "") or a dispatch
// error coded in the envelope's namespace (render.go).
func (h *handler) fault(code, exception, msg string) (int, []byte) {
	return h.faultStatus(), renderFault(&h.b, code, exception, msg)
}

// one returns the single text value of a required argument, or false when it is missing,
// repeated or has element content.
func one(vals []*string) (string, bool) {
	if len(vals) != 1 || vals[0] == nil {
		return "", false
	}
	return *vals[0], true
}

// echo quotes a rejected value into a faultstring; only the X1 profile does this, so that
// an expanded entity becomes visible.
func (h *handler) echo(msg, val string) string {
	if !h.b.hostile.expandCanary {
		return msg
	}
	return msg + " Value: '" + val + "'."
}

func (h *handler) playOnPhone(ctx context.Context, op *element) (int, []byte) {
	entryID, ok := one(args(op, "entryId", h.b.ignoreNamespace))
	entryOK := ok && validEntryID(entryID)
	dial, ok := one(args(op, "DialString", h.b.ignoreNamespace))
	scenario, dialable := scenarioFor(dial)
	dialable = ok && dialable
	switch {
	case (!entryOK || !dialable) && h.b.badPlayOnPhoneSucceeds:
		scenario, _ = scenarioFor(DefaultDialString)
	case (!entryOK || !dialable) && h.b.genericPlayOnPhoneFault:
		return h.fault("Server", "", "The call could not be placed.")
	case !entryOK:
		return h.fault("", excInvalidObjectID, h.echo("The object identifier isn't valid.", entryID))
	case !dialable:
		return h.fault("", excDialingRules, h.echo("The dial string isn't allowed by the dialing rules.", dial))
	}
	id, err := h.eng.placeFor(scenario, h.now(), userOf(ctx))
	switch {
	case errors.Is(err, errTooManyCalls):
		return h.fault("", excCallLimit, "Too many calls are in progress. Try again later.")
	case err != nil:
		return h.fault("Server", "", "The call could not be placed: "+err.Error())
	}
	return http.StatusOK, renderPlayOnPhone(&h.b, id)
}

func (h *handler) getCallInfo(ctx context.Context, op *element) (int, []byte) {
	id, ok := one(args(op, "CallId", h.b.ignoreNamespace))
	if !ok || !wellFormedCallID(id) {
		if h.b.malformedCallIDSucceeds {
			return http.StatusOK, renderGetCallInfo(&h.b, Phase{State: StateConnected, Cause: CauseNone})
		}
	}
	var p Phase
	err := errInvalidCallID
	if ok && h.mayUse(ctx, id, false) { // another user's call is answered as no call
		p, err = h.eng.info(id, h.now())
	}
	switch {
	case errors.Is(err, errInvalidCallID):
		if h.b.unknownCallIDSucceeds && ok && wellFormedCallID(id) {
			return http.StatusOK, renderGetCallInfo(&h.b, Phase{State: StateConnected, Cause: CauseNone})
		}
		if h.b.slowUnknownCallID && ok && wellFormedCallID(id) { // the lookup hangs; a malformed id needs none
			h.stall(ctx)
		}
		return h.fault("", excInvalidCallID, h.echo("The call identifier isn't valid.", id))
	case errors.Is(err, errPoisoned):
		return h.fault("Server", "", "An internal server error occurred. The operation failed.")
	case err != nil:
		return h.fault("Server", "", err.Error())
	}
	return http.StatusOK, renderGetCallInfo(&h.b, p)
}

func (h *handler) disconnect(ctx context.Context, op *element) (int, []byte) {
	id, ok := one(args(op, "CallId", h.b.ignoreNamespace))
	err := errInvalidCallID
	if ok && h.mayUse(ctx, id, true) {
		err = h.eng.disconnect(id, h.now())
	}
	if err != nil {
		if h.b.disconnectUnknownSucceed {
			return http.StatusOK, renderDisconnect(&h.b)
		}
		if h.b.disconnectWrongException { // L9's profile
			return h.fault("", excInvalidObjectID, h.echo("The call identifier isn't valid.", id))
		}
		msg := h.echo("The call identifier isn't valid.", id)
		if h.b.wrongExceptionType { // C2's profile breaks GetCallInfo's Fault alone
			b := h.b
			b.wrongExceptionType = false
			status, _ := h.fault("", excInvalidCallID, msg)
			return status, renderFault(&b, "", excInvalidCallID, msg)
		}
		return h.fault("", excInvalidCallID, msg)
	}
	return http.StatusOK, renderDisconnect(&h.b)
}

// umForm is the UM web service's envelope in the profile's wire form. Exchange declares
// xsi and xsd on every envelope; harmless and faithful.
func umForm(b *behaviour) envelopeForm {
	f := envelopeForm{noDecl: b.noXMLDecl, prefix: "soap",
		decls: ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"`}
	if b.envPrefix != "" {
		f.prefix = b.envPrefix
	}
	if b.responseHeader {
		f.header = `<ServerVersionInfo xmlns="` + TypesNamespace +
			`" MajorVersion="15" MinorVersion="0" MajorBuildNumber="1497" MinorBuildNumber="2"/>`
	}
	return f
}

func umDoc(b *behaviour) *doc {
	d := &doc{b: b, f: umForm(b)}
	d.open()
	return d
}

// msg returns the qualified name of a messages element; decl adds the namespace
// declaration, which goes on the outermost messages element of each Body child.
func (d *doc) msg(local string, decl bool) string {
	name := local
	if d.b.msgPrefix != "" {
		name = d.b.msgPrefix + ":" + local
	}
	if !decl {
		return name
	}
	if d.b.msgPrefix != "" {
		return name + ` xmlns:` + d.b.msgPrefix + `="` + MessagesNamespace + `"`
	}
	return name + ` xmlns="` + MessagesNamespace + `"`
}

func renderEmpty(b *behaviour) []byte {
	return umDoc(b).close()
}

func renderPlayOnPhone(b *behaviour, callID string) []byte {
	d := umDoc(b)
	d.buf.WriteString(`<` + d.msg("PlayOnPhoneResponse", true) + `><` + d.msg("PlayOnPhoneResponse", false) + `>`)
	if !b.emptyCallID {
		d.text(callID)
	}
	d.buf.WriteString(`</` + d.msg("PlayOnPhoneResponse", false) + `></` + d.msg("PlayOnPhoneResponse", false) + `>`)
	return d.close()
}

func renderGetCallInfo(b *behaviour, p Phase) []byte {
	d := umDoc(b)
	state := p.State
	if b.lowercaseStates {
		state = strings.ToLower(state)
	}
	if b.ringingStates && (state == StateConnecting || state == StateAlerted) {
		state = "Ringing"
	}
	outer := d.msg("GetCallInfoResponse", false)
	d.buf.WriteString(`<` + d.msg("GetCallInfoResponse", true) + `>`)
	if !b.flatGetCallInfo {
		d.buf.WriteString(`<` + outer + `>`)
	}
	d.buf.WriteString(`<` + d.msg("CallState", false) + `>` + state + `</` + d.msg("CallState", false) + `>`)
	d.buf.WriteString(`<` + d.msg("EventCause", false) + `>` + p.Cause + `</` + d.msg("EventCause", false) + `>`)
	if !b.flatGetCallInfo {
		d.buf.WriteString(`</` + outer + `>`)
	}
	d.buf.WriteString(`</` + outer + `>`)
	out := d.close()
	if b.nulAfterEnvelope {
		out = append(out, "<!-- c -->\x00ok"...)
	}
	return out
}

func renderDisconnect(b *behaviour) []byte {
	d := umDoc(b)
	if b.disconnectNotEmpty {
		d.buf.WriteString(`<` + d.msg("DisconnectResponse", true) + `><` + d.msg("DisconnectResponse", false) + `/></` + d.msg("DisconnectResponse", false) + `>`)
	} else {
		d.buf.WriteString(`<` + d.msg("DisconnectResponse", true) + `/>`)
	}
	return d.close()
}

// renderFault writes a UM web service Fault. An Exchange exception (exception != "") is
// coded in the errors namespace and named again in the detail, as Exchange 2013 does; a
// dispatch error uses the envelope's own code (Client, VersionMismatch, ...) and has no
// detail.
func renderFault(b *behaviour, code, exception, faultString string) []byte {
	d := umDoc(b)
	if exception == "" {
		d.fault("", code, faultString, "", b.doubleFault)
		return d.close()
	}
	named := exception
	if b.wrongExceptionType && exception == excInvalidCallID {
		named = excInvalidObjectID
	}
	detail := `<detail><` + d.msg("ExceptionType", true)
	if b.prefixedExceptionType {
		detail += ` xmlns:a="` + ErrorsNamespace + `">a:`
	} else {
		detail += `>`
	}
	detail += named + `</` + d.msg("ExceptionType", false) + `></detail>`
	d.fault(ErrorsNamespace, exception, faultString, detail, b.doubleFault)
	return d.close()
}
