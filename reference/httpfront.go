package reference

import (
	"net/http"
	"strings"
)

// The HTTP front of the endpoints: what a profile does before the SOAP handler reads a
// request (the method, a redirect) and the cookies it sets on every answer. The correct
// server does none of it: its ServeHTTP answers a method other than GET, HEAD or POST 405
// with Allow, and never redirects.

// httpBehaviour breaks one HTTP rule each (H1, H2, T10).
type httpBehaviour struct {
	putProcessed bool // H1: a PUT is processed as if it were a POST
	redirect302  bool // H2: every POST to either endpoint is answered 302 Found
	cookie2965   bool // T10: every answer sets two cookies in one Set-Cookie field, as RFC 2965 allowed
}

// front applies the profile's HTTP behaviour to a request; done says the answer is
// written.
func (h *handler) front(w http.ResponseWriter, r *http.Request) (done bool) {
	b := h.b.http
	if b.cookie2965 {
		// RFC 2965's Set-Cookie2 took a comma-separated list of cookies; RFC 6265 section
		// 4.1.1 has one cookie a field, its value free of commas and spaces.
		w.Header().Add("Set-Cookie", "UMRoute=r2, UMSession=s1; Path=/EWS")
	}
	if b.putProcessed && r.Method == http.MethodPut {
		r.Method = http.MethodPost
	}
	if b.redirect302 && r.Method == http.MethodPost && (strings.EqualFold(r.URL.Path, EWSPath) || strings.EqualFold(r.URL.Path, LegacyPath) || strings.EqualFold(r.URL.Path, Path2007)) {
		// An endpoint moved with the status a browser's form expects: a client may follow
		// it with GET and lose the SOAP request (WS-I BP 1.1 R1130 asks for 307).
		http.Redirect(w, r, "/umconform-moved"+r.URL.Path, http.StatusFound)
		return true
	}
	return false
}
