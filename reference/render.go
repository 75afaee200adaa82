package reference

import (
	"bytes"
	"strings"
)

// doc builds one response envelope in the profile's wire form.
type doc struct {
	b   *behaviour
	buf bytes.Buffer
}

func (d *doc) env() string {
	if d.b.envPrefix != "" {
		return d.b.envPrefix
	}
	return "soap"
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

func (d *doc) open() {
	if !d.b.noXMLDecl {
		d.buf.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	}
	e := d.env()
	// Exchange declares xsi and xsd on every envelope; harmless and faithful.
	d.buf.WriteString(`<` + e + `:Envelope xmlns:` + e + `="` + SOAP11Namespace +
		`" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">`)
	if d.b.responseHeader {
		d.buf.WriteString(`<` + e + `:Header><ServerVersionInfo xmlns="` + TypesNamespace +
			`" MajorVersion="15" MinorVersion="0" MajorBuildNumber="1497" MinorBuildNumber="2"/></` + e + `:Header>`)
	}
	d.buf.WriteString(`<` + e + `:Body>`)
}

func (d *doc) close() []byte {
	e := d.env()
	d.buf.WriteString(`</` + e + `:Body>`)
	if !d.b.malformedResponses {
		d.buf.WriteString(`</` + e + `:Envelope>`)
	}
	return d.buf.Bytes()
}

// textEscaper escapes only what character data needs, so that faultstrings read as
// Exchange's do ("isn't", not "isn&#39;t"). Values come from parsed XML or from the server
// itself, so they hold no characters XML forbids.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func (d *doc) text(s string) {
	_, _ = textEscaper.WriteString(&d.buf, s) // writes to a bytes.Buffer cannot fail
}

func renderEmpty(b *behaviour) []byte {
	d := &doc{b: b}
	d.open()
	return d.close()
}

func renderPlayOnPhone(b *behaviour, callID string) []byte {
	d := &doc{b: b}
	d.open()
	d.buf.WriteString(`<` + d.msg("PlayOnPhoneResponse", true) + `><` + d.msg("PlayOnPhoneResponse", false) + `>`)
	if !b.emptyCallID {
		d.text(callID)
	}
	d.buf.WriteString(`</` + d.msg("PlayOnPhoneResponse", false) + `></` + d.msg("PlayOnPhoneResponse", false) + `>`)
	return d.close()
}

func renderGetCallInfo(b *behaviour, p Phase) []byte {
	d := &doc{b: b}
	d.open()
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
	d := &doc{b: b}
	d.open()
	if b.disconnectNotEmpty {
		d.buf.WriteString(`<` + d.msg("DisconnectResponse", true) + `><` + d.msg("DisconnectResponse", false) + `/></` + d.msg("DisconnectResponse", false) + `>`)
	} else {
		d.buf.WriteString(`<` + d.msg("DisconnectResponse", true) + `/>`)
	}
	return d.close()
}

// faultStringAttrs is the attributes of a faultstring start tag: none, or the xml:lang of
// the legal-fault-xml-lang profile.
func (b *behaviour) faultStringAttrs() string {
	if b.faultLang == "" {
		return ""
	}
	return ` xml:lang="` + b.faultLang + `"`
}

// renderFault writes a SOAP 1.1 Fault. An Exchange exception (exception != "") is coded in
// the errors namespace and named again in the detail, as Exchange 2013 does; a dispatch
// error uses the envelope's own code (Client, VersionMismatch, ...) and has no detail.
func renderFault(b *behaviour, code, exception, faultString string) []byte {
	d := &doc{b: b}
	d.open()
	e := d.env()
	d.buf.WriteString(`<` + e + `:Fault>`)
	if exception != "" {
		d.buf.WriteString(`<faultcode xmlns:a="` + ErrorsNamespace + `">a:` + exception + `</faultcode>`)
	} else {
		d.buf.WriteString(`<faultcode>` + e + `:` + code + `</faultcode>`)
	}
	if !b.faultNoString {
		d.buf.WriteString(`<faultstring` + b.faultStringAttrs() + `>`)
		d.text(faultString)
		d.buf.WriteString(`</faultstring>`)
	}
	if exception != "" {
		named := exception
		if b.wrongExceptionType && exception == excInvalidCallID {
			named = excInvalidObjectID
		}
		d.buf.WriteString(`<detail><` + d.msg("ExceptionType", true))
		if b.prefixedExceptionType {
			d.buf.WriteString(` xmlns:a="` + ErrorsNamespace + `">a:`)
		} else {
			d.buf.WriteString(`>`)
		}
		d.buf.WriteString(named + `</` + d.msg("ExceptionType", false) + `></detail>`)
	}
	d.buf.WriteString(`</` + e + `:Fault>`)
	if b.doubleFault { // T6's profile: the Fault again
		all := d.buf.Bytes()
		start := bytes.Index(all, []byte(`<`+e+`:Fault>`))
		d.buf.Write(bytes.Clone(all[start:]))
	}
	return d.close()
}
