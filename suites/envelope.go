package suites

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/umconform/umconform/schema"
)

// The SOAP envelope's own rules, which the schema of a Body cannot see, judged on every
// SOAP answer (HTTP 200 or 500) of both APIs:
//   - T5: no processing instruction (SOAP 1.1 section 3, WS-I BP 1.1 R1009); the XML
//     declaration is none. A DTD is T1's (R1008): the validator refuses to read one;
//   - T6: the Envelope holds an optional Header, then the Body, and no element after it
//     (SOAP 1.1 sections 4.1, 4.2, 4.3; R1011); every Body child is namespace-qualified
//     (R1014); a Fault appears at most once and alone (SOAP 1.1 section 4.4); an answer
//     that is no Fault is one element, the operation's response (R9981: a Body holds at most
//     one child); the envelope's own attributes stand where SOAP 1.1 §4.2 and R1005, R1006,
//     R1013 and R1032 allow. The Fault's children (R1000, R1001)
//     and its faultcode's QName are S6's, which the envelope schema grades;
//   - T9: the charset the answer's Content-Type names, if any, is UTF-8 or UTF-16 (SSBP 1.0 R1012),
//     and the one its bytes are in (R1018). An XML declaration naming another encoding is
//     T1's: the validator reads UTF-8 and UTF-16 alone;
//   - T10 (SHOULD), the profiles' recommendations for the envelope: no declaration of the
//     xml prefix (WS-I BP 1.1 R1033, Simple SOAP Binding Profile 1.0 R9704); a faultcode in
//     SOAP's namespace is one of SOAP's four codes (R1004), never refined with a dot
//     (R1031: "soap:Client.Authentication"). A code in another namespace is the author's.
// A body that is not well-formed is T1's; these pass it with a note.

// scanEnvelope reads a SOAP answer's body for T5, T6 and T9; ct is its Content-Type.
func scanEnvelope(body []byte, ct string) []finding {
	var out []finding
	text, utf16Bytes := asUTF8(body)
	if f, ok := encodingFinding(utf16Bytes, ct); ok {
		out = append(out, f)
	}
	d := xml.NewDecoder(bytes.NewReader(text))
	// The declared encoding is T9's business: the structure is read whatever it says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		pis    []string
		depth  int
		path   []xml.Name
		seen   []string // the Envelope's children, in order
		body1  []xml.Name
		t6     []string
		t10    []string
		scopes []map[string]string // the prefixes each open element declares
		code   *strings.Builder    // the text of the Fault's faultcode, while it is read
		tokens int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out // not well-formed: T1's
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target == "xml" && tokens == 0 {
				break // the XML declaration
			}
			pis = append(pis, fmt.Sprintf("<?%s %s?>", t.Target, clip(string(bytes.TrimSpace(t.Inst)))))
		case xml.StartElement:
			depth++
			path = append(path, t.Name)
			if depth <= 3 {
				t6 = append(t6, soapAttrs(t, path)...)
			}
			decl := map[string]string{}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					decl[""] = a.Value // the default namespace
				}
				if a.Name.Space == "xmlns" {
					decl[a.Name.Local] = a.Value
					if a.Name.Local == "xml" {
						t10 = append(t10, fmt.Sprintf("%s declares the xml prefix (xmlns:xml=%q): it is bound by XML itself (WS-I BP 1.1 R1033, SSBP 1.0 R9704)", showName(t.Name), clip(a.Value)))
					}
				}
			}
			scopes = append(scopes, decl)
			if depth == 4 && t.Name.Local == "faultcode" && t.Name.Space == "" && path[2].Space == schema.SOAP11Namespace && path[2].Local == "Fault" {
				code = &strings.Builder{}
			}
			switch depth {
			case 1:
				if t.Name.Space != schema.SOAP11Namespace || t.Name.Local != "Envelope" {
					return out // no SOAP 1.1 envelope: T1's
				}
			case 2:
				seen = append(seen, t.Name.Local)
				if t.Name.Space != schema.SOAP11Namespace || (t.Name.Local != "Header" && t.Name.Local != "Body") {
					t6 = append(t6, fmt.Sprintf("an element %s in the Envelope besides the Header and the Body", showName(t.Name)))
				}
			case 3:
				if path[1].Space == schema.SOAP11Namespace && path[1].Local == "Body" {
					body1 = append(body1, t.Name)
				}
			}
		case xml.CharData:
			if code != nil && code.Len() < 256 {
				code.Write(t)
			}
		case xml.EndElement:
			if code != nil && depth == 4 {
				if p := faultcodeProblem(strings.TrimSpace(code.String()), scopes); p != "" {
					t10 = append(t10, p)
				}
				code = nil
			}
			depth--
			path = path[:len(path)-1]
			scopes = scopes[:len(scopes)-1]
		case xml.Directive:
			// A DTD: T1's (the validator refuses it).
		}
		tokens++
	}
	if len(pis) > 0 {
		out = append(out, finding{id: "T5", expected: "no processing instruction in a SOAP message (the XML declaration is none)",
			actual: fmt.Sprintf("%d processing instruction(s): %s", len(pis), strings.Join(pis, ", ")), where: "response body"})
	}
	t6 = append(t6, envelopeOrder(seen)...)
	t6 = append(t6, bodyChildren(body1)...)
	if len(t6) > 0 {
		out = append(out, finding{id: "T6", expected: "an Envelope of an optional Header then one Body, nothing after; one namespace-qualified element in the Body: the response, or a single Fault alone",
			actual: strings.Join(t6, "; "), where: "response /Envelope"})
	}
	if len(t10) > 0 {
		out = append(out, finding{id: "T10", expected: "no declaration of the xml prefix; a faultcode in SOAP's namespace that is VersionMismatch, MustUnderstand, Client or Server, without a dot",
			actual: strings.Join(t10, "; "), where: "response /Envelope"})
	}
	return out
}

