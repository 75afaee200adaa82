package generate

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// Namespaces a request is written with.
const (
	soapNamespace     = "http://schemas.xmlsoap.org/soap/envelope/"
	xsiNamespace      = "http://www.w3.org/2001/XMLSchema-instance"
	messagesNamespace = "http://schemas.microsoft.com/exchange/services/2006/messages"
	typesNamespace    = "http://schemas.microsoft.com/exchange/services/2006/types"
)

// node is one element of a request being written: a schema-derived instance, then mutated.
type node struct {
	name  xml.Name
	attrs []nattr
	text  string
	kids  []*node
	d     *decl // the declaration it was made from; nil for an element an operator added
}

type nattr struct {
	name  xml.Name
	value string
}

func (n *node) clone() *node {
	c := &node{name: n.name, attrs: append([]nattr(nil), n.attrs...), text: n.text, d: n.d}
	for _, k := range n.kids {
		c.kids = append(c.kids, k.clone())
	}
	return c
}

// instantiate writes the valid instance of d: every required attribute and element once,
// leaves given their value by value (keyed by the element's local name, "@" and the
// attribute's for an attribute: "PhoneCallId@Id").
func instantiate(d *decl, value func(key string) string) *node {
	n := &node{name: d.name, d: d}
	for _, a := range d.attrs {
		if a.required {
			n.attrs = append(n.attrs, nattr{name: xml.Name{Local: a.name}, value: value(d.name.Local + "@" + a.name)})
		}
	}
	if d.simple != nil {
		n.text = value(d.name.Local)
	}
	for _, k := range d.kids {
		for range max(k.min, 1) {
			n.kids = append(n.kids, instantiate(k, value))
		}
	}
	return n
}

// request is a whole request: an optional SOAP header block and the operation.
type request struct {
	header *node // EWS: t:RequestServerVersion; nil for UM
	op     *node
}

func (r request) clone() request {
	c := request{op: r.op.clone()}
	if r.header != nil {
		c.header = r.header.clone()
	}
	return c
}

// writer writes a request as the documentation writes it: UM with the messages namespace
// as the operation's default namespace, EWS with m: and t: prefixes declared on the
// Envelope beside xsi. A namespace not in scope where it is needed (a foreign one, xsi in
// a UM request) is declared on the element that needs it.
type writer struct {
	b      bytes.Buffer
	scopes []map[string]string // namespace -> prefix ("" is the default namespace)
}

func (w *writer) prefix(ns string) (string, bool) {
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if p, ok := w.scopes[i][ns]; ok {
			return p, true
		}
	}
	return "", false
}

// preferred prefixes for namespaces declared where needed.
var preferred = map[string]string{xsiNamespace: "xsi", typesNamespace: "t", messagesNamespace: "m", soapNamespace: "soap"}

// render writes the request as an entity body.
func render(api API, r request) []byte {
	w := &writer{}
	w.b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	env := map[string]string{soapNamespace: "soap"}
	if api == EWS {
		w.b.WriteString(`<soap:Envelope xmlns:xsi="` + xsiNamespace + `"` + "\n" +
			`               xmlns:m="` + messagesNamespace + `"` + "\n" +
			`               xmlns:t="` + typesNamespace + `"` + "\n" +
			`               xmlns:soap="` + soapNamespace + `">` + "\n")
		env[xsiNamespace], env[messagesNamespace], env[typesNamespace] = "xsi", "m", "t"
	} else {
		w.b.WriteString(`<soap:Envelope xmlns:soap="` + soapNamespace + `">` + "\n")
	}
	w.scopes = append(w.scopes, env)
	if r.header != nil {
		w.b.WriteString("  <soap:Header>\n")
		w.element(r.header, 2, false)
		w.b.WriteString("  </soap:Header>\n")
	}
	w.b.WriteString("  <soap:Body>\n")
	w.element(r.op, 2, api == UM)
	w.b.WriteString("  </soap:Body>\n</soap:Envelope>\n")
	return w.b.Bytes()
}

// element writes n at indent level depth; defaultNS declares n's namespace as the default
// one on n (the UM operation element).
func (w *writer) element(n *node, depth int, defaultNS bool) {
	scope := map[string]string{}
	var decls []string
	declare := func(ns string) string {
		if p, ok := scope[ns]; ok {
			return p
		}
		if p, ok := w.prefix(ns); ok {
			return p
		}
		p := preferred[ns]
		if p == "" {
			p = "f"
		}
		scope[ns] = p
		decls = append(decls, ` xmlns:`+p+`="`+attrEscaper.Replace(ns)+`"`)
		return p
	}
	if defaultNS {
		scope[n.name.Space] = ""
		decls = append(decls, ` xmlns="`+attrEscaper.Replace(n.name.Space)+`"`)
	}
	w.scopes = append(w.scopes, scope)
	defer func() { w.scopes = w.scopes[:len(w.scopes)-1] }()
	qn := func(name xml.Name) string {
		if name.Space == "" {
			return name.Local
		}
		if p := declare(name.Space); p != "" {
			return p + ":" + name.Local
		}
		return name.Local
	}
	tag := qn(n.name)
	var attrs strings.Builder
	for _, a := range n.attrs {
		attrs.WriteString(" " + qn(a.name) + `="` + attrEscaper.Replace(a.value) + `"`)
	}
	indent := strings.Repeat("  ", depth)
	w.b.WriteString(indent + "<" + tag + strings.Join(decls, "") + attrs.String())
	switch {
	case len(n.kids) > 0:
		w.b.WriteString(">")
		_ = xml.EscapeText(&w.b, []byte(n.text)) // a bytes.Buffer never fails
		w.b.WriteString("\n")
		for _, k := range n.kids {
			w.element(k, depth+1, false)
		}
		w.b.WriteString(indent + "</" + tag + ">\n")
	case n.text != "" || (n.d != nil && n.d.simple != nil && !hasNil(n)):
		w.b.WriteString(">")
		_ = xml.EscapeText(&w.b, []byte(n.text))
		w.b.WriteString("</" + tag + ">\n")
	default:
		w.b.WriteString("/>\n")
	}
}

func hasNil(n *node) bool {
	for _, a := range n.attrs {
		if a.name == (xml.Name{Space: xsiNamespace, Local: "nil"}) {
			return true
		}
	}
	return false
}

// attrEscaper escapes what an attribute value in double quotes needs.
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#xA;", "\r", "&#xD;", "\t", "&#x9;")
