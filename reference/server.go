package reference

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Endpoint paths: Exchange 2010+ and Exchange 2007 (spec: Transport).
const (
	LegacyPath = "/EWS/UM2007Legacy.asmx"
	Path2007   = "/UnifiedMessaging/Service.asmx"
)

// Defaults applied to zero Options fields.
const (
	DefaultFQDN            = "um.umconform.test"
	DefaultStep            = 100 * time.Millisecond
	DefaultCallTTL         = 10 * time.Minute
	DefaultMaxCalls        = 10000
	DefaultMaxRequestBytes = 256 << 10
)

// slowDelay is how long the X2 and X5 profiles stall: beyond any sensible client timeout,
// and cut short when the client gives up so that nothing leaks.
const slowDelay = time.Minute

// Exchange exception names used in faults. OverPlayOnPhoneCallLimitException is Exchange's
// name for the call cap; it is not in MS-OXWUMS 2.2.3.1's list but is coded the same way.
const (
	excInvalidCallID   = "InvalidCallIdException"
	excInvalidObjectID = "InvalidObjectIdException"
	excDialingRules    = "DialingRulesException"
	excCallLimit       = "OverPlayOnPhoneCallLimitException"
)

// Options configure a reference server; zero fields take the Default… values.
type Options struct {
	Profile         string // profile name, see Profiles; "" is the correct profile
	FQDN            string // server name inside CallIds
	Step            time.Duration
	CallTTL         time.Duration
	MaxCalls        int
	MaxRequestBytes int64
	Now             func() time.Time // clock for the call engine; time.Now by default
	// Items are the voice mail items the mailbox holds, by id; DefaultEntryID always.
	Items []string
	// Users, when set, turns on the authentication mode (auth.go): user name to password.
	// Every request then needs Basic credentials of one of them, and each call belongs to
	// the user who placed it.
	Users map[string]string
}

type handler struct {
	prof      Profile
	b         behaviour
	eng       *engine
	now       func() time.Time
	maxBytes  int64
	slowDelay time.Duration
	// ewsIssued holds the PhoneCallIds EWS PlayOnPhone issued, kept only by the profile
	// whose EWS view of the other API's calls is stale (E14).
	ewsIssued sync.Map
	ewsCalls  ewsCalls
	// items are the ids of the voice mail items the mailbox holds: EWS PlayOnPhone answers
	// ErrorItemNotFound for a well-formed ItemId that names none of them.
	items map[string]bool
	// users are the accounts of the authentication mode; nil serves everyone (auth.go).
	users map[string]string
}

// NewHandler returns the reference server as an http.Handler serving both endpoint paths.
func NewHandler(opts Options) (http.Handler, error) {
	return newHandler(opts)
}