// soapCodes are the fault codes SOAP 1.1 section 4.4.1 defines.
var soapCodes = []string{"VersionMismatch", "MustUnderstand", "Client", "Server"}

// faultcodeProblem says how a faultcode's QName, its prefix resolved in scopes (innermost
// last), breaks R1031 (no dot notation) or R1004 (a code in SOAP's namespace is one of its
// four), "" when it does not. A QName that does not resolve is S6's, which the envelope
// schema grades.
func faultcodeProblem(qname string, scopes []map[string]string) string {
	prefix, local, ok := strings.Cut(qname, ":")
	if !ok {
		prefix, local = "", qname
	}
	ns := ""
	for i := len(scopes) - 1; i >= 0; i-- {
		if v, ok := scopes[i][prefix]; ok {
			ns = v
			break
		}
	}
	if ns != schema.SOAP11Namespace {
		return ""
	}
	base, _, dotted := strings.Cut(local, ".")
	switch {
	case dotted:
		return fmt.Sprintf("faultcode %q refines %s with the dot notation (WS-I BP 1.1 R1031)", clip(qname), base)
	case !slices.Contains(soapCodes, local):
		return fmt.Sprintf("faultcode %q is in SOAP's namespace but is none of its codes VersionMismatch, MustUnderstand, Client, Server (WS-I BP 1.1 R1004)", clip(qname))
	}
	return ""
}

// soapAttrs says how the SOAP envelope's own attributes on el (at path, at most three deep)
// break the rules on where they stand: none on the Envelope, Header or Body (WS-I BP 1.1
// R1032); no encodingStyle on them or on a Body child (R1005, R1006); mustUnderstand and
// actor on header entries alone (SOAP 1.1 §4.2), mustUnderstand written "0" or "1" (R1013).
func soapAttrs(el xml.StartElement, path []xml.Name) []string {
	var out []string
	entry := len(path) == 3 && path[1].Space == schema.SOAP11Namespace && path[1].Local == "Header"
	bodyChild := len(path) == 3 && path[1].Space == schema.SOAP11Namespace && path[1].Local == "Body"
	for _, a := range el.Attr {
		if a.Name.Space != schema.SOAP11Namespace {
			continue
		}
		at := fmt.Sprintf("soap:%s on %s", a.Name.Local, showName(el.Name))
		switch {
		case len(path) <= 2:
			out = append(out, at+" (the Envelope, Header and Body carry no attribute of the envelope's namespace: WS-I BP 1.1 R1032)")
		case a.Name.Local == "encodingStyle" && (bodyChild || el.Name.Space == schema.SOAP11Namespace):
			out = append(out, at+" (WS-I BP 1.1 R1005, R1006)")
		case (a.Name.Local == "mustUnderstand" || a.Name.Local == "actor") && !entry:
			out = append(out, at+", which is no header entry (SOAP 1.1 §4.2)")
		case a.Name.Local == "mustUnderstand" && a.Value != "0" && a.Value != "1":
			out = append(out, fmt.Sprintf("%s written %q, not \"0\" or \"1\" (WS-I BP 1.1 R1013)", at, a.Value))
		}
	}
	return out
}

// envelopeOrder says how the Envelope's children break SOAP 1.1 section 4.1: at most one
// Header, first; exactly one Body; no element after the Body (R1011).
func envelopeOrder(seen []string) []string {
	var out []string
	headers, bodies := 0, 0
	for i, local := range seen {
		switch local {
		case "Header":
			headers++
			if i > 0 {
				out = append(out, "a Header that is not the Envelope's first child")
			}
		case "Body":
			bodies++
			if i != len(seen)-1 {
				out = append(out, fmt.Sprintf("%d element(s) after the Body (WS-I BP 1.1 R1011)", len(seen)-1-i))
			}
		}
	}
	if headers > 1 {
		out = append(out, fmt.Sprintf("%d Headers", headers))
	}
	if bodies > 1 {
		out = append(out, fmt.Sprintf("%d Bodies", bodies))
	}
	return out
}

