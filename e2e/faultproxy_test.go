package e2e

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// faultProxy is a correct server (the reference server of a profile) behind a proxy that
// injects faults: for each request, fault decides what the proxy does instead of, or
// before, relaying it. It is what a run sees of a real server under load, restarting, or
// behind a balancer that closes idle connections.
type faultProxy struct {
	URL, EWSURL string
	srv         *httptest.Server
	ln          *restartableListener
	requests    atomic.Int32
	pops        atomic.Int32 // PlayOnPhone requests relayed or faulted
	faulted     atomic.Int32
}

// faultFunc sees the n-th request (from 1) and its body; it returns true when it answered
// (or broke the connection) itself, false to relay the request to the server.
type faultFunc func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool

func newFaultProxy(t *testing.T, profile string, fault faultFunc) *faultProxy {
	t.Helper()
	ref, err := reference.Start(context.Background(), reference.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	up, _ := url.Parse(ref.URL())
	relay := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: up.Scheme, Host: up.Host})
	p := &faultProxy{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(p.requests.Add(1))
		if playOnPhone.Match(body) {
			p.pops.Add(1)
		}
		if fault != nil && fault(w, r, body, n) {
			p.faulted.Add(1)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		relay.ServeHTTP(w, r)
	}))
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.ln = &restartableListener{inner: inner, addr: inner.Addr().String()}
	p.ln.cond = sync.NewCond(&p.ln.mu)
	srv.Listener = p.ln
	srv.Start()
	t.Cleanup(func() { p.ln.shutdown(); srv.Close() })
	p.srv = srv
	p.URL, p.EWSURL = srv.URL+reference.LegacyPath, srv.URL+reference.EWSPath
	return p
}

// down closes the listener and every connection for d, so that connecting is refused, as
// while a server restarts, then listens again on the same address.
func (p *faultProxy) down(d time.Duration) {
	p.ln.close()
	p.srv.CloseClientConnections()
	go func() {
		time.Sleep(d)
		p.ln.reopen()
	}()
}

// delayed relays every request, and answers it whole d after the server did: a target
// whose answers are complete but late.
func delayed(d time.Duration) faultFunc {
	return func(w http.ResponseWriter, r *http.Request, body []byte, n int) bool {
		time.Sleep(d)
		return false
	}
}

// reset breaks the connection before any answer byte, with a TCP reset.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// restartableListener is a listener that can stop listening (connections are refused)
// and listen again on the same address, while the http.Server serving it goes on.
type restartableListener struct {
	mu     sync.Mutex
	cond   *sync.Cond
	inner  net.Listener // nil while down
	addr   string
	closed bool // for good
}

func (l *restartableListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		for l.inner == nil && !l.closed {
			l.cond.Wait()
		}
		if l.closed {
			l.mu.Unlock()
			return nil, net.ErrClosed
		}
		inner := l.inner
		l.mu.Unlock()
		c, err := inner.Accept()
		if err == nil {
			return c, nil
		}
		l.mu.Lock()
		stillCurrent := l.inner == inner
		l.mu.Unlock()
		if stillCurrent {
			return nil, err
		}
	}
}

func (l *restartableListener) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner != nil {
		l.inner.Close()
		l.inner = nil
	}
}

func (l *restartableListener) reopen() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.inner != nil {
		return
	}
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return // the port was taken meanwhile: the test sees a dead target
	}
	l.inner = ln
	l.cond.Broadcast()
}

func (l *restartableListener) shutdown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.inner != nil {
		l.inner.Close()
		l.inner = nil
	}
	l.cond.Broadcast()
}

func (l *restartableListener) Close() error { l.shutdown(); return nil }

func (l *restartableListener) Addr() net.Addr {
	a, _ := net.ResolveTCPAddr("tcp", l.addr)
	return a
}

// args run against p as against a real server with both endpoints.
func (p *faultProxy) args(dir string, more ...string) []string {
	return append([]string{"run", "--target", "ref=" + p.URL, "--ews-target", "ref=" + p.EWSURL,
		"--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
		"--report-dir", dir, "--poll-interval", "10ms", "--poll-limit", "20"}, more...)
}
