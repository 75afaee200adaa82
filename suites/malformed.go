package suites

import (
	"bytes"
	"context"
	"net"
	"net/url"
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

// malformation asks the connection that carries a request to break its request line.
type malformation struct {
	addr string // the target's host:port: a connection dialled elsewhere is not rewritten

	mu   sync.Mutex
	line string // the request line last sent malformed; empty while none was
}

// newMalformation is a malformation for requests to target.
func newMalformation(target *url.URL) *malformation {
	port := target.Port()
	if port == "" {
		port = "80"
		if target.Scheme == "https" {
			port = "443"
		}
	}
	return &malformation{addr: net.JoinHostPort(target.Hostname(), port)}
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

// sent is the malformed request line as it last went out; ok is false when none did.
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

// Write breaks the request line of the first write after a malformation was armed (the
// transport writes a request's head in one piece, its buffer being larger than any
// request line of the run's).
func (c *headConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	m := c.malform
	c.malform = nil
	c.mu.Unlock()
	if m == nil {
		return c.Conn.Write(p)
	}
	out, line, ok := breakLine(p)
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
