package reference

import (
	"bytes"
	"strings"
)

// envelopeForm is how an endpoint writes its answers' SOAP envelope: the UM web service
// in the profile's wire form (umForm), EWS in Exchange 2013's (ewsForm).
type envelopeForm struct {
	noDecl bool   // no XML declaration
	prefix string // the envelope namespace's prefix
	decls  string // namespace declarations on the Envelope besides its own
	header string // the Header's content; "" writes no Header
}

// doc builds one response envelope in an endpoint's form and the profile's wire form.
type doc struct {
	b   *behaviour
	f   envelopeForm
	buf bytes.Buffer
}

func (d *doc) env() string { return d.f.prefix }

func (d *doc) open() {
	if !d.f.noDecl {
		d.buf.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	}
	e := d.env()
	d.buf.WriteString(`<` + e + `:Envelope xmlns:` + e + `="` + SOAP11Namespace + `"` + d.f.decls + `>`)
	if d.f.header != "" {
		d.buf.WriteString(`<` + e + `:Header>` + d.f.header + `</` + e + `:Header>`)
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

// faultStringAttrs is the attributes of a faultstring start tag: none, or the xml:lang of
// the legal-fault-xml-lang profile.
func (b *behaviour) faultStringAttrs() string {
	if b.faultLang == "" {
		return ""
	}
	return ` xml:lang="` + b.faultLang + `"`
}

// fault writes a SOAP 1.1 Fault: its faultcode, qualified in namespace ns (in the envelope's
// own namespace when ns is ""), the faultstring unless S6's profile drops it, then detail,
// already written. twice writes the Fault again (T6's profile).
func (d *doc) fault(ns, code, msg, detail string, twice bool) {
	e := d.env()
	start := d.buf.Len()
	d.buf.WriteString(`<` + e + `:Fault>`)
	if ns != "" {
		d.buf.WriteString(`<faultcode xmlns:a="` + ns + `">a:` + code + `</faultcode>`)
	} else {
		d.buf.WriteString(`<faultcode>` + e + `:` + code + `</faultcode>`)
	}
	if !d.b.faultNoString {
		d.buf.WriteString(`<faultstring` + d.b.faultStringAttrs() + `>`)
		d.text(msg)
		d.buf.WriteString(`</faultstring>`)
	}
	d.buf.WriteString(detail + `</` + e + `:Fault>`)
	if twice {
		d.buf.Write(bytes.Clone(d.buf.Bytes()[start:]))
	}
}
