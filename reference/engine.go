package reference

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// CallState values, spelled as in MS-OXWUMS 3.1.4.3.4.1 (UMCallState).
const (
	StateIdle         = "Idle"
	StateConnecting   = "Connecting"
	StateAlerted      = "Alerted"
	StateConnected    = "Connected"
	StateDisconnected = "Disconnected"
	StateIncoming     = "Incoming"
	StateTransferring = "Transferring"
	StateForwarding   = "Forwarding"
)

// EventCause values, spelled as in MS-OXWUMS 3.1.4.3.4.2 (UMEventCause).
const (
	CauseNone        = "None"
	CauseUserBusy    = "UserBusy"
	CauseNoAnswer    = "NoAnswer"
	CauseUnavailable = "Unavailable"
	CauseOther       = "Other"
)

// MaxCallIDLength is the longest CallId Exchange accepts.
const MaxCallIDLength = 1420

// Phase is one stretch of a scenario's timeline.
type Phase struct {
	State string
	Cause string
	// Steps is how many Options.Step periods the phase lasts; the last phase of a scenario
	// holds for ever and has Steps 0.
	Steps int
}

// Scenario is the timeline selected by the last two digits of a DialString.
type Scenario struct {
	Suffix     string // last two digits of the DialString
	Name       string
	DialString string // an example DialString that selects the scenario
	Timeline   []Phase
}

var scenarioTable = []Scenario{
	{"00", "answered", "", []Phase{{StateConnecting, CauseNone, 1}, {StateAlerted, CauseNone, 2}, {StateConnected, CauseNone, 0}}},
	{"01", "busy", "", []Phase{{StateConnecting, CauseNone, 1}, {StateDisconnected, CauseUserBusy, 0}}},
	{"02", "no answer", "", []Phase{{StateConnecting, CauseNone, 1}, {StateAlerted, CauseNone, 3}, {StateDisconnected, CauseNoAnswer, 0}}},
	{"03", "unavailable", "", []Phase{{StateConnecting, CauseNone, 1}, {StateDisconnected, CauseUnavailable, 0}}},
	{"04", "transferred", "", []Phase{{StateConnecting, CauseNone, 1}, {StateAlerted, CauseNone, 1}, {StateConnected, CauseNone, 2}, {StateTransferring, CauseNone, 2}, {StateDisconnected, CauseNone, 0}}},
	{"05", "forwarded", "", []Phase{{StateConnecting, CauseNone, 1}, {StateAlerted, CauseNone, 1}, {StateConnected, CauseNone, 2}, {StateForwarding, CauseNone, 2}, {StateDisconnected, CauseNone, 0}}},
	{"06", "other failure", "", []Phase{{StateConnecting, CauseNone, 1}, {StateAlerted, CauseNone, 1}, {StateDisconnected, CauseOther, 0}}},
	{"07", "remote hang-up", "", []Phase{{StateConnecting, CauseNone, 1}, {StateAlerted, CauseNone, 1}, {StateConnected, CauseNone, 3}, {StateDisconnected, CauseNone, 0}}},
	{"08", "inbound", "", []Phase{{StateIncoming, CauseNone, 2}, {StateConnected, CauseNone, 0}}},
	{"09", "queued", "", []Phase{{StateIdle, CauseNone, 0}}},
}

// DefaultDialString is a dialable number (555-01xx is reserved for fiction) whose call is
// answered and stays Connected until Disconnect.
const DefaultDialString = "+15550100"

// DefaultEntryID is a well-formed PlayOnPhone entryId that the reference server accepts.
const DefaultEntryID = "AAMkAHVtY29uZm9ybS1yZWZlcmVuY2Utdm9pY2UtbWFpbC1pdGVtAA=="

// Scenarios lists the DialString convention as data, with an example DialString for each.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarioTable))
	for i, s := range scenarioTable {
		s.DialString = "+155501" + s.Suffix
		s.Timeline = append([]Phase(nil), s.Timeline...)
		out[i] = s
	}
	return out
}

