package suites

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"sync"
	"testing"
)

// listenTCP listens on a free loopback port, runs serve for each connection in a goroutine
// of its own and closes the connection when serve returns; it returns the address. The
// servers written by hand use it to put on the wire what no Go HTTP server would. The test's
// cleanup closes the listener and waits for every serve to return, so that no goroutine
// outlives the test; a serve that waits must stop at t.Context().Done(), which ends before
// the cleanups run.
func listenTCP(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener is closed
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// readRequest reads one request from br: its request line (returned; the HTTP probes'
// servers answer by method), its header fields, and the Content-Length bytes of body, which
// it discards: no server here looks at the body, and on a kept connection the next request
// starts after it. A missing or malformed Content-Length counts as no body.
func readRequest(br *bufio.Reader) (line string, err error) {
	line, _, err = readRequestHead(br)
	return line, err
}

// readRequestHead is readRequest, which also returns the request's header fields (H1's
// probes of a request without Host or with an invalid Content-Length are answered by them).
func readRequestHead(br *bufio.Reader) (line string, h textproto.MIMEHeader, err error) {
	tp := textproto.NewReader(br)
	if line, err = tp.ReadLine(); err != nil {
		return "", nil, err
	}
	if h, err = tp.ReadMIMEHeader(); err != nil {
		return "", nil, err
	}
	n, _ := strconv.Atoi(h.Get("Content-Length"))
	if _, err = io.CopyN(io.Discard, br, int64(n)); err != nil {
		return "", nil, err
	}
	return line, h, nil
}
