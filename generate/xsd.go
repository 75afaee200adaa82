package generate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/umconform/umconform/schema"
)

// xsdNamespace is XML Schema's own namespace: its built-in types (xs:string) live there.
const xsdNamespace = "http://www.w3.org/2001/XMLSchema"

// decl is an element declaration as a request instance needs it: its name, how often it
// may occur, and either a simple value (text) or attributes and a sequence of children.
type decl struct {
	name     xml.Name
	min, max int // max is -1 for unbounded
	nillable bool
	simple   *facets // the text's type; nil for an element with element content or none
	attrs    []attrDecl
	kids     []*decl
	// anyAttr lists the namespaces whose attributes the type admits (xs:anyAttribute).
	anyAttr []string
}

// facets is a simple type reduced to what the operators read: its built-in base, its
// enumeration and its length bounds (-1 when unbounded).
type facets struct {
	base           string // local name of the built-in type: string, int, ...
	enum           []string
	minLen, maxLen int
}

// attrDecl is an attribute declaration.
type attrDecl struct {
	name     string // unqualified: the schemas declare no qualified attribute a request carries
	required bool
	simple   *facets
}

// xnode is a node of an XSD document, read generically.
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Kids    []xnode    `xml:",any"`
}

func (n *xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// schemaDoc is one XSD file: its target namespace, its prefixes and its global components.
type schemaDoc struct {
	tns      string
	prefixes map[string]string
	root     xnode
}

// schemaSet holds the global components of the files of one API's schema.
type schemaSet struct {
	elements, complexTypes, simpleTypes map[xml.Name]component
}

type component struct {
	doc  *schemaDoc
	node *xnode
}

// loadSchemaSet reads the named XSD files from the embedded schema.
func loadSchemaSet(files ...string) (*schemaSet, error) {
	s := &schemaSet{elements: map[xml.Name]component{}, complexTypes: map[xml.Name]component{}, simpleTypes: map[xml.Name]component{}}
	for _, f := range files {
		raw, err := fs.ReadFile(schema.XSD(), f)
		if err != nil {
			return nil, fmt.Errorf("reading the embedded schema %s: %w", f, err)
		}
		doc := &schemaDoc{prefixes: map[string]string{}}
		if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&doc.root); err != nil {
			return nil, fmt.Errorf("parsing the embedded schema %s: %w", f, err)
		}
		doc.tns = doc.root.attr("targetNamespace")
		for _, a := range doc.root.Attrs {
			if a.Name.Space == "xmlns" {
				doc.prefixes[a.Name.Local] = a.Value
			}
		}
		for i := range doc.root.Kids {
			k := &doc.root.Kids[i]
			name := xml.Name{Space: doc.tns, Local: k.attr("name")}
			switch k.XMLName.Local {
			case "element":
				s.elements[name] = component{doc, k}
			case "complexType":
				s.complexTypes[name] = component{doc, k}
			case "simpleType":
				s.simpleTypes[name] = component{doc, k}
			}
		}
	}
	return s, nil
}

// qname resolves a QName written in doc ("m:NonEmptyString") to a namespace and local name.
func (d *schemaDoc) qname(s string) xml.Name {
	prefix, local, ok := strings.Cut(s, ":")
	if !ok {
		return xml.Name{Space: d.prefixes[""], Local: s}
	}
	return xml.Name{Space: d.prefixes[prefix], Local: local}
}

// element returns the declaration of global element name, resolved down to its leaves.
func (s *schemaSet) element(name xml.Name) (*decl, error) {
	c, ok := s.elements[name]
	if !ok {
		return nil, fmt.Errorf("schema declares no element {%s}%s", name.Space, name.Local)
	}
	return s.buildElement(c.doc, c.node, 0)
}

// maxDepth bounds the recursion: the request types nest three levels; a cycle is a bug.
const maxDepth = 16

