package reference

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/umconform/umconform/schema"
)

// Namespaces of the protocol (spec: Transport, Faults), as the schema package declares
// them: the server parses with encoding/xml, independent of the validator, but both must
// speak of the same namespaces.
const (
	SOAP11Namespace   = schema.SOAP11Namespace
	SOAP12Namespace   = schema.SOAP12Namespace
	MessagesNamespace = schema.MessagesNamespace
	ErrorsNamespace   = schema.ErrorsNamespace
	TypesNamespace    = schema.TypesNamespace
)

// maxDepth bounds element nesting; a SOAP request for these operations is four deep.
const maxDepth = 64

// element is the small tree a request is parsed into.
type element struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*element
	text     strings.Builder
}

// requestFault is a dispatch-level problem with a request: it becomes a SOAP fault with the
// envelope's own code (Client, VersionMismatch, MustUnderstand).
type requestFault struct {
	code      string // local part, qualified with the envelope prefix when rendered
	msg       string
	malformed bool // not well-formed XML, no Body child, unknown operation: the C5 kinds
	doctype   bool
	dress     func(status int, body []byte) (int, []byte) // a profile's change to the rendered Fault: soapmodel.go
}

func (f *requestFault) Error() string { return f.code + ": " + f.msg }

func clientFault(format string, args ...any) *requestFault {
	return &requestFault{code: "Client", msg: fmt.Sprintf(format, args...)}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// entityDecl finds SYSTEM entity declarations; only the X1 profile looks at them.
var entityDecl = regexp.MustCompile(`<!ENTITY\s+([A-Za-z_][\w.-]*)\s+SYSTEM\s+(?:"([^"]*)"|'([^']*)')\s*>`)

// parseEnvelope parses a request into a tree, refusing anything SOAP 1.1 forbids in a
// message (a DTD) before it could be expanded.
func parseEnvelope(body []byte, b *behaviour) (*element, *requestFault) {
	if bytes.HasPrefix(body, utf8BOM) {
		if b.rejectBOM {
			return nil, &requestFault{code: "Client", msg: "the request starts with a byte-order mark", malformed: true}
		}
		body = body[len(utf8BOM):]
	}
	if b.requireSoapPrefix && !bytes.Contains(body, []byte("<soap:Envelope")) {
		return nil, &requestFault{code: "Client", msg: "the request is not a <soap:Envelope>", malformed: true}
	}
	if !utf8.Valid(body) {
		return nil, &requestFault{code: "Client", msg: "the request is not UTF-8", malformed: true}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	var root *element
	var stack []*element
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &requestFault{code: "Client", msg: "the request is not well-formed XML: " + err.Error(), malformed: true}
		}
		switch t := tok.(type) {
		case xml.Directive:
			if root != nil || !bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return nil, &requestFault{code: "Client", msg: "the request holds a markup declaration", doctype: true}
			}
			if b.hostile.fetchCanaryURL && fetchCanaryEntities(d, t) {
				continue
			}
			if !b.hostile.expandCanary || !expandCanaryEntities(d, t) {
				return nil, &requestFault{code: "Client", msg: "a SOAP message must not contain a DTD", doctype: true}
			}
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, &requestFault{code: "Client", msg: "the request has more than one root element", malformed: true}
			}
			if len(stack) >= maxDepth {
				return nil, &requestFault{code: "Client", msg: "the request nests elements too deeply", malformed: true}
			}
			e := &element{name: t.Name, attrs: t.Attr}
			if root == nil {
				root = e
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, &requestFault{code: "Client", msg: "text outside the root element", malformed: true}
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if root == nil {
		return nil, &requestFault{code: "Client", msg: "the request holds no XML element", malformed: true}
	}
	return root, nil
}

// expandCanaryEntities is the X1 profile's deliberate hole, kept narrow because it ships in
// a binary: only SYSTEM entities naming a regular file whose base name contains
// "umconform-canary", at most 4 KiB, no symlinks. It reports false when the DOCTYPE declares
// anything else, so that such requests are refused as by the correct profile.
func expandCanaryEntities(d *xml.Decoder, doctype []byte) bool {
	decls := entityDecl.FindAllSubmatch(doctype, -1)
	if len(decls) == 0 || bytes.Count(doctype, []byte("<!ENTITY")) != len(decls) {
		return false
	}
	ents := map[string]string{}
	for _, m := range decls {
		loc := string(m[2]) + string(m[3])
		path := filepath.Clean(strings.TrimPrefix(loc, "file://"))
		if !strings.Contains(filepath.Base(path), "umconform-canary") {
			return false
		}
		fi, err := os.Lstat(path)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > 4096 {
			return false
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		ents[string(m[1])] = string(content)
	}
	d.Entity = ents
	return true
}

// fetchCanaryEntities is the URL-fetching X1 profiles' deliberate hole, as narrow: only
// SYSTEM entities naming an http URL on a loopback address whose path contains
// "umconform-canary", fetched within 2 s, at most 4 KiB read. It reports false when the
// DOCTYPE declares anything else, so that such requests are refused as by the correct
// profile.
func fetchCanaryEntities(d *xml.Decoder, doctype []byte) bool {
	decls := entityDecl.FindAllSubmatch(doctype, -1)
	if len(decls) == 0 || bytes.Count(doctype, []byte("<!ENTITY")) != len(decls) {
		return false
	}
	ents := map[string]string{}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, m := range decls {
		u, err := url.Parse(string(m[2]) + string(m[3]))
		if err != nil || u.Scheme != "http" || !strings.Contains(u.Path, "umconform-canary") {
			return false
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			return false
		}
		resp, err := client.Get(u.String())
		if err != nil {
			return false
		}
		content, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if err != nil {
			return false
		}
		ents[string(m[1])] = string(content)
	}
	d.Entity = ents
	return true
}

// envelopeOperation checks the Envelope structure and returns the first Body child.
func envelopeOperation(root *element, b *behaviour) (*element, *requestFault) {
	switch {
	case root.name.Local != "Envelope":
		return nil, &requestFault{code: "Client", msg: "the root element is not a SOAP Envelope", malformed: true}
	case root.name.Space == SOAP11Namespace:
	case root.name.Space == SOAP12Namespace && b.acceptSOAP12:
	default: // SOAP 1.1 §4.1.2: an envelope in another namespace is a version error
		if rf := foreignEnvelope(root, b); rf != nil {
			return nil, rf
		}
	}
	envNS := root.name.Space
	if strings.TrimSpace(root.text.String()) != "" {
		return nil, clientFault("text inside the Envelope")
	}
	if rf := processingModel(root, envNS, b); rf != nil { // mandatory headers: soapmodel.go
		return nil, rf
	}
	var body *element
	for i, c := range root.children {
		if c.name.Space != envNS {
			continue // SOAP 1.1 allows qualified trailing elements; they do not concern us
		}
		switch c.name.Local {
		case "Header":
			if i != 0 {
				return nil, clientFault("the Header must be the Envelope's first child")
			}
		case "Body":
			if body == nil {
				body = c
			}
		}
	}
	if body == nil {
		return nil, &requestFault{code: "Client", msg: "the Envelope has no Body", malformed: true}
	}
	if len(body.children) == 0 {
		return nil, &requestFault{code: "Client", msg: "the Body is empty", malformed: true}
	}
	return body.children[0], nil
}

// args returns the texts of op's children named local in the messages namespace. A child
// with element content has no valid text and is returned as nil.
func args(op *element, local string, anyNS bool) []*string {
	var out []*string
	for _, c := range op.children {
		if c.name.Local != local || (!anyNS && c.name.Space != MessagesNamespace) {
			continue
		}
		if len(c.children) > 0 {
			out = append(out, nil)
			continue
		}
		s := c.text.String()
		out = append(out, &s)
	}
	return out
}
