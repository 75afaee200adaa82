package suites

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// HTTP's message rules, judged on every answer of both APIs from the head as it came off
// the connection (wire.go), or, for a client that does not keep heads, from what Go's
// client kept:
//   - T7, framing (RFC 9112 sections 6.1-6.3 and 8, RFC 9110 section 8.6): a message with a
//     Transfer-Encoding has no Content-Length; Content-Length fields agree and are numbers;
//     a body ends where its length says, which a body that ends early on every attempt
//     does not (retry.go tells that from a network's cut); a transfer coding other than
//     chunked ends with chunked or the close (transfercoding.go); a server that closes
//     its connections says close (closes.go);
//   - T8, the status line and header fields (RFC 9112 sections 4 and 5, RFC 9110 sections
//     5.3 and 15, WS-I Basic Profile 1.1 R1141): HTTP/1.1 or HTTP/1.0, a three-digit status
//     code from 100 to 599, field lines of a name and a colon without folding, a field
//     whose value is not a list (Content-Type, Date, ...) sent once, and an Allow field on
//     a 405 (RFC 9110 section 15.5.6);
//   - T9, the character encoding (Simple SOAP Binding Profile 1.0 R1012, R1018; envelope.go reads the body's side);
//   - T10 (SHOULD), what the profiles recommend: an answer in HTTP/1.1 (WS-I BP 1.1
//     R1140; the harness asks in HTTP/1.1, and RFC 9110 section 6.2 has a server answer in
//     the highest version it conforms to), cookies as RFC 6265 writes them (R1122:
//     cookies.go); envelope.go reads the envelope's side.
// A content coding the request did not offer is T1's (encoding.go).

// finding is a rule an exchange was seen to break, found as it was read: the judges of
// those rules read it back (judgeFinding).
type finding struct {
	id, expected, actual, where string
}

// finding returns what ex was found to break of rule id.
func (ex *Exchange) finding(id string) (finding, bool) {
	for _, f := range ex.findings {
		if f.id == id {
			return f, true
		}
	}
	return finding{}, false
}

// singletons are response fields whose value is not a list (RFC 9110 section 5.3: such a
// field appears once): each field's own section defines it as one value. Content-Length is
// T7's (identical repeats are allowed there, section 8.6); Set-Cookie is the exception the
// section names.
var singletons = []string{
	"Content-Type",     // RFC 9110 section 8.3
	"Content-Location", // section 8.7
	"Content-Range",    // section 14.4
	"Date",             // section 6.6.1
	"ETag",             // section 8.8.3
	"Last-Modified",    // section 8.8.2
	"Location",         // section 10.2.2
	"Retry-After",      // section 10.2.3
	"Server",           // section 10.2.4
	"Age",              // RFC 9111 section 5.1
	"Expires",          // RFC 9111 section 5.3
}

// rawField is one field line of a head as sent.
type rawField struct{ name, value string }

// parseHead splits a head into its status line and field lines, and says which lines break
// RFC 9112 section 5 (no colon, white space before it, a name that is no token, folding).
func parseHead(head []byte) (status string, fields []rawField, bad []string) {
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	status = lines[0]
	for _, line := range lines[1:] {
		if line == "" {
			continue // the blank line that ends the head
		}
		if line[0] == ' ' || line[0] == '\t' {
			bad = append(bad, fmt.Sprintf("a folded field line %q (RFC 9112 section 5.2: obs-fold is not sent)", clip(line)))
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			bad = append(bad, fmt.Sprintf("a field line %q that is not a field name, a colon and a value (RFC 9112 section 5.1)", clip(line)))
			continue
		}
		fields = append(fields, rawField{name: textproto.CanonicalMIMEHeaderKey(name), value: strings.Trim(value, " \t")})
	}
	return status, fields, bad
}

// isToken tells whether s is an HTTP token (RFC 9110 section 5.6.2): a field name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// statusProblem says how a status line breaks RFC 9112 section 4 and R1141, "" when it
// does not.
func statusProblem(line string) string {
	version, rest, ok := strings.Cut(line, " ")
	if !ok {
		return fmt.Sprintf("status line %q has no status code", clip(line))
	}
	if version != "HTTP/1.1" && version != "HTTP/1.0" {
		return fmt.Sprintf("status line %q names %q: a SOAP message travels over HTTP/1.1 or HTTP/1.0 (WS-I BP 1.1 R1141), written so (RFC 9112 section 2.3)", clip(line), clip(version))
	}
	code, _, _ := strings.Cut(rest, " ")
	if !validStatusCode(code) {
		return fmt.Sprintf("status line %q: the status code %q is not three digits from 100 to 599 (RFC 9110 section 15, RFC 9112 section 4)", clip(line), clip(code))
	}
	return ""
}

func validStatusCode(code string) bool {
	if len(code) != 3 || code[0] < '1' || code[0] > '5' {
		return false
	}
	return code[1] >= '0' && code[1] <= '9' && code[2] >= '0' && code[2] <= '9'
}

