package suites

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// X1 out of band: an echo is not needed to prove that a target expands external entities.
// The probe's entity names a URL on a listener of the run's own, and a request for it is
// the proof, whatever the answer says: a server that expands the entity fetches it while it
// reads the request, even if it never quotes what it read. The listener's address is
// Config.CanaryAddr (--canary-addr): by default a free port on 127.0.0.1, which a target on
// this host (the embedded server, a server under test beside the harness) reaches; a
// remote target needs an address it can reach this host at.

// DefaultCanaryAddr is where the canary listens when no address is configured.
const DefaultCanaryAddr = "127.0.0.1:0"

// canaryGrace is how long after the answer the probe still waits for a fetch: a server
// that reads the request in the background may fetch after it answered.
const canaryGrace = 300 * time.Millisecond

// canaryPath starts the path of every canary URL; the token follows it.
const canaryPath = "/umconform-canary-"

// canaryServer is the run's canary listener, shared by the probes of both APIs while any
// is in flight.
type canaryServer struct {
	addr string // configured: HOST:PORT

	mu      sync.Mutex
	users   int
	srv     *http.Server
	base    string               // http://HOST:PORT, as named in the entity
	fetches map[string]string    // token → who fetched it, once it was
	waiters map[string]chan bool // token → closed at its fetch
}

// ValidCanaryAddr says whether addr is a HOST:PORT the canary can name and listen on.
func ValidCanaryAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT: %w", addr, err)
	}
	if host == "" || port == "" {
		return fmt.Errorf("%q: give the host the target reaches this machine at and a port (0 for any free one)", addr)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return fmt.Errorf("%q: name the address the target reaches this machine at, not %s (the canary listens on every interface when the host is not a loopback address)", addr, host)
	}
	return nil
}

// canaries are the canary servers by address: the targets of one run share one, as the
// probes of one target's two APIs do.
var (
	canariesMu sync.Mutex
	canaries   = map[string]*canaryServer{}
)

// canaryAt is the canary server of addr.
func canaryAt(addr string) *canaryServer {
	canariesMu.Lock()
	defer canariesMu.Unlock()
	c, ok := canaries[addr]
	if !ok {
		c = &canaryServer{addr: addr}
		canaries[addr] = c
	}
	return c
}

// acquire starts the listener if none runs, and counts a user.
func (c *canaryServer) acquire() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users > 0 {
		c.users++
		return nil
	}
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("canary address %q: %w", c.addr, err)
	}
	listen := c.addr
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		// The target names HOST; behind a NAT or by a host name, the address may not be
		// one of this machine's: every interface listens.
		listen = net.JoinHostPort("", port)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("the X1 canary cannot listen on %s (--canary-addr): %w", listen, err)
	}
	_, actual, _ := net.SplitHostPort(ln.Addr().String())
	c.base = "http://" + net.JoinHostPort(host, actual)
	c.fetches, c.waiters = map[string]string{}, map[string]chan bool{}
	srv := &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 5 * time.Second}
	c.srv = srv
	go func() { _ = srv.Serve(ln) }() // srv, not c.srv: release may clear it first
	c.users = 1
	return nil
}

// release counts a user out, and stops the listener after the last.
func (c *canaryServer) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users--; c.users == 0 && c.srv != nil {
		_ = c.srv.Close()
		c.srv = nil
	}
}

// serve records a fetch of a canary URL, and answers it with a word that means nothing.
func (c *canaryServer) serve(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.URL.Path, canaryPath)
	if !ok {
		http.NotFound(w, r)
		return
	}
	c.mu.Lock()
	if ch, known := c.waiters[token]; known {
		if _, done := c.fetches[token]; !done {
			c.fetches[token] = fmt.Sprintf("%s %s from %s (User-Agent %q)", r.Method, r.URL.Path, r.RemoteAddr, r.UserAgent())
			close(ch)
		}
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("umconform"))
}

// watch makes a URL for a new token and starts waiting for its fetch.
func (c *canaryServer) watch(token string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiters[token] = make(chan bool)
	return c.base + canaryPath + token
}

// fetched waits up to grace for token's fetch, and says who made it.
func (c *canaryServer) fetched(ctx context.Context, token string, grace time.Duration) (string, bool) {
	c.mu.Lock()
	ch := c.waiters[token]
	c.mu.Unlock()
	if ch == nil {
		return "", false
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	who, ok := c.fetches[token]
	return who, ok
}

// canaryURLProbe is X1's out-of-band probe for api: an external entity naming a canary URL,
// placed where api's answers may quote it (xxeRequest). A fetch fails X1 whatever the
// answer.
func (e *Env) canaryURLProbe(api callAPI) (hostile, error) {
	c := e.canary
	if err := c.acquire(); err != nil {
		return hostile{}, &TransportError{Kind: "setup", Err: err}
	}
	token, err := randomHex(16)
	if err != nil {
		c.release()
		return hostile{}, err
	}
	uri := c.watch(token)
	h := hostile{f: xxeRequest(api, "xxe-canary-url", uri), cleanup: c.release}
	h.judge = func(ex *Exchange) Outcome {
		if who, ok := c.fetched(context.Background(), token, canaryGrace); ok {
			return fail("no fetch of "+uri+", the URL the request's external entity names",
				"the target fetched it while reading the request: "+who, "the run's canary listener ("+c.base+")")
		}
		if o, stop := transportProblem(ex); stop {
			return o
		}
		note := "no fetch of the canary URL " + uri
		if host, _, _ := net.SplitHostPort(strings.TrimPrefix(c.base, "http://")); isLoopback(host) && !isLoopback(api.sender.Target.Hostname()) {
			note += "; the canary listens on a loopback address, which a remote target cannot reach: set --canary-addr to an address of this machine that the target reaches"
		}
		return pass(note)
	}
	return h, nil
}
