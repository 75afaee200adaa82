// Package generate derives the requests no one recorded: mutations of each operation's valid
// request, read from the embedded XSDs (schema/xsd) with the standard operators of
// schema-based negative testing. It is written once for both APIs, the UM web service
// (GetCallInfo, PlayOnPhone, Disconnect) and EWS (GetPhoneCallInformation, PlayOnPhone,
// DisconnectPhoneCall): each operation's request is instantiated from its schema
// declaration, and every operator is applied wherever the declaration allows.
//
// The output is deterministic for a seed: the seed picks the values an operator writes (the
// unknown element's name, the foreign namespace, the order of reordered children, the length
// of an over-long value, the id that names no call), never which operator is applied where.
// A request's ID is its operator and path, so it is the same whatever the seed.
package generate

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/umconform/umconform/schema"
)

// API is one of the two web services.
type API string

// The APIs.
const (
	UM  API = "UM"
	EWS API = "EWS"
)

// DefaultSeed is the seed of a run that names none: a run is reproducible by default.
const DefaultSeed = 0

// Operator is one way of breaking a valid request.
type Operator string

// The operators.
const (
	Drop             Operator = "drop"              // leave out a required element or attribute
	Repeat           Operator = "repeat"            // repeat an element past its maxOccurs
	UnknownElement   Operator = "unknown-element"   // add an element the type does not declare
	UnknownAttribute Operator = "unknown-attribute" // add an attribute the type does not declare
	WrongType        Operator = "wrong-type"        // element content where text is due, text where none is
	OutsideEnum      Operator = "outside-enumeration"
	Empty            Operator = "empty"
	MinLength        Operator = "min-length"       // a value exactly at minLength
	BelowMinLength   Operator = "below-min-length" // one character short (when that is not empty)
	MaxLength        Operator = "max-length"
	AboveMaxLength   Operator = "above-max-length"
	Long             Operator = "long" // a value past any length a server issues, where the schema sets no bound
	Nil              Operator = "nil"  // xsi:nil="true" on an element that is not nillable
	ForeignNamespace Operator = "foreign-namespace"
	Reorder          Operator = "reorder"
)

// Operators lists every operator, in the order requests are generated.
var Operators = []Operator{Drop, Repeat, UnknownElement, UnknownAttribute, WrongType, OutsideEnum, Empty,
	MinLength, BelowMinLength, MaxLength, AboveMaxLength, Long, Nil, ForeignNamespace, Reorder}

// Operation is one operation of an API whose requests are generated.
type Operation struct {
	API  API
	Name string // the operation element: GetCallInfo
	abbr string // in IDs: gci
	// PlacesCall: the operation is PlayOnPhone, whose request may ring a phone.
	PlacesCall bool
	// header: the EWS request header (RequestServerVersion) is mutated with this operation
	// (once per API is enough: it is the same header for every operation).
	header bool
}

// Operations are the six operations, read-only ones first.
var Operations = []Operation{
	{API: UM, Name: "GetCallInfo", abbr: "gci"},
	{API: UM, Name: "Disconnect", abbr: "dc"},
	{API: UM, Name: "PlayOnPhone", abbr: "pop", PlacesCall: true},
	{API: EWS, Name: "GetPhoneCallInformation", abbr: "ews-gpci", header: true},
	{API: EWS, Name: "DisconnectPhoneCall", abbr: "ews-dpc"},
	{API: EWS, Name: "PlayOnPhone", abbr: "ews-pop", PlacesCall: true},
}

// Values are the values a valid request carries. A question or a disconnect names CallID
// (UM) or PhoneCallID (EWS): an id that names no call (UnknownID), so that no generated
// request can end or report a live call. A PlayOnPhone carries the run's item and number.
type Values struct {
	CallID, PhoneCallID string
	EntryID, DialString string
}

// Request is one generated request.
type Request struct {
	// ID is stable: gen-, the operation's abbreviation, the operator and the path
	// (gen-gci-drop-callid); a fixture ID, lower-case words joined by hyphens.
	ID        string
	API       API
	Operation string
	Operator  Operator
	// Path is where the operator was applied: /GetCallInfo/CallId, /PlayOnPhone/ItemId/@Id,
	// /Header/RequestServerVersion/@Version.
	Path string
	// Description says what the operator did, for titles: "CallId left out (minOccurs 1)".
	Description string
	// Body is the SOAP envelope, as sent.
	Body []byte
	// SchemaValid: the API's schema accepts the request (libxml2, the harness's own
	// validator); Violation is the first reason when it does not.
	SchemaValid bool
	Violation   string
	// PlacesCall: a PlayOnPhone, which a server that accepts it dials.
	PlacesCall bool
	// Header: the operator was applied to the SOAP header (EWS RequestServerVersion).
	Header bool
}