// timelines holds, per scenario, the (state, cause) of each step; the last entry holds.
var timelines = func() [][]Phase {
	out := make([][]Phase, len(scenarioTable))
	for i, s := range scenarioTable {
		for _, p := range s.Timeline {
			n := max(p.Steps, 1)
			for range n {
				out[i] = append(out[i], Phase{State: p.State, Cause: p.Cause})
			}
		}
	}
	return out
}()

// scenarioFor returns the scenario index for a dialable DialString, or false.
func scenarioFor(dial string) (int, bool) {
	digits := strings.TrimPrefix(dial, "+")
	if len(digits) < 2 || len(digits) > 32 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n := int(digits[len(digits)-2]-'0')*10 + int(digits[len(digits)-1]-'0')
	if n >= len(scenarioTable) {
		n = 0
	}
	return n, true
}

// validEntryID reports whether s is a PlayOnPhone entryId the server accepts: strict,
// padded standard Base64 of at least 8 bytes, as EWS item ids are.
// ValidItemID says whether s is shaped as a voice mail item id the server can hold: the
// standard base64 of at least 8 bytes, as Exchange's EWS ItemIds and entryIds are.
func ValidItemID(s string) bool { return validEntryID(s) }

func validEntryID(s string) bool {
	if len(s) == 0 || len(s) > 4096 {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil && len(b) >= 8 && !strings.ContainsAny(s, " \t\r\n")
}

// Errors of the engine; the handler maps each to its Exchange exception.
var (
	errInvalidCallID = errors.New("invalid call id")
	errTooManyCalls  = errors.New("too many calls")
	errPoisoned      = errors.New("call table corrupted by an earlier malformed request")
)

// parseCallID applies Exchange 2013's CallId rules and returns the session key (the GUID
// in lower case); the FQDN must be this server's. Whitespace is not trimmed: the server
// never issues a CallId with whitespace, so one that has it was not issued here.
func parseCallID(id, fqdn string) (string, error) {
	if id == "" || len(id) > MaxCallIDLength || strings.ContainsAny(id, " \t\r\n") {
		return "", errInvalidCallID
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(id)
	if err != nil {
		return "", errInvalidCallID
	}
	guid, host, ok := strings.Cut(string(raw), "|")
	if !ok || strings.Contains(host, "|") || !isGUID(guid) || !strings.EqualFold(host, fqdn) {
		return "", errInvalidCallID
	}
	return strings.ToLower(guid), nil
}

// wellFormedCallID reports whether id passes every rule but the "known session" one.
func wellFormedCallID(id string) bool {
	if id == "" || len(id) > MaxCallIDLength || strings.ContainsAny(id, " \t\r\n") {
		return false
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(id)
	if err != nil {
		return false
	}
	guid, host, ok := strings.Cut(string(raw), "|")
	return ok && host != "" && !strings.Contains(host, "|") && isGUID(guid)
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func newGUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session guid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// policy holds the engine-level deviations of a profile.
type policy struct {
	reducedStates      bool // Exchange 2013: only Connecting, Connected, Disconnected
	forgetOnDisconnect bool
	ignoreDisconnect   bool // L5
	firstQueryUnknown  bool // L1
	causeWhileActive   bool // L2
	resurrect          bool // L3
	backwards          bool // L4
	alwaysUnavailable  bool // S3
	sameCallID         bool // L7: every call gets the first call's CallId
	newestCall         bool // L8: GetCallInfo answers about the newest call, whatever it names
}

type call struct {
	owner    string // the user who placed it (authentication mode: auth.go)
	seq      uint64
	scenario int
	created  time.Time
	expires  time.Time
	final    *Phase // set by Disconnect
	queries  int
	// what earlier answers said, for the profiles that misbehave relative to them
	saidConnected, saidDisconnected bool
	flip                            bool
}

type queued struct {
	key     string
	seq     uint64
	expires time.Time
}

// engine owns every call; one mutex keeps it simple and, at the request rates a harness
// produces, uncontended enough (see docs/PERFORMANCE.md).
type engine struct {
	fqdn string
	step time.Duration
	ttl  time.Duration
	max  int
	pol  policy

	mu        sync.Mutex
	calls     map[string]*call
	queue     []queued // creation order == expiry order, because the TTL is fixed
	nextSeq   uint64
	poisonSeq uint64 // calls with seq below this answer wrongly (X3 profile)
	firstGUID string // the first session placed (L7 profile)
}

func newEngine(fqdn string, step, ttl time.Duration, maxCalls int, pol policy) *engine {
	return &engine{fqdn: fqdn, step: step, ttl: ttl, max: maxCalls, pol: pol, calls: map[string]*call{}, nextSeq: 1}
}

// prune forgets expired calls; the caller holds mu.
func (e *engine) prune(now time.Time) {
	i := 0
	for ; i < len(e.queue) && !e.queue[i].expires.After(now); i++ {
		if q := e.queue[i]; e.current(q) {
			delete(e.calls, q.key)
		}
	}
	if i > 0 {
		e.queue = append(e.queue[:0:0], e.queue[i:]...)
	}
}

// place starts a call for an already validated scenario and returns its CallId.
func (e *engine) place(scenario int, now time.Time) (string, error) {
	return e.placeFor(scenario, now, anyone)
}

// placeFor is place for a call that belongs to owner.
func (e *engine) placeFor(scenario int, now time.Time, owner string) (string, error) {
	guid, err := newGUID()
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.prune(now)
	if len(e.calls) >= e.max && !e.forgetEnded(now) {
		return "", errTooManyCalls
	}
	if e.pol.sameCallID {
		// One session for every call: the newest call takes the first one's CallId.
		if e.firstGUID == "" {
			e.firstGUID = guid
		}
		guid = e.firstGUID
	}
	c := &call{owner: owner, seq: e.nextSeq, scenario: scenario, created: now, expires: now.Add(e.ttl)}
	e.nextSeq++
	e.calls[guid] = c
	if len(e.queue) > 2*len(e.calls)+64 {
		e.compact()
	}
	e.queue = append(e.queue, queued{guid, c.seq, c.expires})
	return base64.StdEncoding.EncodeToString([]byte(guid + "|" + e.fqdn)), nil
}

// current reports whether q is the queue entry of a call still remembered: a call forgotten
// before its expiry by forgetOnDisconnect, or a session reused by sameCallID, leaves its
// entry behind. The caller holds mu.
func (e *engine) current(q queued) bool {
	c, ok := e.calls[q.key]
	return ok && c.seq == q.seq
}

// forgetEnded makes room for a new call by forgetting the oldest remembered call that has
// ended (by Disconnect or by its schedule), and reports whether there was one. The cap is
// on calls in progress, as Exchange's is: a client that ends each call before placing the
// next may place any number within CallTTL, and the table still holds at most max calls.
// The caller holds mu.
//
// The queue is in creation order, so the first ended entry is the oldest. The calls in
// progress ahead of it (a harness's shared call) move up one place, and the entries of
// forgotten calls met on the way are dropped, so each call costs O(1) plus the calls in
// progress placed before it, however many ended calls it has replaced.
func (e *engine) forgetEnded(now time.Time) bool {
	keep := 0 // e.queue[:keep] are the current entries passed so far, calls in progress
	for i, q := range e.queue {
		if !e.current(q) {
			continue
		}
		if e.natural(e.calls[q.key], now).State == StateDisconnected {
			delete(e.calls, q.key)
			copy(e.queue[i+1-keep:i+1], e.queue[:keep])
			e.queue = e.queue[i+1-keep:]
			return true
		}
		e.queue[keep] = q
		keep++
	}
	e.queue = e.queue[:keep]
	return false
}

// compact drops the queue entries of calls forgotten before their expiry, so that the
// queue, like the table, stays within a constant factor of max; place calls it once the
// queue holds twice as many entries as the table has calls. The caller holds mu.
func (e *engine) compact() {
	q := make([]queued, 0, len(e.calls)+len(e.calls)/2+64)
	for _, x := range e.queue {
		if e.current(x) {
			q = append(q, x)
		}
	}
	e.queue = q
}

// lookup returns the live call for a CallId; the caller holds mu.
func (e *engine) lookup(id string, now time.Time) (*call, error) {
	key, err := parseCallID(id, e.fqdn)
	if err != nil {
		return nil, err
	}
	c, ok := e.calls[key]
	if !ok || !c.expires.After(now) {
		return nil, errInvalidCallID
	}
	return c, nil
}

// owner returns who placed the call a CallId names, or false when it names no live call.
func (e *engine) owner(id string, now time.Time) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(id, now)
	if err != nil {
		return "", false
	}
	return c.owner, true
}

// natural is the call's state by its schedule or its Disconnect.
func (e *engine) natural(c *call, now time.Time) Phase {
	if c.final != nil {
		return *c.final
	}
	tl := timelines[c.scenario]
	i := 0
	if e.step > 0 {
		if d := now.Sub(c.created); d > 0 {
			i = int(min(int64(d/e.step), int64(len(tl)-1)))
		}
	} else {
		i = len(tl) - 1
	}
	return tl[i]
}

// info answers GetCallInfo for a CallId.
func (e *engine) info(id string, now time.Time) (Phase, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(id, now)
	if err != nil {
		return Phase{}, err
	}
	if c.seq < e.poisonSeq {
		return Phase{}, errPoisoned
	}
	if e.pol.newestCall {
		c = e.newest(c)
	}
	c.queries++
	if e.pol.firstQueryUnknown && c.queries == 1 {
		return Phase{}, errInvalidCallID
	}
	p := e.natural(c, now)
	if e.pol.reducedStates {
		// Exchange 2013 folds the states it does not report into Connecting; the ones that
		// follow Connected fold into Connected, so the call still never moves backwards.
		switch p.State {
		case StateIdle, StateAlerted, StateIncoming:
			p.State = StateConnecting
		case StateTransferring, StateForwarding:
			p.State = StateConnected
		}
	}
	if e.pol.alwaysUnavailable && p.State == StateDisconnected {
		p.Cause = CauseUnavailable
	}
	if e.pol.causeWhileActive && p.State != StateDisconnected {
		p.Cause = CauseOther
	}
	if e.pol.resurrect && c.saidDisconnected && c.final == nil {
		p = Phase{State: StateConnected, Cause: CauseNone}
	}
	if e.pol.backwards && c.saidConnected && p.State == StateConnected {
		c.flip = !c.flip
		if c.flip {
			p.State = StateConnecting
		}
	}
	switch p.State {
	case StateConnected:
		c.saidConnected = true
	case StateDisconnected:
		c.saidDisconnected = true
	}
	return p, nil
}

// newest returns the live call placed last (c if none is newer); the caller holds mu.
func (e *engine) newest(c *call) *call {
	for _, other := range e.calls {
		if other.seq > c.seq {
			c = other
		}
	}
	return c
}

// disconnect ends a call.
func (e *engine) disconnect(id string, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(id, now)
	if err != nil {
		return err
	}
	if e.pol.ignoreDisconnect {
		return nil
	}
	if e.pol.forgetOnDisconnect {
		key, _ := parseCallID(id, e.fqdn)
		delete(e.calls, key)
		return nil
	}
	if c.final == nil {
		p := e.natural(c, now)
		if p.State != StateDisconnected {
			p = Phase{State: StateDisconnected, Cause: CauseNone}
		}
		c.final = &p
	}
	return nil
}

// poison marks every call placed so far as corrupted (X3 profile).
func (e *engine) poison() {
	e.mu.Lock()
	e.poisonSeq = e.nextSeq
	e.mu.Unlock()
}

// size reports how many calls are remembered, for tests of the memory bound.
func (e *engine) size(now time.Time) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.prune(now)
	return len(e.calls)
}
