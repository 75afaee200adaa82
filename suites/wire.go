package suites

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"
)

// Go's HTTP client reads a response for its caller and, doing so, forgets some of what the
// target sent: a Content-Length beside a Transfer-Encoding is dropped, repeated identical
// Content-Length fields become one, Transfer-Encoding leaves the header. The HTTP message
// rules (httprules.go) judge what was sent, so the run's transport keeps the head of each
// response as it came off the connection: RecordHeads wraps the connections it dials, and
// Sender.post finds the connection its request went out on (httptrace's GotConn) and reads
// the head back. A client without it (a caller's own) is judged on what Go kept.

// headLimit bounds what a connection keeps of one response: its status line and header
// fields (MaxResponseHeaderBytes) and the start of its body.
const headLimit = MaxResponseHeaderBytes + 4096

// headConn is a connection that keeps the bytes read since its last request began.
type headConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
	tc  transferHead // the transfer codings Go's client does not read: transfercoding.go

	// For connections closed without a word (closes.go): the endpoint's watch, the answers
	// read and the last one's head, when the last byte came, whether the request said "close", and whether this
	// connection's close was counted.
	watch                  *connWatch
	answers                int
	lastHead               []byte
	lastByte               time.Time
	requestClose, reported bool
}

// begin forgets what was read before a request goes out on the connection: the answer to
// it starts after, and its head is scanned for transfer codings.
func (c *headConn) begin() {
	c.mu.Lock()
	c.buf = c.buf[:0]
	c.tc = transferHead{scanning: true}
	c.mu.Unlock()
}

// head is the final response's status line and header fields as read, interim (1xx)
// responses skipped; complete is false when the head had not fully arrived.
func (c *headConn) head() (head []byte, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return finalHead(c.buf)
}

// finalHead cuts the head of the final response from the bytes read after a request.
func finalHead(b []byte) ([]byte, bool) {
	for {
		end := headEnd(b)
		if end < 0 {
			return bytes.Clone(b), false
		}
		h := b[:end]
		if !interim(h) || end == len(b) {
			return bytes.Clone(h), true
		}
		b = b[end:]
	}
}

// headEnd is the offset just past the blank line that ends a head, -1 when none has come.
// RFC 9112 section 2.2 lets a recipient take a bare LF for a line end.
func headEnd(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			return i + 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			return i + 3
		}
	}
	return -1
}

// interim tells whether a head is a 1xx response's, which a final one follows.
func interim(h []byte) bool {
	_, rest, ok := bytes.Cut(h, []byte(" "))
	return ok && len(rest) > 0 && rest[0] == '1'
}

// RecordHeads makes tr keep the head of every response as read off the connection, for the
// HTTP message rules. Plain connections are wrapped as dialled; for TLS the transport's
// own handshake is replaced by one that offers HTTP/1.1 alone (WS-I Basic Profile 1.1
// R1141 has SOAP messages sent over HTTP/1.1 or 1.0, and NTLM authenticates connections,
// which HTTP/2 does not keep apart), so that the head is read after decryption.
func RecordHeads(tr *http.Transport) {
	dial := tr.DialContext
	if dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &headConn{Conn: c}, nil
	}
	base := tr.TLSClientConfig
	tr.ForceAttemptHTTP2 = false
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{}
		if base != nil {
			cfg = base.Clone()
		}
		cfg.NextProtos = []string{"http/1.1"}
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			cfg.ServerName = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return &headConn{Conn: tc}, nil
	}
}

// headTrace follows which connection a request goes out on (the last, when an
// authentication handshake sends it more than once), so that its answer's head can be
// read back.
type headTrace struct {
	mu   sync.Mutex
	conn *headConn
	// watch and requestClose go to the connection the request gets (closes.go).
	watch        *connWatch
	requestClose bool
}

func (t *headTrace) context(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			hc, ok := info.Conn.(*headConn)
			if ok {
				hc.begin()
				hc.mu.Lock()
				hc.watch, hc.requestClose = t.watch, t.requestClose
				hc.mu.Unlock()
			}
			t.mu.Lock()
			t.conn = hc
			t.mu.Unlock()
		},
	})
}

// head is the head of the answer as read; kept is false when the client does not keep
// heads, whole when the head arrived to its blank line.
func (t *headTrace) head() (head []byte, whole, kept bool) {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return nil, false, false
	}
	head, whole = c.head()
	return head, whole, true
}