// headFindings judges a head as sent: its status line and field lines (T8) and its framing
// fields (T7).
func headFindings(head []byte) []finding {
	status, fields, bad := parseHead(head)
	var out []finding
	var t8 []string
	if p := statusProblem(status); p != "" {
		t8 = append(t8, p)
	}
	t8 = append(t8, bad...)
	count := map[string][]string{}
	for _, f := range fields {
		count[f.name] = append(count[f.name], f.value)
	}
	for _, name := range singletons {
		if vs := count[name]; len(vs) > 1 {
			t8 = append(t8, fmt.Sprintf("%d %s fields (%s): its value is not a list, so it is sent once (RFC 9110 section 5.3)", len(vs), name, quoteAll(vs)))
		}
	}
	if _, rest, _ := strings.Cut(status, " "); strings.HasPrefix(rest, "405") && len(count["Allow"]) == 0 {
		t8 = append(t8, noAllow)
	}
	if len(t8) > 0 {
		out = append(out, finding{id: "T8", expected: "a status line HTTP/1.1 (or 1.0), a status code 100-599, well-formed field lines, each single-valued field once",
			actual: strings.Join(t8, "; "), where: "response status line and header fields"})
	}
	if version, _, _ := strings.Cut(status, " "); version == "HTTP/1.0" {
		out = append(out, http10Finding())
	}
	if f, ok := cookieFinding(count["Set-Cookie"]); ok {
		out = append(out, f)
	}
	out = append(out, framingFindings(count["Content-Length"], count["Transfer-Encoding"])...)
	return out
}

// framingFindings judges the Content-Length and Transfer-Encoding fields of a response
// (T7): every value of each, as sent.
func framingFindings(lengths, codings []string) []finding {
	var t7 []string
	if len(lengths) > 0 && len(codings) > 0 {
		t7 = append(t7, fmt.Sprintf("both Content-Length (%s) and Transfer-Encoding (%s): a message with a Transfer-Encoding has no Content-Length (RFC 9112 section 6.1)", quoteAll(lengths), quoteAll(codings)))
	}
	var octets []uint64
	for _, v := range lengths {
		for _, part := range strings.Split(v, ",") { // RFC 9110 section 8.6: a list of one value repeated
			n, err := strconv.ParseUint(strings.TrimSpace(part), 10, 63)
			if err != nil {
				t7 = append(t7, fmt.Sprintf("Content-Length %q is not a number of octets (RFC 9110 section 8.6)", clip(v)))
				octets = nil
				break
			}
			octets = append(octets, n)
		}
	}
	for _, n := range octets {
		if n != octets[0] {
			t7 = append(t7, fmt.Sprintf("Content-Length fields disagree (%s): one length, sent once or repeated identically (RFC 9110 section 8.6, RFC 9112 section 6.3)", quoteAll(lengths)))
			break
		}
	}
	if len(t7) == 0 {
		return nil
	}
	return []finding{{id: "T7", expected: "one message length: a Content-Length or a chunked Transfer-Encoding, not both, and Content-Length fields that agree",
		actual: strings.Join(t7, "; "), where: "response header fields Content-Length and Transfer-Encoding"}}
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(clip(v))
	}
	return strings.Join(q, ", ")
}

// keptFindings judges what Go's client kept of a response when its head was not kept
// (a client without RecordHeads): the version, the status code and the single-valued
// fields; Go has folded repeated identical Content-Lengths and taken Transfer-Encoding
// out of the header by then.
func keptFindings(resp *http.Response) []finding {
	var t8 []string
	// HTTP/2 is no fault of the target's when the client offered it (ALPN over TLS).
	h2 := resp.ProtoMajor == 2 && resp.TLS != nil && resp.TLS.NegotiatedProtocol == "h2"
	if !h2 && resp.Proto != "HTTP/1.1" && resp.Proto != "HTTP/1.0" {
		t8 = append(t8, fmt.Sprintf("the response names %q: a SOAP message travels over HTTP/1.1 or HTTP/1.0 (WS-I BP 1.1 R1141)", resp.Proto))
	}
	var out []finding
	if resp.Proto == "HTTP/1.0" {
		out = append(out, http10Finding())
	}
	if f, ok := cookieFinding(resp.Header.Values("Set-Cookie")); ok {
		out = append(out, f)
	}
	if !validStatusCode(strconv.Itoa(resp.StatusCode)) {
		t8 = append(t8, fmt.Sprintf("status code %d is not from 100 to 599 (RFC 9110 section 15)", resp.StatusCode))
	}
	for _, name := range singletons {
		if vs := resp.Header.Values(name); len(vs) > 1 {
			t8 = append(t8, fmt.Sprintf("%d %s fields (%s): its value is not a list, so it is sent once (RFC 9110 section 5.3)", len(vs), name, quoteAll(vs)))
		}
	}
	if _, ok := resp.Header["Allow"]; resp.StatusCode == http.StatusMethodNotAllowed && !ok {
		t8 = append(t8, noAllow)
	}
	if len(t8) == 0 {
		return out
	}
	return append(out, finding{id: "T8", expected: "a status line HTTP/1.1 (or 1.0), a status code 100-599, each single-valued field once",
		actual: strings.Join(t8, "; "), where: "response status line and header fields"})
}

