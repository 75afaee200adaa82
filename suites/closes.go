package suites

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Connections a server closes without saying so (T7, RFC 9112 section 9.6): a server that
// does not keep connections open says "close" in every response but a 1xx, so that a client
// does not send its next request into a connection about to go. A closed connection is
// judged only where a balancer's idle timeout cannot explain it: the server closed it right
// after an HTTP/1.1 answer (within closeGap of its last byte) that had a length, did not
// say "close", and answered a request that did not say "close" either. Balancers drop idle
// connections after seconds or minutes, never as the answer ends. One such close proves
// little (a connection's request limit may have been reached); T7 fails once it happens
// to two answers in a row, with no answer on a kept connection between them: a server that
// closes every connection. It costs no request: the run's own are watched.

// closeGap is how soon after an answer's last byte a close counts as the server's choice.
const closeGap = 250 * time.Millisecond

// connWatch follows, for one endpoint, the connections its server closed silently.
type connWatch struct {
	mu     sync.Mutex
	streak int    // silent closes since an answer last came on a kept connection
	last   string // the status line of the last answer closed so
}

// closedSilently counts a connection the server closed right after an answer, status, that
// did not say "close".
func (w *connWatch) closedSilently(status string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.streak++
	w.last = status
}

// kept says an answer came on a connection that an earlier answer left open.
func (w *connWatch) kept() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.streak = 0
}

// finding is T7's while the server closes connections silently, answer after answer.
func (w *connWatch) finding() (finding, bool) {
	if w == nil {
		return finding{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.streak < 2 {
		return finding{}, false
	}
	return finding{id: "T7", expected: `a server that closes a connection after an answer says "close" in it (Connection: close, RFC 9112 section 9.6)`,
		actual: fmt.Sprintf("the server closed the connection right after each of its last %d answers (the last %q) without Connection: close, though the requests kept it open", w.streak, clip(w.last)),
		where:  "response header field Connection and the connection"}, true
}

// closed is called when the connection's Read met the server's close. c.mu is not held.
func (c *headConn) closed(err error) {
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watch == nil || c.answers == 0 || c.reported || c.requestClose || time.Since(c.lastByte) > closeGap {
		return // before any answer, after one that asked for it, or idle: not this rule
	}
	// The close may meet the next request on its way (Go's client sent it before it saw
	// the close): the answer it follows is the last whole one.
	status, fields, _ := parseHead(c.lastHead)
	version, rest, _ := strings.Cut(status, " ")
	if version != "HTTP/1.1" || strings.HasPrefix(rest, "1") {
		return // HTTP/1.0 closes by default
	}
	framed := false
	for _, f := range fields {
		switch f.name {
		case "Connection":
			if hasToken(f.value, "close") {
				return
			}
		case "Content-Length":
			framed = true
		case "Transfer-Encoding":
			codings := strings.Split(f.value, ",")
			framed = strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
		}
	}
	if !framed && !strings.HasPrefix(rest, "204") && !strings.HasPrefix(rest, "304") {
		return // a body that ends at the close: the close is its framing
	}
	c.reported = true
	c.watch.closedSilently(status)
}

// hasToken tells whether a comma-separated field value lists token, in any case.
func hasToken(value, token string) bool {
	for _, v := range strings.Split(value, ",") {
		if strings.EqualFold(strings.TrimSpace(v), token) {
			return true
		}
	}
	return false
}