func (s *schemaSet) buildElement(doc *schemaDoc, n *xnode, depth int) (*decl, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("element %s nests deeper than %d levels", n.attr("name"), maxDepth)
	}
	d := &decl{name: xml.Name{Space: doc.tns, Local: n.attr("name")}, min: 1, max: 1, nillable: n.attr("nillable") == "true"}
	if v := n.attr("minOccurs"); v != "" {
		d.min, _ = strconv.Atoi(v)
	}
	switch v := n.attr("maxOccurs"); v {
	case "":
	case "unbounded":
		d.max = -1
	default:
		d.max, _ = strconv.Atoi(v)
	}
	if t := n.attr("type"); t != "" {
		return d, s.applyType(doc, doc.qname(t), d, depth)
	}
	for i := range n.Kids {
		k := &n.Kids[i]
		switch k.XMLName.Local {
		case "complexType":
			if err := s.buildComplex(doc, k, d, depth); err != nil {
				return nil, err
			}
		case "simpleType":
			f, err := s.buildSimple(doc, k, depth)
			if err != nil {
				return nil, err
			}
			d.simple = f
		}
	}
	return d, nil
}

// applyType gives d the content of the named type.
func (s *schemaSet) applyType(doc *schemaDoc, t xml.Name, d *decl, depth int) error {
	if t.Space == xsdNamespace {
		d.simple = &facets{base: t.Local, minLen: -1, maxLen: -1}
		return nil
	}
	if c, ok := s.simpleTypes[t]; ok {
		f, err := s.buildSimple(c.doc, c.node, depth+1)
		d.simple = f
		return err
	}
	if c, ok := s.complexTypes[t]; ok {
		return s.buildComplex(c.doc, c.node, d, depth+1)
	}
	return fmt.Errorf("schema declares no type {%s}%s", t.Space, t.Local)
}

func (s *schemaSet) buildComplex(doc *schemaDoc, n *xnode, d *decl, depth int) error {
	for i := range n.Kids {
		k := &n.Kids[i]
		switch k.XMLName.Local {
		case "sequence":
			for j := range k.Kids {
				if k.Kids[j].XMLName.Local != "element" {
					continue // xs:any appears in responses only
				}
				kid, err := s.buildElement(doc, &k.Kids[j], depth+1)
				if err != nil {
					return err
				}
				d.kids = append(d.kids, kid)
			}
		case "attribute":
			a := attrDecl{name: k.attr("name"), required: k.attr("use") == "required"}
			if t := k.attr("type"); t != "" {
				tmp := &decl{}
				if err := s.applyType(doc, doc.qname(t), tmp, depth); err != nil {
					return err
				}
				a.simple = tmp.simple
			}
			d.attrs = append(d.attrs, a)
		case "anyAttribute":
			d.anyAttr = append(d.anyAttr, strings.Fields(k.attr("namespace"))...)
		case "complexContent":
			for j := range k.Kids {
				ext := &k.Kids[j]
				if ext.XMLName.Local != "extension" {
					continue
				}
				if err := s.applyType(doc, doc.qname(ext.attr("base")), d, depth); err != nil {
					return err
				}
				if err := s.buildComplex(doc, ext, d, depth); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *schemaSet) buildSimple(doc *schemaDoc, n *xnode, depth int) (*facets, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("simple type %s nests deeper than %d levels", n.attr("name"), maxDepth)
	}
	f := &facets{base: "string", minLen: -1, maxLen: -1}
	for i := range n.Kids {
		r := &n.Kids[i]
		if r.XMLName.Local != "restriction" {
			continue
		}
		base := doc.qname(r.attr("base"))
		if base.Space == xsdNamespace {
			f.base = base.Local
		} else if c, ok := s.simpleTypes[base]; ok {
			b, err := s.buildSimple(c.doc, c.node, depth+1)
			if err != nil {
				return nil, err
			}
			*f = *b
		}
		for j := range r.Kids {
			facet := &r.Kids[j]
			v := facet.attr("value")
			switch facet.XMLName.Local {
			case "enumeration":
				f.enum = append(f.enum, v)
			case "minLength":
				f.minLen, _ = strconv.Atoi(v)
			case "maxLength":
				f.maxLen, _ = strconv.Atoi(v)
			case "length":
				f.minLen, _ = strconv.Atoi(v)
				f.maxLen = f.minLen
			}
		}
	}
	return f, nil
}