// noAllow is T8's for a 405 without an Allow field: H1's PUT gets one (httpprobes.go), and
// a front end may refuse what it does not route with one; whenever one comes it says which
// methods the resource takes. An empty Allow (none) is allowed.
const noAllow = "a 405 (Method Not Allowed) without an Allow field: a 405 lists the methods the resource supports (RFC 9110 section 15.5.6)"

// http10Finding is T10's for an answer in HTTP/1.0 to the harness's HTTP/1.1 request: legal
// HTTP (T8 accepts it), but WS-I BP 1.1 R1140 recommends HTTP/1.1.
func http10Finding() finding {
	return finding{id: "T10", expected: "an answer in HTTP/1.1 to an HTTP/1.1 request",
		actual: "the status line names HTTP/1.0: a message should be sent with HTTP/1.1 (WS-I BP 1.1 R1140; RFC 9110 section 6.2)", where: "response status line"}
}

// errFindings reads what Go's client refused a response for, when the head was not kept:
// the words of its errors (net/http's response.go and transfer.go) say which rule the head
// broke. nil when the error names no rule (a network failure, a coding Go does not read).
func errFindings(err error) []finding {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "multiple Content-Length headers"), strings.Contains(msg, "bad Content-Length"):
		return []finding{{id: "T7", expected: "Content-Length fields that agree and are numbers", actual: msg, where: "response header field Content-Length"}}
	case strings.Contains(msg, "malformed HTTP response"), strings.Contains(msg, "malformed HTTP status code"),
		strings.Contains(msg, "malformed HTTP version"), strings.Contains(msg, "malformed MIME header"):
		return []finding{{id: "T8", expected: "a status line HTTP/1.1 (or 1.0) with a status code 100-599, and well-formed field lines", actual: msg, where: "response status line and header fields"}}
	}
	return nil
}

// errBodyCut marks a body that ended before its end: fewer octets than its Content-Length,
// or a chunked body without its last chunk (RFC 9112 section 8). A network can cut a
// connection too; retry.go sends a question again before T7 blames the target.
var errBodyCut = errors.New("the body ended before the end its framing announced")

// cutShort tells whether ex's body ended before its end.
func cutShort(ex *Exchange) bool {
	var te *TransportError
	return errors.As(ex.Err, &te) && te.Kind == "truncated" && errors.Is(te, errBodyCut)
}

// malformed makes ex's error a defect of the target's answer: its head broke a rule (the
// findings say which) and no check can read the rest.
func malformed(ex *Exchange, fs []finding, err error) {
	ex.findings = append(ex.findings, fs...)
	ex.Err = &TransportError{Kind: "malformed", Err: fmt.Errorf("the response breaks HTTP's message syntax (%s): %w", fs[0].actual, err)}
}

// judgeFinding judges rule id by what was found as the answer was read: a finding fails
// it; otherwise it passes, unless no answer was read (then it cannot be judged) or
// applies says the rule does not bear on this answer.
func judgeFinding(id string, applies func(*Exchange) (bool, string)) func(*Exchange) Outcome {
	return func(ex *Exchange) Outcome {
		if f, ok := ex.finding(id); ok {
			return fail(f.expected, f.actual, f.where)
		}
		if o, stop := transportProblem(ex); stop {
			return o
		}
		if applies != nil {
			if ok, why := applies(ex); !ok {
				return pass(why)
			}
		}
		return pass("")
	}
}

// judgeT7, judgeT8: HTTP's framing and its status line and fields, on every answer;
// judgeT10: the profiles' recommendations, the HTTP version on every answer and the
// envelope's side on SOAP answers (envelope.go records it only there).
var (
	judgeT7  = judgeFinding("T7", nil)
	judgeT8  = judgeFinding("T8", nil)
	judgeT10 = judgeFinding("T10", nil)
)

// charsetProblem says how a Content-Type's charset parameter breaks R1012 (UTF-8 or
// UTF-16), "" when it does not or names none.
func charsetProblem(ct string) string {
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	cs, ok := params["charset"]
	if !ok || utfLabel(cs) {
		return ""
	}
	return fmt.Sprintf("Content-Type %q names charset %q", clip(ct), cs)
}

// utfLabel tells whether an encoding label names UTF-8 or UTF-16 (R1012), in any case.
func utfLabel(label string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(label), `"`)) {
	case "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be":
		return true
	}
	return false
}

// transportChecked are the message rules judged on every answer of both APIs besides T1-T3:
// the envelope's (T5, T6), HTTP's (T7, T8), the encoding (T9) and the profiles'
// recommendations (T10).
var transportChecked = []string{"T5", "T6", "T7", "T8", "T9", "T10"}

// messageRule says whether id is one of transportChecked, which the lifecycle judges on
// every answer of a traced call, as X5.
func messageRule(id string) bool { return slices.Contains(transportChecked, id) }
