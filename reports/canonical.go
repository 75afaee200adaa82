package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// qname matches text that may be a QName (faultcode values such as soap:Client), whose
// prefix is as arbitrary as an element's.
var qname = regexp.MustCompile(`^([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)$`)

// CanonicalXML renders an XML document as lines that compare equal when two documents say
// the same thing in different words: names are namespace URIs and local names (a prefix
// is only a spelling; a QName in text or an attribute value is resolved the same way),
// whitespace between elements, comments and the XML declaration are dropped, attributes
// are sorted, and the text of elements matching a volatile path ("Parent/Child", local
// names) is replaced by a placeholder. Text that does not parse (a truncated excerpt, an
// HTML error page) is kept from there on as trimmed lines, so it still compares.
//
// encoding/xml's RawToken is used rather than Token so that the prefixes in scope are
// known: Token resolves element names but not QNames in text.
func CanonicalXML(doc string, volatile []string) []string {
	type frame struct {
		local, space string
		ns           map[string]string // prefix ("" for the default) → URI, declared here
	}
	var (
		out   []string
		stack []frame
		text  strings.Builder
	)
	lookup := func(prefix string) (string, bool) {
		if prefix == "xml" {
			return "http://www.w3.org/XML/1998/namespace", true
		}
		for i := len(stack) - 1; i >= 0; i-- {
			if uri, ok := stack[i].ns[prefix]; ok {
				return uri, true
			}
		}
		return "", prefix == "" // no default namespace: the empty URI
	}
	resolveValue := func(v string) string {
		if m := qname.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
			if uri, ok := lookup(m[1]); ok && m[1] != "" {
				return "{" + uri + "}" + m[2]
			}
		}
		return v
	}
	indent := func() string { return strings.Repeat("  ", len(stack)) }
	// matches tells whether a "Parent/Child" path names the innermost open elements.
	matches := func(path string) bool {
		parts := strings.Split(strings.Trim(path, "/"), "/")
		if len(parts) > len(stack) {
			return false
		}
		for i, p := range parts {
			if stack[len(stack)-len(parts)+i].local != p {
				return false
			}
		}
		return true
	}
	// volatileAttr tells whether attribute name of the innermost element is volatile: a
	// volatile entry "Parent/Child@Name" names it (an EWS PhoneCallId's Id).
	volatileAttr := func(name string) bool {
		for _, v := range volatile {
			if path, attr, ok := strings.Cut(v, "@"); ok && attr == name && matches(path) {
				return true
			}
		}
		return false
	}
	isVolatile := func() bool {
		for _, v := range volatile {
			if strings.Contains(v, "@") {
				continue
			}
			parts := strings.Split(strings.Trim(v, "/"), "/")
			if len(parts) > len(stack) {
				continue
			}
			match := true
			for i, p := range parts {
				if stack[len(stack)-len(parts)+i].local != p {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
		return false
	}
	flush := func() {
		t := text.String()
		text.Reset()
		if strings.TrimSpace(t) == "" {
			return
		}
		switch {
		case isVolatile():
			out = append(out, indent()+"text ‹volatile›")
		default:
			out = append(out, indent()+"text "+fmt.Sprintf("%q", resolveValue(t)))
		}
	}

	d := xml.NewDecoder(strings.NewReader(doc))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // compare bytes as they are
	for {
		offset := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			flush()
			out = append(out, fmt.Sprintf("! not XML from byte %d on: %v", offset, err))
			for _, l := range strings.Split(doc[offset:], "\n") {
				if l = strings.TrimSpace(l); l != "" {
					out = append(out, "! "+l)
				}
			}
			return out
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			flush()
			f := frame{local: t.Name.Local, ns: map[string]string{}}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					f.ns[""] = a.Value
				case a.Name.Space == "xmlns":
					f.ns[a.Name.Local] = a.Value
				}
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1].space
			}
			line := indent() + "<" + t.Name.Local
			stack = append(stack, f)
			uri, ok := lookup(t.Name.Space)
			if !ok {
				uri = "undeclared-prefix:" + t.Name.Space
			}
			stack[len(stack)-1].space = uri
			if uri != parent {
				line += fmt.Sprintf(" xmlns=%q", uri)
			}
			var attrs []string
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				name := a.Name.Local
				if a.Name.Space != "" {
					u, ok := lookup(a.Name.Space)
					if !ok {
						u = "undeclared-prefix:" + a.Name.Space
					}
					name = "{" + u + "}" + name
				}
				if a.Name.Space == "" && volatileAttr(name) {
					attrs = append(attrs, name+"=‹volatile›")
					continue
				}
				attrs = append(attrs, fmt.Sprintf("%s=%q", name, resolveValue(a.Value)))
			}
			slices.Sort(attrs)
			for _, a := range attrs {
				line += " " + a
			}
			out = append(out, line+">")
		case xml.EndElement:
			flush()
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			out = append(out, indent()+"</"+t.Name.Local+">")
		case xml.ProcInst:
			if t.Target != "xml" {
				flush()
				out = append(out, indent()+"<?"+t.Target+" "+string(t.Inst)+"?>")
			}
		case xml.Directive:
			flush()
			out = append(out, indent()+"<!"+string(t)+">")
		case xml.Comment:
			// a comment says nothing to a client
		}
	}
	flush()
	return out
}
