package reference

import (
	"encoding/xml"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/umconform/umconform/schema"
)

// genBehaviour holds the knobs of the profiles that answer every recorded request
// correctly and misbehave only on request shapes no recording has (issue 35): each breaks
// one rule of the generated requests (G1-G4) on one shape, each in its own way, so that
// the harness is shown to find a fault it was never shown a request for.
type genBehaviour struct {
	umHTMLOnUnknownAttr    bool // G1: an undeclared attribute on the UM operation element gets an ASP.NET error page
	ewsHTMLOnForeignChild  bool // G1: an EWS operation child in another namespace gets a 400 HTML page
	umResetOnRepeat        bool // G2: a UM operation repeating a child gets a TCP reset
	umHangOnWrongType      bool // G2: a UM CallId holding an element is never answered
	ewsHangOnNilID         bool // G2: an EWS PhoneCallId written xsi:nil is never answered
	ewsCloseOnUnknownChild bool // G2: an undeclared element in an EWS operation closes the connection unanswered
	umCallDataOnForeign    bool // G3: a UM GetCallInfo whose child is in another namespace is answered Connected/None
	ewsCallDataOnLongID    bool // G3: an EWS PhoneCallId over 256 characters is answered Success, Connected/None
	ewsNoSchemaValidation  bool // G4: EWS requests are not validated: a schema-invalid one is answered by what it seems to mean

	// legal: ErrorSchemaValidation is an Error response (HTTP 200), not a SOAP Fault.
	ewsSchemaErrorResponse bool
}

// misbehaves reports whether the generated-shape profiles answered the request (or refused
// to) themselves; it reads the request only under one of them.
func (h *handler) misbehaves(w http.ResponseWriter, r *http.Request, api *endpoint, body []byte) bool {
	g := h.b.gen
	ews := api == &ewsAPI
	if g == (genBehaviour{}) || g == (genBehaviour{ewsSchemaErrorResponse: true}) {
		return false
	}
	b := h.b
	root, rf := parseEnvelope(body, &b)
	if rf != nil {
		return false
	}
	op, rf := envelopeOperation(root, &b)
	if rf != nil || op.name.Space != MessagesNamespace {
		return false
	}
	switch {
	case !ews && g.umHTMLOnUnknownAttr && undeclaredAttr(op):
		htmlPage(w, http.StatusInternalServerError, "Runtime Error", "Server Error in '/EWS' Application.")
	case ews && g.ewsHTMLOnForeignChild && hasForeignChild(op):
		htmlPage(w, http.StatusBadRequest, "Bad Request", "HTTP Error 400. The request is badly formed.")
	case !ews && g.umResetOnRepeat && repeatsChild(op):
		reset(w)
	case !ews && g.umHangOnWrongType && childHasElements(op, "CallId"):
		h.stall(r.Context())
	case ews && g.ewsHangOnNilID && nilChild(op, "PhoneCallId"):
		h.stall(r.Context())
	case ews && g.ewsCloseOnUnknownChild && hasUnknownChild(op):
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	case !ews && g.umCallDataOnForeign && op.name.Local == "GetCallInfo" && hasForeignChild(op):
		h.write(w, http.StatusOK, renderGetCallInfo(&h.b, Phase{State: StateConnected, Cause: CauseNone}))
	case ews && g.ewsCallDataOnLongID && op.name.Local == "GetPhoneCallInformation" && longID(op):
		a := h.callInformation(ewsAnswer{op: "GetPhoneCallInformation"}, Phase{State: StateConnected, Cause: CauseNone})
		h.write(w, http.StatusOK, h.renderEWS(a))
	default:
		return false
	}
	return true
}

func undeclaredAttr(e *element) bool {
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local != "xmlns" {
			return true
		}
	}
	return false
}

func hasForeignChild(op *element) bool {
	for _, c := range op.children {
		if c.name.Space != MessagesNamespace {
			return true
		}
	}
	return false
}

func repeatsChild(op *element) bool {
	seen := map[xml.Name]bool{}
	for _, c := range op.children {
		if seen[c.name] {
			return true
		}
		seen[c.name] = true
	}
	return false
}

func childHasElements(op *element, local string) bool {
	for _, c := range op.children {
		if c.name.Local == local && len(c.children) > 0 {
			return true
		}
	}
	return false
}

func nilChild(op *element, local string) bool {
	for _, c := range op.children {
		if c.name.Local != local {
			continue
		}
		for _, a := range c.attrs {
			if a.Name.Space == xsiNamespace && a.Name.Local == "nil" {
				return true
			}
		}
	}
	return false
}

// hasUnknownChild: an element EWS's UM operations do not declare, in the operation or
// inside its id elements (which declare none).
func hasUnknownChild(op *element) bool {
	for _, c := range op.children {
		switch {
		case c.name.Space == MessagesNamespace && (c.name.Local == "PhoneCallId" || c.name.Local == "ItemId"):
			if len(c.children) > 0 {
				return true
			}
		case c.name.Space == MessagesNamespace && c.name.Local == "DialString":
		default:
			return true
		}
	}
	return false
}

func longID(op *element) bool {
	id, ok := idArg(op, "PhoneCallId")
	return ok && len(id) > 256
}

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// htmlPage answers as a web server's error page does: what an ASMX endpoint's host sends
// when the service itself breaks.
func htmlPage(w http.ResponseWriter, status int, title, heading string) {
	page := "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body>\n<h1>" + heading + "</h1>\n" +
		"<p>An application error occurred on the server.</p>\n</body></html>\n"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page)) // the client may be gone
}

// reset drops the connection with a TCP reset (linger 0), or where the writer cannot give
// its connection up, aborts the answer as a closed connection.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // Close then sends RST, not FIN
	}
	_ = conn.Close()
}

var (
	ewsValidatorOnce sync.Once
	ewsValidator     *schema.Validator
	ewsValidatorErr  error
)

// ewsSchemaViolation returns why the EWS schema rejects a request, "" when it accepts it:
// Exchange validates every EWS request against its schema before it reads it, and answers
// ErrorSchemaValidation to one that breaks it.
func ewsSchemaViolation(body []byte) string {
	ewsValidatorOnce.Do(func() { ewsValidator, ewsValidatorErr = schema.Load(schema.For(schema.EWS)) })
	if ewsValidatorErr != nil {
		return "" // the embedded schema compiles (its tests say so): not reached
	}
	r := ewsValidator.ValidateAs(body, schema.KindRequest)
	if r.Valid() {
		return ""
	}
	return r.Violations[0].Message
}

// skipsSchema says whether the profile's EWS endpoint reads requests its schema rejects:
// the profiles whose broken rule needs such a request read (E5, E7, E13) and G4's.
func (b *behaviour) skipsSchema() bool {
	return b.ews.unknownIDSucceeds || b.ews.disconnectUnknownSucceeds || b.ews.anyVersion || b.gen.ewsNoSchemaValidation
}
