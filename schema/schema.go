// Package schema validates UM web service SOAP messages against the project's XSD with libxml2.
package schema

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"

	"github.com/umconform/umconform/api"
)

// Namespaces of the messages this package knows.
const (
	SOAP11Namespace   = "http://schemas.xmlsoap.org/soap/envelope/"
	SOAP12Namespace   = "http://www.w3.org/2003/05/soap-envelope"
	MessagesNamespace = "http://schemas.microsoft.com/exchange/services/2006/messages"
	ErrorsNamespace   = "http://schemas.microsoft.com/exchange/services/2006/errors"
	TypesNamespace    = "http://schemas.microsoft.com/exchange/services/2006/types"
)

// DefaultMaxSize is the largest document Validate parses unless WithMaxSize says otherwise.
const DefaultMaxSize = 10 << 20

// DefaultMaxMarkup is the most '<' and '=' characters (elements, attributes and the like)
// a document may hold for Validate to parse it, unless WithMaxMarkup says otherwise. A UM
// message holds a few dozen. The size limit alone does not bound libxml2: its tree costs
// about 140 bytes an element, so 10 MiB of "<a/>" took 370 MB, and libxml2 2.9 checks an
// element's attributes against each other, so 50 000 attributes on one element took 15 s.
const DefaultMaxMarkup = 4096

//go:embed xsd/*.xsd
var xsdFiles embed.FS

//go:embed xsd/selfcheck-response.xml
var selfCheckResponse []byte

//go:embed xsd/selfcheck-ews-response.xml
var selfCheckEWSResponse []byte

// API names one of the two web services whose messages this package validates (package
// api). Each has its own compiled schema: both declare {messages}PlayOnPhone, with
// different content.
type API = api.API

// The APIs.
const (
	// UM is the Unified Messaging web service (GetCallInfo, PlayOnPhone, Disconnect).
	UM = api.UM
	// EWS is Exchange Web Services' UM operations (PlayOnPhone, GetPhoneCallInformation,
	// DisconnectPhoneCall).
	EWS = api.EWS
)

// entryFiles are the entry files of the APIs' schemas.
var entryFiles = map[API]string{UM: "umconform.xsd", EWS: "ews.xsd"}

// selfCheck is, per API, a documented response its compiled schema must accept.
var selfCheck = map[API]struct {
	doc     []byte
	message string
}{
	UM:  {selfCheckResponse, "GetCallInfoResponse"},
	EWS: {selfCheckEWSResponse, "GetPhoneCallInformationResponse"},
}

// XSD returns the embedded schema files, for users who want to run them elsewhere.
func XSD() fs.FS {
	sub, err := fs.Sub(xsdFiles, "xsd")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder exists
	}
	return sub
}

// Kind says which side of the exchange a document is expected to be.
type Kind string

// The kinds Validate can be asked to check.
const (
	KindAuto     Kind = "auto"
	KindRequest  Kind = "request"
	KindResponse Kind = "response"
)

// ParseKind turns a flag value into a Kind.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindAuto, KindRequest, KindResponse:
		return k, nil
	}
	return "", fmt.Errorf("kind %q: want auto, request or response", s)
}

// Violation is one reason a document is not valid, or one SHOULD-level finding.
type Violation struct {
	Line        int    // 1-based line in the document, 0 when unknown
	Column      int    // 1-based column in characters, 0 when unknown (set for a forbidden character)
	Path        string // node path such as /soap:Envelope/soap:Body/*, empty when unknown
	Message     string
	Requirement string // catalogue ID when the violation maps to one requirement (S3)
}

func (v Violation) String() string {
	path := v.Path
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("%d: %s: %s", v.Line, path, v.Message)
}

// Field is a leaf element below the Body's first child, such as CallState or faultcode.
type Field struct {
	Name string // local name
	Text string
	Line int
}

// Attr is an attribute of the Body's first child or of an element below it, such as an
// EWS ResponseClass or a PhoneCallId's Id.
type Attr struct {
	Element string // local name of the element that carries it
	Name    string // local name
	Value   string
	Line    int
}

// Result is what Validate learnt about one document.
type Result struct {
	Envelope   string // namespace of the root element
	HasBody    bool   // the root has a Body child
	Message    string // local name of the Body's first child: GetCallInfoResponse, Fault, ...
	Namespace  string // namespace of that child
	Fields     []Field
	Violations []Violation // schema and safety violations: the document is invalid
	Findings   []Violation // SHOULD-level findings of a valid document (S3)

	// Attrs are the attributes of the Body's first child and below, in document order.
	Attrs []Attr
	// HeaderBlocks are the SOAP Header's child elements as {namespace}local, such as
	// EWS's {...types}ServerVersionInfo.
	HeaderBlocks []string
	// API is the schema the document was judged against: the Validator's, or with
	// For(Auto) the one api.Detect chose. Empty when the document was refused unparsed.
	API API
}

// Valid reports whether the document had no violation. Findings do not make it invalid.
func (r Result) Valid() bool { return len(r.Violations) == 0 }

