package suites

// The breaker, part of the engine: it stops a run's requests to an endpoint once the
// endpoint is gone.

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// breakerLimit is how many exchanges in a row may end without a complete response before
// the run stops sending. A few, not one: a target slow on some requests (X5) is judged on
// those, and on the others; but against a target that has stopped answering each exchange
// costs a whole --timeout, and a run makes hundreds.
const breakerLimit = 5

// breaker stops a run once the target is gone: after limit exchanges in a row, whatever
// their operation, that got no complete response (a timeout, a refused or reset
// connection, a truncated or oversized body, a TLS failure), every later request is not
// sent and its checks error at once, naming the cause. Any complete response, whatever
// its content, resets the count; what the harness itself could not do (a broken fixture,
// an interrupted check) neither counts nor resets.
type breaker struct {
	mu     sync.Mutex
	limit  int
	streak map[string]int // kind of transport failure → how many in the current run of them
	n      int            // the current run's length
	err    error
	// late tells late answers from silence; the endpoint's Sender reports to it.
	late lateness
}

// open returns why requests are no longer sent, or nil while they are.
func (b *breaker) open() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		return b.late.stopped() // a target whose answers arrive late: late.go
	}
	return b.err
}

// record counts an exchange's outcome: err is its Exchange.Err.
func (b *breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.n, b.streak = 0, nil
		return
	}
	var te *TransportError
	if !errors.As(err, &te) {
		return
	}
	if te.Kind == "malformed" { // an answer, which breaks a rule: the target is there
		b.n, b.streak = 0, nil
		return
	}
	switch te.Kind {
	case "timeout", "refused", "reset", "truncated", "tls", "busy", "other":
	default: // the harness's own trouble, or the breaker's own error
		return
	}
	if b.streak == nil {
		b.streak = map[string]int{}
	}
	b.n++
	b.streak[te.Kind]++
	if b.n >= b.limit && b.err == nil {
		b.err = &TransportError{Kind: "stopped", Err: fmt.Errorf("the target stopped answering: %s in a row (the last: %v); not sent", b.describe(), te)}
		if be := (*busyError)(nil); b.streak["busy"] == b.n && errors.As(te, &be) { // answering, but throttled: retry.go
			b.err = &TransportError{Kind: "stopped", Err: fmt.Errorf("the target is throttling the run: %s in a row, after retries and the waits it asked for (the last: %s); not sent: %s", b.describe(), be.answer, throttledAdvice)}
		}
	}
}

// failureNames name each kind of transport failure in the plural, for the breaker's message.
var failureNames = map[string]string{
	"timeout": "timeouts", "refused": "refused connections", "reset": "reset connections",
	"truncated": "truncated or oversized responses", "tls": "TLS failures", "busy": "busy or throttling answers", "other": "transport failures",
}

// describe says what the current run of failures was: "5 timeouts", or "5 requests without
// a complete response (3 timeouts, 2 refused connections)".
func (b *breaker) describe() string {
	if len(b.streak) == 1 {
		for kind, n := range b.streak {
			return fmt.Sprintf("%d %s", n, failureNames[kind])
		}
	}
	var parts []string
	for _, kind := range []string{"timeout", "refused", "reset", "truncated", "tls", "busy", "other"} {
		if n := b.streak[kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, failureNames[kind]))
		}
	}
	return fmt.Sprintf("%d requests without a complete response (%s)", b.n, strings.Join(parts, ", "))
}

// stopped says why the breaker stopped the requests, "" when it did not.
func (b *breaker) stopped() string {
	b.mu.Lock()
	err := b.err // a target that answers late is answering: not stopped (late.go)
	b.mu.Unlock()
	if err != nil {
		var te *TransportError
		if errors.As(err, &te) && te.Kind == "stopped" {
			return te.Err.Error()
		}
		return "target unreachable: " + err.Error()
	}
	return ""
}

// Stopped is why the run stopped sending requests to this target (it was unreachable, or
// stopped answering), or "" when it did not.
func (e *Env) Stopped() string {
	if why := e.um.breaker.stopped(); why != "" {
		return why
	}
	if e.ews != nil { // the EWS endpoint has its own breaker: it may be another host
		if why := e.ews.breaker.stopped(); why != "" {
			return "the EWS endpoint: " + why
		}
	}
	return ""
}
