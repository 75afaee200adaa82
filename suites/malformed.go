package suites

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
)

// H1's second probe sends a request whose request line is malformed: the API's question
// about a call no server issued, with a word between its target and its version, as if
// the target held a space (RFC 9112 section 3: the request-target holds no whitespace). Go's
// client refuses to write such a line, so the run's own connection (RecordHeads) rewrites
// the line as the request goes out: TLS, the credentials and the connection stay the
// run's. Only a connection dialled to the target itself is rewritten: through a proxy the
// proxy would answer, and nothing would be learned about the server (the request then goes
// out as written, and H1 is not judged on it).

// malformedWord is the word the probe puts between the request's target and its version.
// It names the harness in a server's log, for the administrator who reads it.
const malformedWord = "umconform-malformed"

// malformKey carries a *malformation in a request's context.
type malformKey struct{}

// What a malformation breaks in a request's head.
type breakage int

const (
	breakRequestLine breakage = iota // a word between the target and the version (R1113; RFC 9112 section 3)
	breakHost                        // the Host field line removed (RFC 9112 section 3.2)
	breakLength                      // the Content-Length value made a non-number (RFC 9112 section 6.3)
)

// badLength is the Content-Length value H1's probe sends: digits and a letter, which a
// lenient parser might read as 12 and a strict one refuses.
const badLength = "12x"

// malformation asks the connection that carries a request to break its head.
type malformation struct {
	addr string // the target's host:port: a connection dialled elsewhere is not rewritten
	kind breakage

	mu   sync.Mutex
	line string // what went out malformed (the request line, or the field broken); empty while nothing did
}

// newMalformation is a malformation of kind for requests to target.
func newMalformation(target *url.URL, kind breakage) *malformation {
	port := target.Port()
	if port == "" {
		port = "80"
		if target.Scheme == "https" {
			port = "443"
		}
	}
	return &malformation{addr: net.JoinHostPort(target.Hostname(), port), kind: kind}
}

// with puts m in ctx, for the run's transport.
func (m *malformation) with(ctx context.Context) context.Context {
	return context.WithValue(ctx, malformKey{}, m)
}

// on is m for a connection dialled to addr, nil when m is nil or addr is not the target's.
func (m *malformation) on(addr string) *malformation {
	if m == nil || addr != m.addr {
		return nil
	}
	return m
}

// sent is what last went out malformed; ok is false when nothing did.
func (m *malformation) sent() (line string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.line, m.line != ""
}

// breakLine puts malformedWord between the target and the version of the request line b
// starts with; ok is false when b does not start with a whole request line.
func breakLine(b []byte) (out []byte, line string, ok bool) {
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		return b, "", false
	}
	sp := bytes.LastIndexByte(b[:end], ' ')
	if sp < 0 || bytes.IndexByte(b[:sp], ' ') < 0 {
		return b, "", false
	}
	out = make([]byte, 0, len(b)+len(malformedWord)+1)
	out = append(out, b[:sp]...)
	out = append(out, ' ')
	out = append(out, malformedWord...)
	out = append(out, b[sp:]...)
	return out, string(out[:end+len(malformedWord)+1]), true
}

// rewrite breaks the head b starts with as m asks.
func (m *malformation) rewrite(b []byte) (out []byte, line string, ok bool) {
	switch m.kind {
	case breakHost:
		return dropHost(b)
	case breakLength:
		return breakContentLength(b)
	}
	return breakLine(b)
}

// headLines splits the head b starts with into its lines (CRLF kept), the blank line
// ending it excluded, and returns the bytes after the head; ok is false when b does not
// hold a whole head.
func headLines(b []byte) (lines [][]byte, rest []byte, ok bool) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, b, false
	}
	head := b[:end+2]
	for len(head) > 0 {
		i := bytes.Index(head, []byte("\r\n"))
		lines = append(lines, head[:i+2])
		head = head[i+2:]
	}
	return lines, b[end+4:], true
}

// fieldName is the lower-cased name of the field line l, empty for a line without colon.
func fieldName(l []byte) string {
	name, _, ok := bytes.Cut(l, []byte(":"))
	if !ok {
		return ""
	}
	return strings.ToLower(string(bytes.TrimSpace(name)))
}

// joinHead puts a head back together from its lines, with Connection: close added when
// the head has no Connection field: a server that reads the broken request its own way
// must not leave bytes of it on a connection the run would use again.
func joinHead(lines [][]byte, rest []byte) []byte {
	var out []byte
	closes := false
	for _, l := range lines {
		out = append(out, l...)
		closes = closes || fieldName(l) == "connection"
	}
	if !closes {
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "\r\n"...)
	return append(out, rest...)
}

// dropHost removes the Host field line of the HTTP/1.1 request whose head b starts with.
func dropHost(b []byte) (out []byte, line string, ok bool) {
	lines, rest, ok := headLines(b)
	if !ok || !bytes.HasSuffix(lines[0], []byte(" HTTP/1.1\r\n")) {
		return b, "", false
	}
	kept := lines[:1]
	for _, l := range lines[1:] {
		if fieldName(l) != "host" {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) {
		return b, "", false
	}
	return joinHead(kept, rest), strings.TrimSpace(string(lines[0])) + " without a Host field", true
}

// breakContentLength gives the Content-Length field of the head b starts with the value
// badLength; the body goes out as it is.
func breakContentLength(b []byte) (out []byte, line string, ok bool) {
	lines, rest, ok := headLines(b)
	if !ok {
		return b, "", false
	}
	found := false
	for i, l := range lines[1:] {
		if fieldName(l) == "content-length" {
			lines[i+1] = []byte("Content-Length: " + badLength + "\r\n")
			found = true
		}
	}
	if !found {
		return b, "", false
	}
	return joinHead(lines, rest), "Content-Length: " + badLength, true
}

// Write breaks the head of the first write after a malformation was armed (the transport
// writes a request's head in one piece, its buffer being larger than any head of the
// run's).
func (c *headConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	m := c.malform
	c.malform = nil
	c.mu.Unlock()
	if m == nil {
		return c.Conn.Write(p)
	}
	out, line, ok := m.rewrite(p)
	if !ok {
		return c.Conn.Write(p)
	}
	// Noted before the write: the answer may be read before the write returns.
	m.mu.Lock()
	m.line = line
	m.mu.Unlock()
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