// IsFault reports whether the Body holds a SOAP 1.1 Fault.
func (r Result) IsFault() bool { return r.Message == "Fault" && r.Namespace == SOAP11Namespace }

// Value returns the text of the first leaf element with the given local name.
func (r Result) Value(name string) (string, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Text, true
		}
	}
	return "", false
}

// Attr returns the value of the first attribute name carried by an element of the given
// local name.
func (r Result) Attr(element, name string) (string, bool) {
	for _, a := range r.Attrs {
		if a.Element == element && a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Kind tells whether the Body holds a request, a response (or fault), or neither.
func (r Result) Kind() Kind {
	if r.IsFault() {
		return KindResponse
	}
	if r.Namespace != MessagesNamespace {
		return KindAuto
	}
	switch r.Message {
	case "GetCallInfo", "PlayOnPhone", "Disconnect", "GetPhoneCallInformation", "DisconnectPhoneCall":
		return KindRequest
	case "GetCallInfoResponse", "PlayOnPhoneResponse", "DisconnectResponse",
		"GetPhoneCallInformationResponse", "DisconnectPhoneCallResponse":
		return KindResponse
	}
	return KindAuto
}

// documentedEventCauses are the EventCause values the Microsoft Learn reference lists (S3);
// the schema also admits Unavailable, which MS-OXWUMS 3.1.4.3.4.2 and Exchange use.
var documentedEventCauses = map[string]bool{"None": true, "UserBusy": true, "NoAnswer": true, "Other": true}

// Option changes how a Validator works.
type Option func(*Validator)

// WithMaxSize sets the largest document, in bytes, that Validate parses.
func WithMaxSize(n int64) Option { return func(v *Validator) { v.maxSize = n } }

// WithMaxMarkup sets the most '<' and '=' characters a document Validate parses may hold.
func WithMaxMarkup(n int) Option { return func(v *Validator) { v.maxMarkup = n } }

// For validates against api's schema; the default is UM. Auto chooses per document.
func For(api API) Option { return func(v *Validator) { v.api = api } }

// Validator checks documents against the compiled schema. It is safe for concurrent use.
type Validator struct {
	maxSize   int64
	maxMarkup int
	api       API
	ctx       *contexts
	ews       *contexts // with For(Auto): the EWS schema's, beside ctx (UM's)
}

var (
	errValidatorContext = errors.New("libxml2 could not create a schema validation context")

	// compiled holds the compiled schemas of the process, one per API. libxml2
	// initialises itself lazily and not thread-safely, and each compile leaks C memory, so
	// each schema is compiled once, under this lock, and shared read-only afterwards.
	compileMu sync.Mutex
	compiled  = map[API]uintptr{} // xmlSchemaPtr
)

// Load returns a Validator. The first call compiles the embedded schema and proves it by
// validating the documentation's sample response: libxml2 only warns on a failed
// xs:import and would otherwise reject every document. Call Load before starting
// goroutines that validate.
func Load(opts ...Option) (*Validator, error) {
	v := &Validator{maxSize: DefaultMaxSize, maxMarkup: DefaultMaxMarkup, api: UM}
	for _, o := range opts {
		o(v)
	}
	if v.maxSize <= 0 {
		return nil, fmt.Errorf("schema: max size %d: must be positive", v.maxSize)
	}
	if v.maxMarkup <= 0 {
		return nil, fmt.Errorf("schema: max markup %d: must be positive", v.maxMarkup)
	}
	api := v.api
	if api == Auto {
		api = UM
		s, err := compile(EWS)
		if err != nil {
			return nil, err
		}
		v.ews = newContexts(s, 2*runtime.GOMAXPROCS(0))
	}
	s, err := compile(api)
	if err != nil {
		return nil, err
	}
	v.ctx = newContexts(s, 2*runtime.GOMAXPROCS(0))
	return v, nil
}

func compile(api API) (uintptr, error) {
	compileMu.Lock()
	defer compileMu.Unlock()
	if s := compiled[api]; s != 0 {
		return s, nil
	}
	check, ok := selfCheck[api]
	if !ok {
		return 0, fmt.Errorf("schema: unknown API %q: want %q or %q", api, UM, EWS)
	}
	s, err := compileEmbedded(XSD(), entryFiles[api])
	if err != nil {
		return 0, fmt.Errorf("schema: compiling %s: %w", api, err)
	}
	v := &Validator{maxSize: DefaultMaxSize, maxMarkup: DefaultMaxMarkup, api: api, ctx: newContexts(s, 1)}
	if r := v.Validate(check.doc); !r.Valid() || r.Message != check.message {
		freeSchema(s)
		return 0, fmt.Errorf("schema: self-check failed, the compiled %s rejects the documentation's sample response (an xs:import probably did not resolve): %v", api, r.Violations)
	}
	compiled[api] = s
	return s, nil
}

// NotParsed starts the message of a document refused before libxml2 read it because it
// holds too much markup.
const NotParsed = "not parsed:"

// Validate checks one document: size, characters and encoding, no DOCTYPE, markup within
// bounds, well-formedness, the schema, and the SHOULD-level rules a schema cannot grade. It
// never panics on any input, and its memory and time are bounded whatever the input.
func (v *Validator) Validate(doc []byte) Result {
	if int64(len(doc)) > v.maxSize {
		return Result{Violations: []Violation{{Line: 1, Message: fmt.Sprintf("document is %d bytes, over the %d-byte limit", len(doc), v.maxSize)}}}
	}
	// libxml2 stops reading at a NUL: characters XML excludes are refused before it reads.
	if viol := checkChars(doc); viol != nil {
		return Result{Violations: []Violation{*viol}}
	}
	// SOAP 1.1 section 3 forbids a DTD in a message. Refusing it before libxml2 reads it
	// keeps entity declarations, external subsets and expansion bombs out entirely.
	if i := bytes.Index(doc, []byte("<!DOCTYPE")); i >= 0 {
		return Result{Violations: []Violation{{Line: lineAt(doc, i), Message: "a DOCTYPE is not allowed in a SOAP message (SOAP 1.1 section 3); nothing was parsed"}}}
	}
	// Counted in bytes, so a UTF-16 document is counted too (a few other characters may
	// count as well: a bound, not a measure).
	if n := bytes.Count(doc, []byte("<")) + bytes.Count(doc, []byte("=")); n > v.maxMarkup {
		return Result{Violations: []Violation{{Line: 1, Message: fmt.Sprintf("%s the document has %d '<' and '=' characters, over the %d that bound the parser's memory and time (a UM message has a few dozen)", NotParsed, n, v.maxMarkup)}}}
	}
	c, err := v.ctx.get()
	if err != nil {
		return Result{Violations: []Violation{{Message: err.Error()}}}
	}
	defer v.ctx.put(c)
	d, perr := parse(c, doc)
	if perr != nil {
		return Result{Violations: []Violation{*perr}}
	}
	defer freeDoc(d) // the Go GC cannot see libxml2's memory
	return v.check(c, d)
}

// ValidateAs validates doc as a message: its Body must hold a UM request, response or
// Fault (an empty Body is valid SOAP but no message), of the given kind unless KindAuto.
func (v *Validator) ValidateAs(doc []byte, kind Kind) Result {
	r := v.Validate(doc)
	if !r.Valid() {
		return r
	}
	got := r.Kind()
	switch {
	case r.Message == "":
		r.Violations = append(r.Violations, Violation{Line: 1, Message: "the Body holds no message"})
	case got == KindAuto:
		r.Violations = append(r.Violations, Violation{Line: 1, Message: fmt.Sprintf("the Body holds {%s}%s, which is not a UM web service or EWS phone-call message", r.Namespace, r.Message)})
	case kind != KindAuto && got != kind:
		r.Violations = append(r.Violations, Violation{Line: 1, Message: fmt.Sprintf("the Body holds %s, a %s, where a %s was expected", r.Message, got, kind)})
	}
	return r
}

func (v *Validator) check(c *cContext, d uintptr) Result {
	f := readFacts(c, d)
	defer f.free()
	if f.hasDTD() {
		return Result{Violations: []Violation{{Line: 1, Message: "a DOCTYPE is not allowed in a SOAP message (SOAP 1.1 section 3); no entity was expanded"}}}
	}
	var r Result
	f.fill(&r)
	r.API = v.api
	vc := c
	if v.ews != nil { // For(Auto): one parse, validated against the message's own API
		if r.API = api.Detect(r.clues()); r.API == EWS {
			ec, err := v.ews.get()
			if err != nil {
				return Result{Violations: []Violation{{Message: err.Error()}}}
			}
			defer v.ews.put(ec)
			vc = ec
		}
	}
	valid, violations, err := validateDoc(vc, d)
	if err != nil {
		r.Violations = []Violation{{Message: err.Error()}}
		return r
	}
	r.Violations = violations
	if !valid && len(r.Violations) == 0 {
		r.Violations = []Violation{{Message: "libxml2 reported the document invalid without a message"}}
	}
	if r.Envelope == SOAP12Namespace {
		r.Violations = append(r.Violations, Violation{Line: 1, Message: "a SOAP 1.2 envelope; this service speaks SOAP 1.1 (" + SOAP11Namespace + ")"})
	}
	if r.Valid() && r.Message == "GetCallInfoResponse" && r.Namespace == MessagesNamespace {
		r.Findings = eventCauseFindings(r.Fields, f)
	}
	return r
}

func eventCauseFindings(fields []Field, doc facts) []Violation {
	for i, f := range fields {
		if f.Name == "EventCause" && !documentedEventCauses[f.Text] {
			return []Violation{{Line: f.Line, Path: doc.path(i), Requirement: "S3",
				Message: fmt.Sprintf("EventCause %q is valid but outside the four documented values (None, UserBusy, NoAnswer, Other)", f.Text)}}
		}
	}
	return nil
}

func lineAt(doc []byte, offset int) int {
	return 1 + bytes.Count(doc[:offset], []byte{'\n'})
}