// Options choose what Generate makes.
type Options struct {
	Seed int64
	// Operations are the operation names to generate for; empty means all of the API's.
	Operations []string
	Values     Values
	// Validator is the API's compiled schema, when the caller has one (a run does): it
	// judges which requests the schema rejects. Nil compiles one.
	Validator *schema.Validator
}

// Generate returns the requests for api's operations, in a stable order: operations as
// listed in Operations, then nodes in document order, then Operators.
func Generate(api API, o Options) ([]Request, error) {
	var out []Request
	for _, op := range Operations {
		if op.API != api || (len(o.Operations) > 0 && !slices.Contains(o.Operations, op.Name)) {
			continue
		}
		rs, err := generateFor(op, o)
		if err != nil {
			return nil, fmt.Errorf("generating %s %s requests: %w", api, op.Name, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

var (
	setsOnce sync.Once
	sets     map[API]*schemaSet
	setsErr  error
)

func schemaSetFor(api API) (*schemaSet, error) {
	setsOnce.Do(func() {
		sets = map[API]*schemaSet{}
		var err1, err2 error
		sets[UM], err1 = loadSchemaSet("um-messages.xsd")
		sets[EWS], err2 = loadSchemaSet("ews-messages.xsd", "ews-types.xsd")
		if err1 != nil {
			setsErr = err1
		} else {
			setsErr = err2
		}
	})
	return sets[api], setsErr
}

// site is one place an operator applies: a node (by its index path from its root) or one
// of its attributes.
type site struct {
	header bool   // the node is in the header block, not the operation
	at     []int  // child indexes from the root
	attr   string // an attribute of the node; "" for the node itself
	path   string // /GetCallInfo/CallId/@Id
}

// mutation is an operator at a site, ready to apply.
type mutation struct {
	op   Operator
	site site
	desc string
	// apply changes the request (a clone of the valid one).
	apply func(r request, rng *rand.Rand)
}

func generateFor(op Operation, o Options) ([]Request, error) {
	set, err := schemaSetFor(op.API)
	if err != nil {
		return nil, err
	}
	opDecl, err := set.element(xml.Name{Space: messagesNamespace, Local: op.Name})
	if err != nil {
		return nil, err
	}
	value := valuesFor(op.API, o.Values)
	valid := request{op: instantiate(opDecl, value)}
	if op.API == EWS {
		hd, err := set.element(xml.Name{Space: typesNamespace, Local: "RequestServerVersion"})
		if err != nil {
			return nil, err
		}
		valid.header = instantiate(hd, value)
	}
	var muts []mutation
	walk(valid.op, site{path: "/" + valid.op.name.Local}, true, op, &muts)
	if op.header {
		walk(valid.header, site{header: true, path: "/Header/" + valid.header.name.Local}, true, op, &muts)
	}
	// Each request gets its own stream of the seed: one request's values do not depend on
	// which others were generated.
	var out []Request
	seen := map[string]bool{}
	for _, m := range muts {
		id := requestID(op, m)
		if seen[id] {
			return nil, fmt.Errorf("two mutations share the ID %s", id)
		}
		seen[id] = true
		rng := rand.New(rand.NewPCG(uint64(o.Seed), hash(id)))
		r := valid.clone()
		m.apply(r, rng)
		body := render(op.API, r)
		out = append(out, Request{ID: id, API: op.API, Operation: op.Name, Operator: m.op, Path: m.site.path,
			Description: m.desc, Body: body, PlacesCall: op.PlacesCall, Header: m.site.header})
	}
	if err := validateAll(op.API, o.Validator, out); err != nil {
		return nil, err
	}
	return out, nil
}

// requestID is gen-, the operation, the operator and the path, lower case, hyphenated.
func requestID(op Operation, m mutation) string {
	// The operation's own element is implied by the abbreviation: gen-gci-drop-callid.
	p := strings.TrimPrefix(strings.TrimPrefix(m.site.path, "/"+op.Name), "/")
	id := "gen-" + op.abbr + "-" + string(m.op)
	if p != "" {
		id += "-" + strings.NewReplacer("/@", "-attr-", "@", "attr-", "/", "-").Replace(p)
	}
	return strings.ToLower(id)
}

func hash(s string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// valuesFor gives a valid request's leaves their values.
func valuesFor(api API, v Values) func(key string) string {
	return func(key string) string {
		switch key {
		case "CallId":
			return v.CallID
		case "PhoneCallId@Id":
			return v.PhoneCallID
		case "entryId", "ItemId@Id":
			return v.EntryID
		case "DialString":
			return v.DialString
		case "RequestServerVersion@Version":
			return "Exchange2010" // the version the documentation's requests name
		}
		return "umconform"
	}
}

// dialString says whether a site holds the number a PlayOnPhone dials: its value is never
// changed into other text, which could be another number (an empty value dials nothing).
func dialString(s site) bool { return strings.HasSuffix(s.path, "/DialString") }

// find returns the node at s in r.
func (s site) find(r request) *node {
	n := r.op
	if s.header {
		n = r.header
	}
	for _, i := range s.at {
		n = n.kids[i]
	}
	return n
}

// parentOf returns the parent of the node at s and the node's index in it.
func (s site) parentOf(r request) (*node, int) {
	p := site{header: s.header, at: s.at[:len(s.at)-1]}
	return p.find(r), s.at[len(s.at)-1]
}

// walk lists the mutations of n (at s) and of everything under it.
func walk(n *node, s site, root bool, op Operation, out *[]mutation) {
	d := n.d
	add := func(o Operator, desc string, apply func(r request, rng *rand.Rand)) {
		*out = append(*out, mutation{op: o, site: s, desc: desc, apply: apply})
	}
	local := n.name.Local
	if !root && d.min >= 1 {
		add(Drop, fmt.Sprintf("%s left out (minOccurs %d)", local, d.min), func(r request, _ *rand.Rand) {
			p, i := s.parentOf(r)
			p.kids = slices.Delete(p.kids, i, i+1)
		})
	}
	if !root && d.max >= 1 {
		add(Repeat, fmt.Sprintf("%s written %d times (maxOccurs %d)", local, d.max+1, d.max), func(r request, _ *rand.Rand) {
			p, i := s.parentOf(r)
			extra := make([]*node, 0, d.max)
			for range d.max {
				extra = append(extra, p.kids[i].clone())
			}
			p.kids = slices.Insert(p.kids, i+1, extra...)
		})
	}
	if d.simple == nil {
		add(UnknownElement, fmt.Sprintf("an element %s does not declare added to it", local), func(r request, rng *rand.Rand) {
			t := s.find(r)
			k := &node{name: xml.Name{Space: t.name.Space, Local: pick(rng, unknownNames)}}
			if len(t.kids) > 0 && rng.IntN(2) == 0 {
				t.kids = slices.Insert(t.kids, 0, k)
			} else {
				t.kids = append(t.kids, k)
			}
		})
	}
	add(UnknownAttribute, fmt.Sprintf("an attribute %s does not declare added to it", local), func(r request, rng *rand.Rand) {
		t := s.find(r)
		t.attrs = append(t.attrs, nattr{name: xml.Name{Local: pick(rng, unknownAttrs)}, value: "umconform"})
	})
	switch {
	case d.simple != nil:
		add(WrongType, fmt.Sprintf("%s holds an element where its type (%s) is text", local, d.simple.base), func(r request, rng *rand.Rand) {
			t := s.find(r)
			t.kids = []*node{{name: xml.Name{Space: t.name.Space, Local: pick(rng, wrapperNames)}, text: t.text}}
			t.text = ""
		})
	case len(d.kids) == 0:
		add(WrongType, fmt.Sprintf("%s holds text where its type allows attributes only", local), func(r request, _ *rand.Rand) {
			s.find(r).text = "umconform"
		})
	}
	if d.simple != nil {
		values(d.simple, s, local, add)
	}
	add(Nil, fmt.Sprintf(`%s written xsi:nil="true" (not nillable)`, local), func(r request, _ *rand.Rand) {
		t := s.find(r)
		t.text, t.kids = "", nil
		t.attrs = append(t.attrs, nattr{name: xml.Name{Space: xsiNamespace, Local: "nil"}, value: "true"})
	})
	if !root {
		add(ForeignNamespace, fmt.Sprintf("%s written in another namespace", local), func(r request, rng *rand.Rand) {
			t := s.find(r)
			others := slices.DeleteFunc(slices.Clone(foreignNamespaces), func(ns string) bool { return ns == t.name.Space })
			t.name.Space = pick(rng, others)
		})
	}
	if len(n.kids) >= 2 {
		add(Reorder, fmt.Sprintf("the children of %s in another order", local), func(r request, rng *rand.Rand) {
			t := s.find(r)
			orig := slices.Clone(t.kids)
			for slices.Equal(t.kids, orig) {
				rng.Shuffle(len(t.kids), func(i, j int) { t.kids[i], t.kids[j] = t.kids[j], t.kids[i] })
			}
		})
	}
	for _, a := range d.attrs {
		if !a.required {
			continue
		}
		as := site{header: s.header, at: s.at, attr: a.name, path: s.path + "/@" + a.name}
		addA := func(o Operator, desc string, apply func(r request, rng *rand.Rand)) {
			*out = append(*out, mutation{op: o, site: as, desc: desc, apply: apply})
		}
		addA(Drop, fmt.Sprintf("the required attribute %s of %s left out", a.name, local), func(r request, _ *rand.Rand) {
			t := as.find(r)
			t.attrs = slices.DeleteFunc(t.attrs, func(x nattr) bool { return x.name == xml.Name{Local: a.name} })
		})
		if a.simple != nil {
			values(a.simple, as, local+"/@"+a.name, addA)
		}
	}
	for i, k := range n.kids {
		walk(k, site{header: s.header, at: append(slices.Clone(s.at), i), path: s.path + "/" + k.name.Local}, false, op, out)
	}
}

// values lists the value operators for a simple type at s (an element's text or an
// attribute's value).
func values(f *facets, s site, what string, add func(Operator, string, func(request, *rand.Rand))) {
	set := func(r request, v string) {
		t := s.find(r)
		if s.attr == "" {
			t.text = v
			return
		}
		for i := range t.attrs {
			if t.attrs[i].name == (xml.Name{Local: s.attr}) {
				t.attrs[i].value = v
			}
		}
	}
	dial := dialString(s)
	if len(f.enum) > 0 && !dial {
		add(OutsideEnum, fmt.Sprintf("%s outside its enumeration", what), func(r request, rng *rand.Rand) {
			v := pick(rng, f.enum)
			set(r, v+pick(rng, enumSuffixes))
		})
	}
	add(Empty, fmt.Sprintf("%s empty", what), func(r request, _ *rand.Rand) { set(r, "") })
	if dial {
		return // no other text: it could be another number
	}
	if f.minLen > 0 {
		add(MinLength, fmt.Sprintf("%s exactly %d character(s) long (minLength)", what, f.minLen), func(r request, rng *rand.Rand) {
			set(r, filler(rng, f.minLen))
		})
	}
	if f.minLen > 1 {
		add(BelowMinLength, fmt.Sprintf("%s one character shorter than minLength %d", what, f.minLen), func(r request, rng *rand.Rand) {
			set(r, filler(rng, f.minLen-1))
		})
	}
	if f.maxLen >= 0 {
		add(MaxLength, fmt.Sprintf("%s exactly %d characters long (maxLength)", what, f.maxLen), func(r request, rng *rand.Rand) {
			set(r, filler(rng, f.maxLen))
		})
		add(AboveMaxLength, fmt.Sprintf("%s one character longer than maxLength %d", what, f.maxLen), func(r request, rng *rand.Rand) {
			set(r, filler(rng, f.maxLen+1))
		})
	} else if f.base == "string" && len(f.enum) == 0 {
		add(Long, fmt.Sprintf("%s longer than any id a server issues (no maxLength)", what), func(r request, rng *rand.Rand) {
			set(r, filler(rng, 512+rng.IntN(513)))
		})
	}
}

// The seed's choices.
var (
	unknownNames      = []string{"Unknown", "Extra", "Comment", "Reserved", "Umconform"}
	unknownAttrs      = []string{"unknown", "extra", "umconform", "Reserved"}
	wrapperNames      = []string{"Value", "Id", "Text", "Item"}
	foreignNamespaces = []string{"urn:umconform:foreign", "http://example.com/foreign", typesNamespace, messagesNamespace}
	enumSuffixes      = []string{"_SP9", "X", " ", "_Umconform"}
)

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// filler is n characters of Base64's alphabet: the shape of an id, naming none.
func filler(rng *rand.Rand, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// UnknownID is a well-formed id that names no call (Base64 of a random GUID and a host under
// .invalid, which no server issues), drawn from seed: what every generated question and
// disconnect names.
func UnknownID(api API, seed int64) string {
	rng := rand.New(rand.NewPCG(uint64(seed), hash("unknown-id-"+string(api))))
	g := make([]byte, 16)
	for i := range g {
		g[i] = byte(rng.IntN(256))
	}
	guid := fmt.Sprintf("%x-%x-%x-%x-%x", g[0:4], g[4:6], g[6:8], g[8:10], g[10:16])
	return base64.StdEncoding.EncodeToString([]byte(guid + "|generated.umconform.invalid"))
}
