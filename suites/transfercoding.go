package suites

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"slices"
	"strings"
	"time"
)

// Transfer codings other than chunked (RFC 9112 sections 6.1 and 7). A server may apply
// gzip or deflate as a transfer coding: "Transfer-Encoding: gzip, chunked" is legal HTTP/1.1
// (chunked comes last and ends the message), and so is "Transfer-Encoding: gzip" on a
// response that ends when the server closes the connection. No rule has a server ask for a
// TE header first: TE says which codings besides chunked a client accepts, and a server that
// sends another takes the risk that the client cannot read it. Go's client refuses any
// Transfer-Encoding but a sole "chunked" before it reads a body, so the run's transport
// (RecordHeads) rewrites the head it hands to Go's client: the codings before a final chunked
// leave it ("Transfer-Encoding: chunked" stays), and a list that does not end in chunked
// leaves it whole (Go then reads the body to the connection's close); Sender.post undoes
// the codings it took out (undoTransferCodings; docs/PROTOCOL.md D14). The head the rules judge is the one as
// sent (wire.go keeps the bytes read, not the rewritten ones).
//
// T7 judges RFC 9112 section 6.1's rule for responses: with a coding other than chunked,
// either chunked comes last or the connection closes to end the message. A server that
// sends such a body without a final chunked and keeps the connection open never ends its
// message: T7 fails when a gzip or deflate body's stream has ended and the connection has
// not closed closeWait later (readToClose), or when the body has not ended by --timeout.

// transferHead is what headConn took out of the head of the response being read.
type transferHead struct {
	// scanning: the head of the answer to the request last sent has not fully arrived;
	// acc holds what of it has, out the rewritten bytes Go's client has yet to read.
	scanning bool
	acc, out []byte
	// codings are the transfer codings taken out of the final head, in the order applied;
	// untilClose: the list did not end in chunked, so the body ends at the close.
	codings    []string
	untilClose bool
}

// Read reads the connection for Go's client. The head of each answer (after begin) is
// gathered whole and handed on rewritten (rewriteTransferEncoding); what was read is kept
// as it came (keep). Whether a head is awaited is asked when bytes come, not before the
// read: Go's client has a read pending on an idle connection before the next request
// begins.
func (c *headConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if t := &c.tc; len(t.out) > 0 {
		n := copy(p, t.out)
		t.out = t.out[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	for {
		n, err := c.Conn.Read(p)
		c.mu.Lock()
		c.keep(p[:n])
		t := &c.tc
		if !t.scanning {
			c.mu.Unlock()
			if n == 0 && err != nil {
				c.closed(err)
			}
			return n, err
		}
		t.acc = append(t.acc, p[:n]...)
		t.cut()
		if !t.scanning { // a final head came: on a connection an earlier answer left open?
			c.lastHead, _ = finalHead(c.buf)
			c.answers++
			if c.answers > 1 && c.watch != nil {
				c.watch.kept()
			}
		}
		if err != nil && t.scanning { // the connection ended inside a head: hand what came
			t.out, t.acc, t.scanning = append(t.out, t.acc...), nil, false
		}
		if len(t.out) > 0 {
			m := copy(p, t.out)
			t.out = t.out[m:]
			more := len(t.out) > 0
			c.mu.Unlock()
			if more {
				return m, nil
			}
			return m, err
		}
		c.mu.Unlock()
		if err != nil {
			c.closed(err)
			return 0, err
		}
		// the head has not all come: read on
	}
}

// cut moves the heads complete in acc to out: interim (1xx) ones as they are, the final
// one rewritten, and stops scanning after it. A head over headLimit is passed on as it is:
// Go's client refuses it (MaxResponseHeaderBytes).
func (t *transferHead) cut() {
	for t.scanning {
		end := headEnd(t.acc)
		if end < 0 {
			if len(t.acc) > headLimit {
				t.out, t.acc, t.scanning = append(t.out, t.acc...), nil, false
			}
			return
		}
		h := t.acc[:end]
		if interim(h) {
			t.out = append(t.out, h...)
			t.acc = t.acc[end:]
			continue
		}
		var rewritten []byte
		rewritten, t.codings, t.untilClose = rewriteTransferEncoding(h)
		t.out = append(append(t.out, rewritten...), t.acc[end:]...)
		t.acc, t.scanning = nil, false
	}
}

// rewriteTransferEncoding takes out of a head the transfer codings Go's client does not
// read: those before a final chunked (Transfer-Encoding: chunked stays), or the whole list
// when it does not end in chunked (untilClose). A head with no Transfer-Encoding, or with
// chunked alone, is returned as it is.
func rewriteTransferEncoding(h []byte) (head []byte, codings []string, untilClose bool) {
	lines := bytes.SplitAfter(h, []byte("\n"))
	var all []string
	var teLines []int
	for i, line := range lines[1:] {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !strings.EqualFold(string(name), "Transfer-Encoding") {
			continue
		}
		teLines = append(teLines, i+1)
		for _, c := range strings.Split(string(value), ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
				all = append(all, c)
			}
		}
	}
	if len(all) == 0 || len(all) == 1 && all[0] == "chunked" && len(teLines) == 1 {
		return h, nil, false
	}
	last := all[len(all)-1] == "chunked"
	codings = all
	if last {
		codings = all[:len(all)-1]
	}
	var out bytes.Buffer
	for i, line := range lines {
		switch {
		case len(teLines) > 0 && i == teLines[0] && last:
			out.WriteString("Transfer-Encoding: chunked\r\n")
		case slices.Contains(teLines, i):
		default:
			out.Write(line)
		}
	}
	return out.Bytes(), codings, !last
}

// transferCodings is what the head of the answer last read took out: the codings to undo,
// and whether the body ends at the close.
func (c *headConn) transferCodings() ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tc.codings, c.tc.untilClose
}