// bodyChildren says how the Body's children break R1014 (qualified), SOAP 1.1 section 4.4
// (one Fault, alone) and R9981 (one response element).
func bodyChildren(kids []xml.Name) []string {
	var out []string
	faults := 0
	for _, k := range kids {
		if k.Space == "" {
			out = append(out, fmt.Sprintf("a Body child <%s> in no namespace (WS-I BP 1.1 R1014)", k.Local))
		}
		if k.Space == schema.SOAP11Namespace && k.Local == "Fault" {
			faults++
		}
	}
	switch {
	case faults > 1:
		out = append(out, fmt.Sprintf("%d Fault elements in the Body: a Fault appears at most once (SOAP 1.1 section 4.4)", faults))
	case faults == 1 && len(kids) > 1:
		out = append(out, fmt.Sprintf("a Fault beside %d other Body element(s): %s", len(kids)-1, namesOf(kids)))
	case len(kids) > 1:
		out = append(out, fmt.Sprintf("%d elements in the Body (%s) where the operation's document-literal response is one (WS-I BP 1.1 R9981)", len(kids), namesOf(kids)))
	}
	return out
}

func namesOf(ns []xml.Name) string {
	var s []string
	for _, n := range ns {
		s = append(s, showName(n))
	}
	if len(s) > 4 {
		s = append(s[:4], "…")
	}
	return strings.Join(s, ", ")
}

func showName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// asUTF8 returns body as UTF-8 for encoding/xml, which reads no other encoding, and says
// whether it was UTF-16 (a byte-order mark, or the "<" of a declaration in two bytes).
func asUTF8(body []byte) ([]byte, bool) {
	var big bool
	switch {
	case hasPrefix(body, "\xfe\xff"):
		big, body = true, body[2:]
	case hasPrefix(body, "\xff\xfe"):
		body = body[2:]
	case hasPrefix(body, "\x00<"):
		big = true
	case hasPrefix(body, "<\x00"):
	default:
		return bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), false
	}
	units := make([]uint16, len(body)/2)
	for i := range units {
		if big {
			units[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
		} else {
			units[i] = uint16(body[2*i+1])<<8 | uint16(body[2*i])
		}
	}
	return []byte(string(utf16.Decode(units))), true
}

func hasPrefix(b []byte, p string) bool { return bytes.HasPrefix(b, []byte(p)) }

// encodingFinding judges T9: the charset an answer's Content-Type names is UTF-8 or UTF-16
// (R1012) and is the one its bytes are in (R1018). None is required: XML reads UTF-8 and
// UTF-16 without one. An XML declaration that names another encoding is T1's: the
// validator reads no other.
func encodingFinding(isUTF16 bool, ct string) (finding, bool) {
	var problems []string
	if p := charsetProblem(ct); p != "" {
		problems = append(problems, p+": a SOAP message is UTF-8 or UTF-16 (WS-I Simple SOAP Binding Profile 1.0 R1012)")
	} else if _, params, err := mime.ParseMediaType(ct); err == nil {
		if cs, ok := params["charset"]; ok && isUTF16 != strings.HasPrefix(strings.ToLower(cs), "utf-16") {
			problems = append(problems, fmt.Sprintf("Content-Type names charset %q but the body is %s (WS-I Simple SOAP Binding Profile 1.0 R1018: the charset is the message's)", cs, utfName(isUTF16)))
		}
	}
	if len(problems) == 0 {
		return finding{}, false
	}
	return finding{id: "T9", expected: "a message in UTF-8 or UTF-16, and a Content-Type charset, if any, that names the one it is in",
		actual: strings.Join(problems, "; "), where: "response header field Content-Type"}, true
}

func utfName(isUTF16 bool) string {
	if isUTF16 {
		return "UTF-16"
	}
	return "UTF-8"
}

// soapAnswer says whether the envelope rules bear on ex: a SOAP status (200, 500), as T1.
func soapAnswer(ex *Exchange) (bool, string) {
	if !isSOAPStatus(ex.Status) {
		return false, fmt.Sprintf("HTTP %d is not a SOAP status; the envelope's rules apply to 200 and 500", ex.Status)
	}
	return true, ""
}

// judgeT5, judgeT6, judgeT9: the envelope's rules and the message's encoding.
var (
	judgeT5 = judgeFinding("T5", soapAnswer)
	judgeT6 = judgeFinding("T6", soapAnswer)
	judgeT9 = judgeFinding("T9", soapAnswer)
)

// readEnvelope records, once an answer is read whole, what it breaks of T5, T6, T9 and T10.
func readEnvelope(ex *Exchange) {
	if ex.Err != nil || !isSOAPStatus(ex.Status) || ex.Result.Envelope != schema.SOAP11Namespace {
		return
	}
	// A body the validator could not read whole (not well-formed, too much markup, a DTD)
	// is T1's; reading it again here would undo the validator's bounds (a million nested
	// elements cost Go's decoder hundreds of MiB).
	for _, v := range ex.Result.Violations {
		if strings.HasPrefix(v.Message, "not well-formed XML") || strings.HasPrefix(v.Message, schema.NotParsed) ||
			strings.Contains(v.Message, "DOCTYPE") || strings.HasPrefix(v.Message, "document is") {
			return
		}
	}
	ex.findings = append(ex.findings, scanEnvelope(ex.Body, ex.Header.Get("Content-Type"))...)
}