func newHandler(opts Options) (*handler, error) {
	p, err := LookupProfile(opts.Profile)
	if err != nil {
		return nil, err
	}
	if opts.FQDN == "" {
		opts.FQDN = DefaultFQDN
	}
	if strings.ContainsAny(opts.FQDN, "| \t\r\n") || len(opts.FQDN) > 255 {
		return nil, fmt.Errorf("fqdn %q: must be a host name of at most 255 characters", opts.FQDN)
	}
	if opts.Step < 0 || opts.CallTTL < 0 || opts.MaxCalls < 0 || opts.MaxRequestBytes < 0 {
		return nil, errors.New("options: Step, CallTTL, MaxCalls and MaxRequestBytes must not be negative")
	}
	if opts.Step == 0 {
		opts.Step = DefaultStep
	}
	if opts.CallTTL == 0 {
		opts.CallTTL = DefaultCallTTL
	}
	if opts.MaxCalls == 0 {
		opts.MaxCalls = DefaultMaxCalls
	}
	if opts.MaxRequestBytes == 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	for u, pw := range opts.Users {
		if u == "" || pw == "" || strings.Contains(u, ":") {
			return nil, errors.New("options: every user needs a name without a colon and a password")
		}
	}
	items := map[string]bool{DefaultEntryID: true}
	for _, id := range opts.Items {
		items[id] = true
	}
	return &handler{
		prof:      p,
		b:         p.b,
		eng:       newEngine(opts.FQDN, opts.Step, opts.CallTTL, opts.MaxCalls, p.b.pol),
		now:       opts.Now,
		maxBytes:  opts.MaxRequestBytes,
		slowDelay: slowDelay,
		items:     items,
		users:     maps.Clone(opts.Users),
	}, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.front(w, r) { // httpfront.go
		return
	}
	user, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), userKey{}, user))
	if serveBeside(w, r) {
		return
	}
	// Both APIs share the transport rules, the SOAP mechanism and the call engine; only
	// their endpoint values differ (endpoint.go).
	api := endpointAt(r.URL.Path)
	if api == nil {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.serveGet(w, r, api)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed: the UM web service takes SOAP requests by POST", http.StatusMethodNotAllowed)
		return
	}
	if !h.acceptsContentType(r.Header.Get("Content-Type")) {
		h.transportRefusal()
		if h.b.mediaType405 { // T8's profile: a 405 that does not say which methods are allowed
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		http.Error(w, "unsupported media type: send the SOAP 1.1 envelope as text/xml", http.StatusUnsupportedMediaType)
		return
	}
	limit := h.maxBytes
	if api.hostile(&h.b).noSizeLimit {
		limit = 1 << 40
	}
	if r.ContentLength > limit {
		h.transportRefusal()
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		h.transportRefusal()
		http.Error(w, "cannot read the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(body)) > limit {
		h.transportRefusal()
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if h.misbehaves(w, r, api, body) {
		return
	}
	body = asHTTPSays(body, &h.b) // the declaration's encoding is ignored (R1019): soapmodel.go
	status, resp := h.serveSOAP(r.Context(), api, body)
	h.write(w, status, h.compress(w, r, resp))
}

// transportRefusal lets the X3 profiles count 413/415 refusals as malformed requests too,
// at either endpoint.
func (h *handler) transportRefusal() {
	if h.b.hostile.poisonAfterMalformed {
		h.eng.poison()
	}
	if h.b.ews.hostile.poisonAfterMalformed {
		h.ewsCalls.malformed()
	}
}

// acceptsContentType compares the media type case-insensitively and ignores parameters
// (spec: Transport). application/soap+xml is SOAP 1.2's media type and is refused (T4).
func (h *handler) acceptsContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "text/xml" || (h.b.acceptSOAP12 && mt == "application/soap+xml")
}

func (h *handler) write(w http.ResponseWriter, status int, body []byte) {
	ct := "text/xml; charset=utf-8"
	if h.b.contentType != "" {
		ct = h.b.contentType
	}
	if h.b.latin1Charset {
		ct = "text/xml; charset=iso-8859-1"
	}
	if h.b.processingInstruction && w.Header().Get("Content-Encoding") == "" {
		body = withProcessingInstruction(body)
	}
	if h.b.xmlPrefixDeclared && w.Header().Get("Content-Encoding") == "" {
		body = withXMLPrefixDeclared(body)
	}
	if h.b.lengthAndChunked && h.writeRaw(w, status, ct, body) {
		return
	}
	w.Header().Set("Content-Type", ct)
	if h.b.doubleContentType {
		w.Header().Add("Content-Type", ct)
	}
	length := len(body)
	if h.b.truncateFaults && status == http.StatusInternalServerError {
		length += 32 // net/http closes the connection when the handler writes less
	}
	w.Header().Set("Content-Length", strconv.Itoa(length))
	if h.b.lengthAndChunked { // a recorder (the package's tests) keeps both fields
		w.Header().Set("Transfer-Encoding", "chunked")
	}
	w.Header().Set("Cache-Control", "private")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may be gone; nothing useful to do about it
}

// withProcessingInstruction puts a processing instruction after the XML declaration (T5's
// profile), or first when there is none.
func withProcessingInstruction(body []byte) []byte {
	const pi = `<?umconform-trace step="1"?>`
	at := 0
	if bytes.HasPrefix(body, []byte("<?xml")) {
		if end := bytes.Index(body, []byte("?>")); end >= 0 {
			at = end + 2
		}
	}
	return append(append(append([]byte(nil), body[:at]...), pi...), body[at:]...)
}

// withXMLPrefixDeclared declares the xml prefix on the body's Envelope (T10's profile): the
// first start tag after the XML declaration.
func withXMLPrefixDeclared(body []byte) []byte {
	const decl = ` xmlns:xml="http://www.w3.org/XML/1998/namespace"`
	from := 0
	if bytes.HasPrefix(body, []byte("<?xml")) {
		if end := bytes.Index(body, []byte("?>")); end >= 0 {
			from = end + 2
		}
	}
	i := bytes.IndexByte(body[from:], '<')
	if i < 0 {
		return body
	}
	at := from + i + 1
	for at < len(body) && body[at] != ' ' && body[at] != '>' && body[at] != '/' {
		at++
	}
	return append(append(append([]byte(nil), body[:at]...), decl...), body[at:]...)
}

// writeRaw writes the answer on the hijacked connection, chunked with a Content-Length
// besides (T7's profile): net/http sends no such answer. It reports false when the
// ResponseWriter cannot be hijacked.
func (h *handler) writeRaw(w http.ResponseWriter, status int, ct string, body []byte) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return false
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n%x\r\n",
		status, http.StatusText(status), ct, len(body), len(body))
	_, _ = rw.Write(body)
	_, _ = rw.WriteString("\r\n0\r\n\r\n")
	_ = rw.Flush()
	return true
}

// stall waits for the slow profiles, but no longer than the client does.
func (h *handler) stall(ctx context.Context) {
	t := time.NewTimer(h.slowDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