// transferCodings is what the transport took out of the answer's head (see above).
func (t *headTrace) transferCodings() ([]string, bool) {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return nil, false
	}
	return c.transferCodings()
}

// closeWait is how long, once a body ended by the close has reached the end of its last
// coding (gzip and deflate streams say where they end), the connection has to close.
const closeWait = 500 * time.Millisecond

// readToClose reads a body that ends at the connection's close. When its last transfer
// coding is gzip or deflate, whose streams end themselves, it stops at their end and gives
// the connection closeWait to close: open says it did not, and the message has no end. A
// body in another coding is read to the close (or the timeout).
func readToClose(body io.Reader, codings []string) (raw []byte, open bool, err error) {
	last := ""
	if len(codings) > 0 {
		last = codings[len(codings)-1]
	}
	var buf bytes.Buffer
	tee := io.TeeReader(io.LimitReader(body, maxResponseBytes+1), &buf)
	var dec io.Reader
	switch last {
	case "gzip", "x-gzip":
		zr, zerr := gzip.NewReader(bufio.NewReaderSize(tee, 16)) // little read ahead past the stream
		if zerr != nil {
			return buf.Bytes(), false, zerr
		}
		zr.Multistream(false)
		dec = zr
	case "deflate":
		dec = flate.NewReader(bufio.NewReaderSize(tee, 16))
	default:
		raw, err = readBody(body, -1)
		return raw, false, err
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(dec, maxResponseBytes+1)); err != nil {
		return buf.Bytes(), false, err
	}
	// The stream ended: the connection should close now.
	done := make(chan error, 1)
	var rest []byte
	go func() {
		var err error
		rest, err = readBody(body, -1)
		done <- err
	}()
	select {
	case err := <-done:
		return append(buf.Bytes(), rest...), false, err
	case <-time.After(closeWait):
		if c, ok := body.(io.Closer); ok {
			c.Close() // the connection goes, and the read with it
		}
		<-done
		return buf.Bytes(), true, nil
	}
}

// undoTransferCodings decodes a body read with the codings the transport took out of its
// head, the last applied first. A body that was to end at the close fails T7 (RFC 9112
// section 6.1) when the connection stayed open after its end (open) or it had not ended by
// the timeout. A body whose stream ended (open) is whole: it is the answer, judged by every
// other rule, and never asked again (a PlayOnPhone asked again places another call). One
// that had not ended by the timeout is no answer; it counts as one for the breaker
// (malformed): the target answers.
func undoTransferCodings(ex *Exchange, codings []string, untilClose, open bool) {
	if len(codings) == 0 && !untilClose {
		return
	}
	list := strings.Join(codings, ", ")
	noEnd := func(what string) finding {
		return finding{id: "T7", expected: "a transfer coding other than chunked followed by chunked, or the connection closed to end the message (RFC 9112 section 6.1)",
			actual: fmt.Sprintf("Transfer-Encoding %q does not end with chunked, and %s", list, what),
			where:  "response header field Transfer-Encoding and the connection"}
	}
	var te *TransportError
	if timedOut := ex.Err != nil && errors.As(ex.Err, &te) && te.Kind == "timeout"; untilClose && timedOut {
		f := noEnd(fmt.Sprintf("the connection stayed open: the message had not ended after %v (%d bytes)", ex.Timeout, len(ex.Body)))
		malformed(ex, []finding{f}, errors.New("a body without a final chunked on a connection that stays open"))
		return
	}
	if untilClose && open {
		ex.findings = append(ex.findings, noEnd(fmt.Sprintf("the connection stayed open %v after the body's end", closeWait)))
	}
	if ex.Err != nil {
		return
	}
	body := ex.Body
	for i := len(codings) - 1; i >= 0; i-- {
		var err error
		switch codings[i] {
		case "gzip", "x-gzip", "deflate":
			body, err = decode(codings[i], body)
		case "chunked": // applied before another coding: the connection's close ended it
			body, err = readBody(httputil.NewChunkedReader(bufio.NewReader(bytes.NewReader(body))), -1)
		default:
			err = fmt.Errorf("umconform reads the transfer codings chunked, gzip and deflate")
		}
		if err == nil && len(body) > maxResponseBytes {
			err = fmt.Errorf("it decodes to over %d bytes", maxResponseBytes)
		}
		if err != nil {
			ex.Err = &TransportError{Kind: "other", Err: fmt.Errorf("the body in transfer coding %q (Transfer-Encoding %q) cannot be read: %w", codings[i], list, err)}
			return
		}
	}
	ex.Body, ex.BodyBytes = body, int64(len(body))
}

// keep records bytes read off the connection for the head as sent, and when the last came;
// c.mu is held.
func (c *headConn) keep(b []byte) {
	if len(b) > 0 {
		c.lastByte = time.Now()
	}
	if room := headLimit - len(c.buf); room > 0 {
		c.buf = append(c.buf, b[:min(len(b), room)]...)
	}
}

var _ net.Conn = (*headConn)(nil)
