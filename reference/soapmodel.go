package reference

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
)

// The SOAP processing model, for both endpoints (T11, T12): which header entries the
// server must understand, what it does with mustUnderstand elsewhere, how it refuses an
// Envelope of no SOAP version, and which encoding it reads a request in. parse.go calls
// in here where it reads the envelope; endpoint.go dresses the Fault it renders
// (requestFault.dressed).

// modelBehaviour holds the knobs of the processing model's profiles; the zero value is
// the correct server.
type modelBehaviour struct {
	// legal variants
	mustUnderstandHeaderInfo bool // the MustUnderstand Fault names its actor and the header in a header entry
	versionBadRequest        bool // an Envelope of no SOAP version is refused with a bare 400, as WCF does

	// broken, T11 each
	ignoreMustUnderstand   bool // an unknown mandatory header entry is skipped and the request processed
	mustUnderstandClient   bool // an unknown mandatory header entry gets a Client Fault
	mustUnderstandDetail   bool // the MustUnderstand Fault names the header entry in its detail
	mustUnderstandAnywhere bool // mustUnderstand="1" is obeyed on any element, the Body too
	anyEnvelope            bool // an Envelope of no SOAP version is read as SOAP 1.1's
	// broken, T12
	honourDeclaredEncoding bool // the XML declaration's encoding is the one the request is read in
}

// actorNext is SOAP 1.1's actor URI for the next hop, which every receiver plays.
const actorNext = "http://schemas.xmlsoap.org/soap/actor/next"

// understood tells whether the server understands header entry h: the EWS headers of
// the types namespace (RequestServerVersion and its siblings), which the legacy endpoint
// accepts too (gci-soap-header-rsv).
func understood(h *element) bool { return h.name.Space == TypesNamespace }

// declaredEncoding finds the encoding pseudo-attribute of an XML declaration.
var declaredEncoding = regexp.MustCompile(`^(\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']`)

// asHTTPSays is the request body as the server reads it: in the encoding HTTP names
// (text/xml; charset=utf-8, the one the reference takes), whatever its XML declaration
// says, as WS-I SSBP 1.0 R1019 asks. Both the envelope's parser and the EWS schema's
// validator would read the declaration, so it is made to name UTF-8, as a server that
// hands its parser HTTP's charset overrides it. T12's profile reads the declaration, and
// so cannot read a request that names any encoding but UTF-8.
func asHTTPSays(body []byte, b *behaviour) []byte {
	m := declaredEncoding.FindSubmatchIndex(body)
	if m == nil || b.model.honourDeclaredEncoding || strings.EqualFold(string(body[m[4]:m[5]]), "utf-8") {
		return body
	}
	return append(append(append([]byte(nil), body[:m[4]]...), "utf-8"...), body[m[5]:]...)
}

// foreignEnvelope is the answer to an Envelope of neither SOAP version (SOAP 1.1 §4.1.2:
// a version error, answered with VersionMismatch), or nil when T11's profile reads it as
// SOAP 1.1's.
func foreignEnvelope(root *element, b *behaviour) *requestFault {
	if b.model.anyEnvelope && root.name.Space != SOAP12Namespace {
		return nil
	}
	rf := &requestFault{code: "VersionMismatch", msg: "the Envelope is not in the SOAP 1.1 namespace " + SOAP11Namespace}
	if b.model.versionBadRequest {
		rf.dress = func(int, []byte) (int, []byte) { return http.StatusBadRequest, nil }
	}
	return rf
}

// processingModel applies SOAP 1.1 §4.2 to the envelope root of namespace envNS: a
// header entry marked mustUnderstand="1", addressed to this server (no actor, or the next
// hop's), that it does not understand fails the message with a MustUnderstand Fault
// (§4.2.3, WS-I BP 1.1 R1027); mustUnderstand anywhere else is ignored (§4.2.1).
func processingModel(root *element, envNS string, b *behaviour) *requestFault {
	m := b.model
	if m.mustUnderstandAnywhere {
		if el := mandatoryAnywhere(root, envNS, 1); el != nil {
			return mustUnderstandFault(el, b)
		}
	}
	for _, c := range root.children {
		if c.name != (xml.Name{Space: envNS, Local: "Header"}) {
			continue
		}
		for _, h := range c.children {
			if !mandatoryFor(h, envNS) || understood(h) || m.ignoreMustUnderstand {
				continue
			}
			return mustUnderstandFault(h, b)
		}
		break
	}
	return nil
}

