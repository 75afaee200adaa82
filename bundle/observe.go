package bundle

import (
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Observer records what each endpoint says about itself (its HTTP Server header and EWS
// ServerVersionInfo SOAP header) from the answers a run receives anyway: a real target is
// someone's production system, and no request is made just to ask it.
type Observer struct {
	mu        sync.Mutex
	endpoints map[string]*observed
}

type observed struct {
	responses int
	server    map[string]bool
	versions  map[string]ServerVersion
}

// Limits that keep a hostile target from filling the manifest: the distinct values kept per
// endpoint, their length, and how much of each body is looked at (the SOAP Header, where
// ServerVersionInfo is, comes first).
const (
	maxDistinct   = 8
	maxValueLen   = 200
	maxPeek       = 8 << 10
	maxEndpoints  = 16
	maxAttributes = 8
)

// NewObserver returns an Observer that has seen nothing.
func NewObserver() *Observer { return &Observer{endpoints: map[string]*observed{}} }

// Wrap returns a RoundTripper that records every answer of next. It must sit above any
// authentication, so that it never sees a credential; it records no request header at all.
func (o *Observer) Wrap(next http.RoundTripper) http.RoundTripper {
	return &observing{o: o, next: next}
}

type observing struct {
	o    *Observer
	next http.RoundTripper
}

// CloseIdleConnections passes on to the transport, as http.Client.CloseIdleConnections
// expects of its transport: the run hangs up its idle connections when it ends.
func (t *observing) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *observing) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp == nil {
		return resp, err
	}
	o := t.o
	key := endpointKey(r)
	o.mu.Lock()
	e := o.endpoints[key]
	if e == nil && len(o.endpoints) < maxEndpoints {
		e = &observed{server: map[string]bool{}, versions: map[string]ServerVersion{}}
		o.endpoints[key] = e
	}
	if e != nil {
		e.responses++
		for _, v := range resp.Header.Values("Server") {
			if len(e.server) < maxDistinct {
				e.server[clip(v)] = true
			}
		}
	}
	o.mu.Unlock()
	if e != nil && resp.Body != nil {
		resp.Body = &peekBody{ReadCloser: resp.Body, done: func(b []byte) { o.sawBody(key, b) }}
	}
	return resp, nil
}

// endpointKey is the URL without query or user information.
func endpointKey(r *http.Request) string {
	u := *r.URL
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// peekBody keeps the first maxPeek bytes its reader reads, and hands them over once, when
// it is closed or read to its end. It changes nothing of what the reader sees.
type peekBody struct {
	io.ReadCloser
	buf  []byte
	done func([]byte)
	once sync.Once
}

func (p *peekBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	if room := maxPeek - len(p.buf); room > 0 {
		p.buf = append(p.buf, b[:min(n, room)]...)
	}
	if err == io.EOF {
		p.finish()
	}
	return n, err
}

func (p *peekBody) Close() error {
	p.finish()
	return p.ReadCloser.Close()
}

func (p *peekBody) finish() { p.once.Do(func() { p.done(p.buf) }) }

var (
	serverVersionRE = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?ServerVersionInfo\b([^<>]*)>`)
	attributeRE     = regexp.MustCompile(`([A-Za-z_][\w.:-]*)\s*=\s*"([^"]*)"`)
)

// sawBody records the ServerVersionInfo header of one answer, namespace declarations left out.
func (o *Observer) sawBody(key string, body []byte) {
	m := serverVersionRE.FindSubmatch(body)
	if m == nil {
		return
	}
	v := ServerVersion{}
	for _, a := range attributeRE.FindAllSubmatch(m[1], -1) {
		name := string(a[1])
		if name == "xmlns" || strings.HasPrefix(name, "xmlns:") || len(v) >= maxAttributes {
			continue
		}
		v[clip(name)] = clip(string(a[2]))
	}
	id := v.String()
	o.mu.Lock()
	defer o.mu.Unlock()
	if e := o.endpoints[key]; e != nil && len(e.versions) < maxDistinct {
		e.versions[id] = v
	}
}

// String is the header's attributes as name="value" pairs in name order.
func (v ServerVersion) String() string {
	names := make([]string, 0, len(v))
	for n := range v {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n + `="` + v[n] + `"`)
	}
	return b.String()
}

// Endpoints returns what was seen, by URL.
func (o *Observer) Endpoints() []Endpoint {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []Endpoint{}
	for url, e := range o.endpoints {
		ep := Endpoint{URL: url, Responses: e.responses, Server: []string{}, ServerVersionInfo: []ServerVersion{}}
		for s := range e.server {
			ep.Server = append(ep.Server, s)
		}
		sort.Strings(ep.Server)
		var ids []string
		for id := range e.versions {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			ep.ServerVersionInfo = append(ep.ServerVersionInfo, e.versions[id])
		}
		out = append(out, ep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// clip bounds a value a target chose and keeps it printable.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > maxValueLen {
		s = strings.ToValidUTF8(s[:maxValueLen], "") + "…"
	}
	return s
}
