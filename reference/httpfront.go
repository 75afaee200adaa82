package reference

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
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
	closeSilent  bool // T7: every POST's answer, then the connection closed, without Connection: close
	gzipKeepOpen bool // T7: every Fault (HTTP 500) in Transfer-Encoding gzip, not chunked, and the connection kept open
	// H1: a request line with a word too many (a space in its target) is repaired and the
	// request processed; net/http refuses such a line with 400 before any handler runs, so
	// the repair is done on the connection (repairListener).
	malformedRepaired bool
	// H1: an HTTP/1.1 request without Host is given one and processed (RFC 9112 section 3.2
	// asks for 400); done on the connection, as net/http refuses it before any handler runs.
	hostlessProcessed bool
	// H1: an invalid Content-Length is dropped and the request processed with the body it
	// then has (none), where RFC 9112 section 6.3 asks for 400; done on the connection too.
	badLengthProcessed bool
}

// frontKey marks a request the front has handed to the handler itself.
type frontKey struct{}

// front applies the profile's HTTP behaviour to a request; done says the answer is
// written.
func (h *handler) front(w http.ResponseWriter, r *http.Request) (done bool) {
	b := h.b.http
	if b.cookie2965 {
		// RFC 2965's Set-Cookie2 took a comma-separated list of cookies; RFC 6265 section
		// 4.1.1 has one cookie a field, its value free of commas and spaces.
		w.Header().Add("Set-Cookie", "UMRoute=r2, UMSession=s1; Path=/EWS")
	}
	if (b.closeSilent || b.gzipKeepOpen) && r.Method == http.MethodPost && r.Context().Value(frontKey{}) == nil {
		return h.rawAnswer(w, r)
	}
	if b.putProcessed && r.Method == http.MethodPut {
		r.Method = http.MethodPost
	}
	if b.redirect302 && r.Method == http.MethodPost && endpointAt(r.URL.Path) != nil {
		// An endpoint moved with the status a browser's form expects: a client may follow
		// it with GET and lose the SOAP request (WS-I BP 1.1 R1130 asks for 307).
		http.Redirect(w, r, "/umconform-moved"+r.URL.Path, http.StatusFound)
		return true
	}
	return false
}

// rawAnswer writes the handler's answer to r on the hijacked connection as net/http never
// would (T7's profiles): with a Content-Length, then the connection closed without a word
// (RFC 9112 section 9.6 asks for Connection: close); or in Transfer-Encoding gzip without a
// final chunked, on a connection then kept open, so that the message never ends (RFC 9112
// section 6.1). A ResponseWriter that cannot be hijacked gets the answer as it is.
func (h *handler) rawAnswer(w http.ResponseWriter, r *http.Request) bool {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), frontKey{}, true)))
	hj, ok := w.(http.Hijacker)
	// gzip without an end breaks Faults only: each such answer costs the client a wait for
	// the close (T7 is broken all the same, and the calls' lifecycle is not slowed).
	if !ok || h.b.http.gzipKeepOpen && rec.Code != http.StatusInternalServerError {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return true
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return true
	}
	defer conn.Close()
	body := rec.Body.Bytes()
	hdr := rec.Header()
	hdr.Del("Content-Length")
	hdr.Del("Connection")
	framing := fmt.Sprintf("Content-Length: %d\r\n", len(body))
	if h.b.http.gzipKeepOpen {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body, framing = z.Bytes(), "Transfer-Encoding: gzip\r\n"
	}
	fmt.Fprintf(rw, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	_ = hdr.Write(rw)
	_, _ = rw.WriteString(framing + "\r\n")
	_, _ = rw.Write(body)
	_ = rw.Flush()
	if h.b.http.gzipKeepOpen {
		// Kept open until the client gives up on it (or a minute): the message has no end.
		_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
		_, _ = io.Copy(io.Discard, conn)
	}
	return true
}

// listener is ln as the profile's HTTP front has it: the connections of a profile that
// repairs malformed requests pass through repairConn.
func (h *handler) listener(ln net.Listener) net.Listener {
	b := h.b.http
	if !b.malformedRepaired && !b.hostlessProcessed && !b.badLengthProcessed {
		return ln
	}
	return repairListener{Listener: ln, repairs: repairs{line: b.malformedRepaired, host: b.hostlessProcessed, length: b.badLengthProcessed}}
}

// repairs says what a repairConn mends in a request's head.
type repairs struct {
	line   bool // a request line of more than three words
	host   bool // an HTTP/1.1 request without Host
	length bool // a Content-Length that is not a number
}

type repairListener struct {
	net.Listener
	repairs repairs
}

func (l repairListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &repairConn{Conn: c, r: bufio.NewReader(c), repairs: l.repairs}, nil
}

// repairConn reads requests as a lenient server does, each profile mending one thing: a
// request line of more than three words keeps its first two and its last (the method, the
// target's start and the version); an HTTP/1.1 request without Host gets one; a
// Content-Length that is not a number is dropped (the request then has no body). The
// request goes on to the handler, where WS-I BP 1.1 R1113 and RFC 9112 ask for a 400. It
// follows requests framed by Content-Length; after a chunked one it passes bytes through
// unread, and after a dropped length too (the body's bytes are then read as the next
// request's, which net/http refuses).
type repairConn struct {
	net.Conn
	repairs repairs
	r       *bufio.Reader
	pending []byte // a head, repaired, not yet handed on
	body    int64  // bytes of the current request's body still to pass
	through bool   // framing not followed: pass everything
}

func (c *repairConn) Read(p []byte) (int, error) {
	switch {
	case len(c.pending) > 0:
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	case c.through:
		return c.r.Read(p)
	case c.body > 0:
		if int64(len(p)) > c.body {
			p = p[:c.body]
		}
		n, err := c.r.Read(p)
		c.body -= int64(n)
		return n, err
	}
	var head []byte
	hasHost := false
	for len(head) < 64<<10 {
		line, err := c.r.ReadSlice('\n')
		head = append(head, line...)
		if err != nil && err != bufio.ErrBufferFull {
			if len(head) == 0 {
				return 0, err
			}
			break
		}
		if len(head) == len(line) { // the request line
			if w := strings.Fields(string(line)); len(w) > 3 && c.repairs.line {
				head = []byte(w[0] + " " + w[1] + " " + w[len(w)-1] + "\r\n")
			}
			continue
		}
		if trimmed := bytes.TrimRight(line, "\r\n"); len(trimmed) == 0 {
			if !hasHost && c.repairs.host && bytes.HasSuffix(bytes.TrimRight(head[:bytes.IndexByte(head, '\n')+1], "\r\n"), []byte("HTTP/1.1")) {
				head = append(head[:len(head)-len(line)], "Host: localhost\r\n\r\n"...)
			}
			break
		} else if name, value, ok := bytes.Cut(trimmed, []byte(":")); ok {
			switch strings.ToLower(string(bytes.TrimSpace(name))) {
			case "host":
				hasHost = true
			case "content-length":
				n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64)
				if err != nil && c.repairs.length {
					head = head[:len(head)-len(line)]
					c.through = true
				}
				c.body = n
			case "transfer-encoding":
				c.through = true
			}
		}
	}
	c.pending = head
	return c.Read(p)
}
