package reference

import (
	"net/http"
	"strings"
)

// runHTTP probes the HTTP front (httpfront.go) as the harness does: an endpoint that
// redirects (H2) is judged no further, as the harness judges nothing behind a redirect
// (stop); a PUT carrying a SOAP request is refused 405 (H1).
func (p *probe) runHTTP() (stop bool) {
	for _, path := range []string{LegacyPath, EWSPath} {
		r := p.c.do(http.MethodPost, path, "text/xml; charset=utf-8", []byte(infoReq(foreignCallID())), nil)
		p.judgeCookies(r)
		if r.status/100 == 3 {
			if r.status != http.StatusTemporaryRedirect {
				p.broken["H2"] = true
			}
			stop = true
		}
	}
	if stop {
		return true
	}
	for _, path := range []string{LegacyPath, EWSPath} {
		r := p.c.do(http.MethodPut, path, "text/xml; charset=utf-8", []byte(infoReq(foreignCallID())), nil)
		p.judge(r)
		if r.status != http.StatusMethodNotAllowed {
			p.broken["H1"] = true
		}
	}
	return false
}

// judgeCookies: every Set-Cookie holds one cookie as RFC 6265 section 4.1.1 writes it: a
// name=value pair whose value has no comma, space, semicolon, backslash or inner quote,
// then attributes after "; " (T10, WS-I BP 1.1 R1122). A miniature of the harness's rule.
func (p *probe) judgeCookies(r reply) {
	for _, c := range r.hdr.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(c, ";")
		name, value, ok := strings.Cut(pair, "=")
		value = strings.TrimSuffix(strings.TrimPrefix(value, `"`), `"`)
		if !ok || name == "" || strings.ContainsAny(name, " \t,;=\"") || strings.ContainsAny(value, " \t,;\"\\") {
			p.broken["T10"] = true
		}
	}
}
