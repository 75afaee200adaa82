package reference

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"time"
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
	p.runConnections()
	p.runMalformed()
	for _, path := range []string{LegacyPath, EWSPath} {
		r := p.c.do(http.MethodPut, path, "text/xml; charset=utf-8", []byte(infoReq(foreignCallID())), nil)
		p.judge(r)
		if r.status != http.StatusMethodNotAllowed {
			p.broken["H1"] = true
		}
	}
	return false
}

// runMalformed sends, over real connections, as the harness does (H1), a request whose
// request line has a word too many (WS-I BP 1.1 R1113), one without Host (RFC 9112 section
// 3.2) and one whose Content-Length is not a number (section 6.3): anything but a 400
// breaks H1.
func (p *probe) runMalformed() {
	srv := httptest.NewUnstartedServer(p.c.h)
	if h, ok := p.c.h.(*handler); ok {
		srv.Listener = h.listener(srv.Listener)
	}
	srv.Start()
	defer srv.Close()
	body := infoReq(foreignCallID())
	host := srv.Listener.Addr().String()
	ct := "Content-Type: text/xml; charset=utf-8\r\n"
	for _, head := range []string{
		fmt.Sprintf("POST %s malformed HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n", LegacyPath, host, ct, len(body)),
		fmt.Sprintf("POST %s HTTP/1.1\r\n%sContent-Length: %d\r\nConnection: close\r\n", LegacyPath, ct, len(body)),
		fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: 12x\r\nConnection: close\r\n", LegacyPath, host, ct),
	} {
		conn, err := net.DialTimeout("tcp", host, probeTimeout)
		if err != nil {
			p.t.Fatalf("dialling the probe's server: %v", err)
		}
		_ = conn.SetDeadline(time.Now().Add(probeTimeout))
		fmt.Fprintf(conn, "%s\r\n%s", head, body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			p.broken["H1"] = true
		}
		conn.Close()
	}
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

// runConnections asks three times over a real connection, as a client that keeps
// connections does (T7): an answer whose Transfer-Encoding Go's client cannot read is no
// framing a correct server uses, and a connection the server closed right after an answer
// that did not say "close" (the next request found none to reuse) breaks RFC 9112 section
// 9.6.
func (p *probe) runConnections() {
	srv := httptest.NewServer(p.c.h)
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: probeTimeout}
	closes := 0
	for i := range 3 {
		reused := false
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+LegacyPath, strings.NewReader(infoReq(foreignCallID())))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		resp, err := client.Do(req)
		if err != nil {
			if strings.Contains(err.Error(), "transfer encoding") {
				p.broken["T7"] = true
				return
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body) // read whole, or the client does not keep the connection
		_ = resp.Body.Close()
		if i > 0 && !reused {
			closes++
		}
		if resp.Close { // the answer said close: the next connection is a new one, rightly
			closes = -10
		}
		time.Sleep(50 * time.Millisecond) // the close, if any, reaches the client
	}
	if closes >= 2 {
		p.broken["T7"] = true
	}
}
