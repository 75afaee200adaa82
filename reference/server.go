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
	// The EWS endpoint shares the transport rules and the call engine; only its messages
	// differ (ews.go).
	ews := strings.EqualFold(r.URL.Path, EWSPath)
	if h.serveEWSSchema(w, r) {
		return
	}
	if !ews && !strings.EqualFold(r.URL.Path, LegacyPath) && !strings.EqualFold(r.URL.Path, Path2007) {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if ews {
			h.serveEWSGet(w, r)
		} else {
			h.serveGet(w, r)
		}
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
	if h.b.noSizeLimit || (ews && h.b.ews.noSizeLimit) {
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
	if h.misbehaves(w, r, ews, body) {
		return
	}
	body = asHTTPSays(body, &h.b) // the declaration's encoding is ignored (R1019): soapmodel.go
	handle := h.handleSOAP
	if ews {
		handle = h.handleEWS
	}
	status, resp := handle(r.Context(), body)
	h.write(w, status, h.compress(w, r, resp))
}

// transportRefusal lets the X3 profile count 413/415 refusals as malformed requests too.
func (h *handler) transportRefusal() {
	if h.b.poisonAfterMalformed {
		h.eng.poison()
	}
	if h.b.ews.poisonAfterMalformed {
		h.ewsCalls.mu.Lock()
		h.ewsCalls.poisoned++
		h.ewsCalls.mu.Unlock()
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

// handleSOAP answers one POSTed SOAP body with a status and an envelope.
func (h *handler) handleSOAP(ctx context.Context, body []byte) (int, []byte) {
	root, rf := parseEnvelope(body, &h.b)
	var op *element
	if rf == nil {
		op, rf = envelopeOperation(root, &h.b)
	}
	if rf == nil {
		return h.dispatch(ctx, op)
	}
	if rf.doctype && h.b.slowOnDoctype {
		h.stall(ctx)
	}
	return h.requestFault(rf)
}

func (h *handler) requestFault(rf *requestFault) (int, []byte) {
	if h.b.poisonAfterMalformed {
		h.eng.poison()
	}
	if rf.malformed && h.b.dispatchErrorsSucceed {
		return http.StatusOK, renderEmpty(&h.b)
	}
	return rf.dressed(h.fault(rf.code, "", rf.msg))
}

func (h *handler) fault(code, exception, msg string) (int, []byte) {
	status := http.StatusInternalServerError
	if h.b.faultStatus200 {
		status = http.StatusOK
	}
	return status, renderFault(&h.b, code, exception, msg)
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

func (h *handler) dispatch(ctx context.Context, op *element) (int, []byte) {
	if op.name.Space != MessagesNamespace && !h.b.ignoreNamespace {
		return h.requestFault(&requestFault{code: "Client",
			msg: fmt.Sprintf("operation element {%s}%s is not in the namespace %s", op.name.Space, op.name.Local, MessagesNamespace)})
	}
	switch op.name.Local {
	case "PlayOnPhone":
		return h.playOnPhone(ctx, op)
	case "GetCallInfo":
		return h.getCallInfo(ctx, op)
	case "Disconnect":
		return h.disconnect(ctx, op)
	}
	return h.requestFault(&requestFault{code: "Client", msg: "unknown operation " + op.name.Local, malformed: true})
}

// one returns the single text value of a required argument, or false when it is missing,
// repeated or has element content.
func one(vals []*string) (string, bool) {
	if len(vals) != 1 || vals[0] == nil {
		return "", false
	}
	return *vals[0], true
}

// echo quotes a rejected value into a faultstring; only the X1 profile does this, so that
// an expanded entity becomes visible.
func (h *handler) echo(msg, val string) string {
	if !h.b.expandCanary {
		return msg
	}
	return msg + " Value: '" + val + "'."
}

func (h *handler) playOnPhone(ctx context.Context, op *element) (int, []byte) {
	entryID, ok := one(args(op, "entryId", h.b.ignoreNamespace))
	entryOK := ok && validEntryID(entryID)
	dial, ok := one(args(op, "DialString", h.b.ignoreNamespace))
	scenario, dialable := scenarioFor(dial)
	dialable = ok && dialable
	switch {
	case (!entryOK || !dialable) && h.b.badPlayOnPhoneSucceeds:
		scenario, _ = scenarioFor(DefaultDialString)
	case (!entryOK || !dialable) && h.b.genericPlayOnPhoneFault:
		return h.fault("Server", "", "The call could not be placed.")
	case !entryOK:
		return h.fault("", excInvalidObjectID, h.echo("The object identifier isn't valid.", entryID))
	case !dialable:
		return h.fault("", excDialingRules, h.echo("The dial string isn't allowed by the dialing rules.", dial))
	}
	id, err := h.eng.placeFor(scenario, h.now(), userOf(ctx))
	switch {
	case errors.Is(err, errTooManyCalls):
		return h.fault("", excCallLimit, "Too many calls are in progress. Try again later.")
	case err != nil:
		return h.fault("Server", "", "The call could not be placed: "+err.Error())
	}
	return http.StatusOK, renderPlayOnPhone(&h.b, id)
}

func (h *handler) getCallInfo(ctx context.Context, op *element) (int, []byte) {
	id, ok := one(args(op, "CallId", h.b.ignoreNamespace))
	if !ok || !wellFormedCallID(id) {
		if h.b.malformedCallIDSucceeds {
			return http.StatusOK, renderGetCallInfo(&h.b, Phase{State: StateConnected, Cause: CauseNone})
		}
	}
	var p Phase
	err := errInvalidCallID
	if ok && h.mayUse(ctx, id, false) { // another user's call is answered as no call
		p, err = h.eng.info(id, h.now())
	}
	switch {
	case errors.Is(err, errInvalidCallID):
		if h.b.unknownCallIDSucceeds && ok && wellFormedCallID(id) {
			return http.StatusOK, renderGetCallInfo(&h.b, Phase{State: StateConnected, Cause: CauseNone})
		}
		if h.b.slowUnknownCallID && ok && wellFormedCallID(id) { // the lookup hangs; a malformed id needs none
			h.stall(ctx)
		}
		return h.fault("", excInvalidCallID, h.echo("The call identifier isn't valid.", id))
	case errors.Is(err, errPoisoned):
		return h.fault("Server", "", "An internal server error occurred. The operation failed.")
	case err != nil:
		return h.fault("Server", "", err.Error())
	}
	return http.StatusOK, renderGetCallInfo(&h.b, p)
}

func (h *handler) disconnect(ctx context.Context, op *element) (int, []byte) {
	id, ok := one(args(op, "CallId", h.b.ignoreNamespace))
	err := errInvalidCallID
	if ok && h.mayUse(ctx, id, true) {
		err = h.eng.disconnect(id, h.now())
	}
	if err != nil {
		if h.b.disconnectUnknownSucceed {
			return http.StatusOK, renderDisconnect(&h.b)
		}
		if h.b.disconnectWrongException { // L9's profile
			return h.fault("", excInvalidObjectID, h.echo("The call identifier isn't valid.", id))
		}
		msg := h.echo("The call identifier isn't valid.", id)
		if h.b.wrongExceptionType { // C2's profile breaks GetCallInfo's Fault alone
			b := h.b
			b.wrongExceptionType = false
			status, _ := h.fault("", excInvalidCallID, msg)
			return status, renderFault(&b, "", excInvalidCallID, msg)
		}
		return h.fault("", excInvalidCallID, msg)
	}
	return http.StatusOK, renderDisconnect(&h.b)
}

// serveWSDL answers ?wsdl with the description describe makes for the endpoint the client
// used, and reports whether the request asked for it.
func serveWSDL(w http.ResponseWriter, r *http.Request, describe func(location string) []byte) bool {
	for k := range r.URL.Query() {
		if strings.EqualFold(k, "wsdl") {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			body := describe(scheme + "://" + r.Host + r.URL.Path)
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
			return true
		}
	}
	return false
}

// serveGet answers GET like an ASMX endpoint: a short HTML page, or the WSDL for ?wsdl.
func (h *handler) serveGet(w http.ResponseWriter, r *http.Request) {
	if serveWSDL(w, r, wsdl) {
		return
	}
	var page bytes.Buffer
	page.WriteString("<!DOCTYPE html>\n<html><head><title>UM web service</title></head><body>\n")
	page.WriteString("<h1>UM web service (umconform reference server)</h1>\n")
	page.WriteString("<p>Operations: PlayOnPhone, GetCallInfo, Disconnect. POST SOAP 1.1 envelopes as text/xml. ")
	page.WriteString(`The service description is at <a href="?wsdl">?wsdl</a>.</p>` + "\n")
	page.WriteString("<p>Profile: " + h.prof.Name + "</p>\n</body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(page.Len()))
	_, _ = w.Write(page.Bytes())
}