// mandatoryFor tells whether header entry h is mandatory for this server.
func mandatoryFor(h *element, envNS string) bool {
	mu, actor := "", ""
	for _, a := range h.attrs {
		if a.Name.Space != envNS {
			continue
		}
		switch a.Name.Local {
		case "mustUnderstand":
			mu = strings.TrimSpace(a.Value)
		case "actor":
			actor = strings.TrimSpace(a.Value)
		}
	}
	return (mu == "1" || mu == "true") && (actor == "" || actor == actorNext)
}

// mandatoryAnywhere finds, for T11's profile that obeys mustUnderstand wherever it
// stands, the first element below the Envelope marked mustUnderstand="1" that is not a
// header entry the server understands.
func mandatoryAnywhere(el *element, envNS string, depth int) *element {
	for _, c := range el.children {
		if mandatoryFor(c, envNS) && !(depth == 2 && understood(c)) {
			return c
		}
		if found := mandatoryAnywhere(c, envNS, depth+1); found != nil {
			return found
		}
	}
	return nil
}

// mustUnderstandFault is the Fault for a mandatory header entry h the server does not
// understand, dressed as the profile asks.
func mustUnderstandFault(h *element, b *behaviour) *requestFault {
	name := "{" + h.name.Space + "}" + h.name.Local
	rf := &requestFault{code: "MustUnderstand", msg: "the header entry " + name + " is mandatory and not understood"}
	switch {
	case b.model.mustUnderstandClient:
		rf.code = "Client"
	case b.model.mustUnderstandDetail:
		rf.dress = func(status int, body []byte) (int, []byte) {
			return status, insertBefore(body, ":Fault>", `<detail><r:NotUnderstood xmlns:r="urn:umconform:reference">`+textEscape(name)+`</r:NotUnderstood></detail>`)
		}
	case b.model.mustUnderstandHeaderInfo:
		rf.dress = func(status int, body []byte) (int, []byte) {
			body = insertBefore(body, ":Fault>", `<faultactor>`+actorNext+`</faultactor>`)
			return status, withHeaderEntry(body, `<r:NotUnderstood xmlns:r="urn:umconform:reference">`+textEscape(name)+`</r:NotUnderstood>`)
		}
	}
	return rf
}

// dressed is the Fault requestFault rendered for rf, as rf's profile dresses it.
func (rf *requestFault) dressed(status int, body []byte) (int, []byte) {
	if rf.dress == nil {
		return status, body
	}
	return rf.dress(status, body)
}

// insertBefore puts s before the last closing tag of an element whose name ends in
// suffix ("</soap:Fault>"), or leaves body as it is when there is none.
func insertBefore(body []byte, suffix, s string) []byte {
	end := bytes.LastIndex(body, []byte(suffix))
	if end < 0 {
		return body
	}
	at := bytes.LastIndex(body[:end], []byte("</"))
	if at < 0 {
		return body
	}
	return append(append(append([]byte(nil), body[:at]...), s...), body[at:]...)
}

// withHeaderEntry adds entry to the envelope's Header, writing one after the Envelope's
// start tag when it has none.
func withHeaderEntry(body []byte, entry string) []byte {
	if i := bytes.Index(body, []byte(":Header>")); i >= 0 {
		at := i + len(":Header>")
		return append(append(append([]byte(nil), body[:at]...), entry...), body[at:]...)
	}
	start := bytes.Index(body, []byte(":Envelope"))
	if start < 0 {
		return body
	}
	open := bytes.LastIndexByte(body[:start], '<')
	prefix := string(body[open+1 : start])
	end := bytes.IndexByte(body[start:], '>')
	if end < 0 {
		return body
	}
	at := start + end + 1
	return append(append(append([]byte(nil), body[:at]...), `<`+prefix+`:Header>`+entry+`</`+prefix+`:Header>`...), body[at:]...)
}

func textEscape(s string) string {
	var b strings.Builder
	_, _ = textEscaper.WriteString(&b, s)
	return b.String()
}
