package suites

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/umconform/umconform/fixtures"
)

// Transient faults: a server under load answers 503 (or 429) with Retry-After, as IIS
// does, or on EWS ErrorServerBusy with BackOffMilliseconds in the MessageXml, as Exchange
// Online does (HTTP 500); a server restarting refuses connections for a few seconds; a
// balancer closes idle keep-alive connections, which resets the request that crosses the
// close. None of these is the target breaking a rule.
//
// What is sent again, and why:
//   - after a refused connection, any request: the server never received it (the TCP
//     handshake failed), so sending it again cannot ring a phone twice;
//   - after a reset or a busy answer, a read-only request only (readOnly): the server may
//     have received it, and a PlayOnPhone or a Disconnect sent twice would place or end a
//     call twice; a hostile probe is what is judged, and sending it again would change
//     the verdict.
//
// Each is sent at most 1+maxRetries times, after the wait the server asked for or a short
// back-off, within a bound for one wait (maxWait) and for the whole run (waitBudget). A
// fault that persists is an error of the checks of that exchange, never a failure, and
// the breaker counts it; exchanges in a row that end in one back off further
// (retrier.hold), so that a restart of a few seconds is waited for before the breaker
// stops the run.
const (
	maxRetries = 2
	// maxWait bounds one wait a target asks for; waitBudget all the waits of one
	// endpoint's run: the time a run may lose to a busy target, on top of its checks.
	maxWait    = 30 * time.Second
	waitBudget = 2 * time.Minute
)

// retrier keeps, for one endpoint, the wait a busy answer asked for (every request waits
// it out), the back-off of a run of transient faults, and an account of the retries and
// waits, for the reports.
type retrier struct {
	mu        sync.Mutex
	holdUntil time.Time // no request before: Retry-After or BackOffMilliseconds of the last busy answer
	streak    int       // exchanges in a row that ended in a transient fault, retries spent
	waited    time.Duration
	retried   int            // requests sent again
	faults    map[string]int // transient faults met, by kind
}

// readOnly says whether f may be sent again after a reset or a busy answer: it asks about
// a call and changes nothing, and it is not a hostile probe (every built probe and every
// malformed request of the corpus expects to be rejected).
func readOnly(f fixtures.Fixture) bool {
	switch f.Operation() {
	case "GetCallInfo", "GetPhoneCallInformation":
	default:
		return false
	}
	if f.Expect.Outcome == fixtures.Rejected {
		return false
	}
	return !slices.ContainsFunc(f.Requirements, func(id string) bool {
		return id == "X1" || id == "X2" || id == "X3" || id == "X4"
	})
}

// busyBackOff reads EWS's BackOffMilliseconds (the MessageXml of an ErrorServerBusy answer).
var busyBackOff = regexp.MustCompile(`BackOffMilliseconds[^>]*>\s*(\d+)\s*<`)

// transientFault says whether ex met a transient fault: its kind (busy, refused, reset),
// what it was, and the wait the target asked for (0 when it named none).
func transientFault(ex *Exchange) (kind, desc string, wait time.Duration, ok bool) {
	var te *TransportError
	if errors.As(ex.Err, &te) {
		switch te.Kind {
		case "refused", "reset":
			return te.Kind, te.Error(), 0, true
		case "truncated":
			if cutShort(ex) { // not an oversized body, which the run stopped reading
				return te.Kind, te.Error(), 0, true
			}
		}
		return "", "", 0, false
	}
	if ex.Err != nil {
		return "", "", 0, false
	}
	switch {
	case ex.Status == http.StatusServiceUnavailable || ex.Status == http.StatusTooManyRequests:
		ra := ex.Header.Get("Retry-After")
		desc := fmt.Sprintf("HTTP %d", ex.Status)
		if ra != "" {
			desc += ", Retry-After: " + ra
		}
		return "busy", desc, retryAfter(ra, time.Now()), true
	case (ex.Status == 500 || ex.Status == 200) && bytes.Contains(ex.Body, []byte("ErrorServerBusy")):
		desc := fmt.Sprintf("HTTP %d, ErrorServerBusy", ex.Status)
		var wait time.Duration
		if m := busyBackOff.FindSubmatch(ex.Body); m != nil {
			if ms, err := strconv.Atoi(string(m[1])); err == nil {
				wait = time.Duration(ms) * time.Millisecond
				desc += fmt.Sprintf(", BackOffMilliseconds %d", ms)
			}
		}
		return "busy", desc, wait, true
	}
	return "", "", 0, false
}

// retryAfter reads a Retry-After value: seconds, or an HTTP date (RFC 9110, 10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is the wait before attempt n+1 when the target named none: a closed keep-alive
// connection needs none to speak of, a server restarting takes seconds (1 s, then 2 s:
// three attempts span 3 s).
func backoff(kind string, attempt int) time.Duration {
	if kind == "reset" && attempt == 1 {
		return 100 * time.Millisecond
	}
	if kind == "busy" {
		return time.Duration(attempt) * 500 * time.Millisecond
	}
	if kind == "truncated" {
		return time.Duration(attempt) * 100 * time.Millisecond
	}
	return time.Duration(attempt) * time.Second
}

// streakBackoff is the wait before a request while the exchanges before it in a row ended
// in transient faults: it doubles from half a second, so that the breaker opens after some
// 7 s of them, not in a few milliseconds. Timeouts get none: each waited already.
func streakBackoff(n int) time.Duration {
	if n == 0 {
		return 0
	}
	return min(500*time.Millisecond<<(n-1), 4*time.Second)
}

// hold waits, before a request, until the wait the last busy answer asked for is over, and
// backs off while the exchanges before it met transient faults; it says so, for the
// exchange's evidence ("" when it did not wait).
func (r *retrier) hold(ctx context.Context) (string, error) {
	if r == nil {
		return "", nil
	}
	r.mu.Lock()
	asked := time.Until(r.holdUntil)
	wait := max(asked, streakBackoff(r.streak))
	if wait > 0 {
		r.waited += wait
	}
	r.mu.Unlock()
	if wait <= 0 {
		return "", nil
	}
	if !sleep(ctx, wait) { // not sent: a request sent with no time left would be judged a timeout
		return "", &TransportError{Kind: "interrupted", Err: fmt.Errorf("not sent: the check's time ran out while it waited %v for a busy or restarting target: %w", wait.Round(time.Millisecond), context.Cause(ctx))}
	}
	if wait == asked {
		return fmt.Sprintf("waited %s before sending it, as an earlier busy answer asked", wait.Round(time.Millisecond)), nil
	}
	return fmt.Sprintf("waited %s before sending it: the requests before it met transient faults", wait.Round(time.Millisecond)), nil
}

// take books a wait against the budget: false when maxWait or the budget forbids it.
func (r *retrier) take(wait time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if wait > maxWait || r.waited+wait > waitBudget {
		return false
	}
	r.waited += wait
	return true
}

// holdFor makes every request wait d from now: a busy answer to a request that is not
// sent again still asks the client to slow down.
func (r *retrier) holdFor(d time.Duration) {
	if d <= 0 || d > maxWait {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := time.Now().Add(d); t.After(r.holdUntil) {
		r.holdUntil = t
	}
}

func (r *retrier) count(kind string, retried bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.faults == nil {
		r.faults = map[string]int{}
	}
	r.faults[kind]++
	if retried {
		r.retried++
	}
}

// ended records how an exchange ended, retries spent: a complete answer ends a run of
// transient faults, a transient fault lengthens it.
func (r *retrier) ended(ex *Exchange, transient bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case transient:
		r.streak++
	case ex.Err == nil:
		r.streak = 0
	}
}

// after sends f again after a transient fault, when that is safe (see the top of this
// file), up to maxRetries times, and turns a busy answer that persists (or came to a
// request that is not sent again) into an error of its exchange. Every retry and wait is
// noted in the exchange (Retries), which its checks' evidence shows.
func (r *retrier) after(ctx context.Context, ex *Exchange, f fixtures.Fixture, again func() *Exchange) *Exchange {
	if r == nil {
		return ex
	}
	var notes []string
	persisted := false
	allCut := true // every attempt so far ended in a body cut short
	for attempt := 1; ; attempt++ {
		kind, desc, asked, ok := transientFault(ex)
		if !ok {
			break
		}
		allCut = allCut && kind == "truncated"
		wait := cmp.Or(asked, backoff(kind, attempt)) // the target's wait, never negative (retryAfter, busyBackOff)
		repeatable := kind == "refused" || readOnly(f) || kind == "truncated" && asksOnly(f)
		var why string
		switch {
		case !repeatable:
			why = "not sent again: it places or ends a call, or is a hostile probe, and the server may have received it"
		case attempt > maxRetries:
			why = fmt.Sprintf("sent %d times, %d of them after waiting", attempt, maxRetries)
		case pastDeadline(ctx, wait):
			why = fmt.Sprintf("not sent again: the wait, %v, is past the time the check has left", wait)
		case !r.take(wait):
			why = fmt.Sprintf("not sent again: the wait, %v, is past what a run waits (%v at a time, %v in all)", wait, maxWait, waitBudget)
		default:
			r.count(kind, true)
			notes = append(notes, fmt.Sprintf("attempt %d: %s; waited %s and sent it again", attempt, desc, wait.Round(time.Millisecond)))
			if sleep(ctx, wait) {
				ex = again()
				continue
			}
			why = "interrupted while waiting to send it again"
		}
		// Not sent again (every case but a completed wait ends here).
		r.count(kind, false)
		r.holdFor(asked)
		notes = append(notes, fmt.Sprintf("attempt %d: %s; %s", attempt, desc, why))
		if allCut && attempt > maxRetries {
			// Cut short on every attempt, in the same way: the target's answer, not the
			// network's accident (T7).
			cutEveryTime(ex, attempt)
			break
		}
		giveUp(ex, kind, desc, why)
		persisted = true
		break
	}
	r.ended(ex, persisted)
	ex.Retries = append(notes, ex.Retries...)
	return ex
}

// asksOnly says whether f may be sent again after its answer's body was cut short: it asks
// about a call and changes nothing, whether or not it is valid (a refusal is read-only
// too), and it is no hostile probe (X1-X4), whose single answer is what is judged.
func asksOnly(f fixtures.Fixture) bool {
	switch f.Operation() {
	case "GetCallInfo", "GetPhoneCallInformation":
	default:
		return false
	}
	return !slices.ContainsFunc(f.Requirements, func(id string) bool {
		return id == "X1" || id == "X2" || id == "X3" || id == "X4"
	})
}

// cutEveryTime makes a body cut short on each of n attempts the target's failure of T7: a
// network that drops a connection now and then does not drop every one at the same point
// of the same answer; a target that sends less than it declares does.
func cutEveryTime(ex *Exchange, n int) {
	var te *TransportError
	errors.As(ex.Err, &te)
	f := finding{id: "T7", expected: "a body that ends where its Content-Length (or its last chunk) says",
		actual: fmt.Sprintf("on each of %d attempts the body ended early: %v", n, te.Err), where: "response body"}
	ex.findings = append(ex.findings, f)
	ex.Err = &TransportError{Kind: "malformed", Err: fmt.Errorf("the response body was truncated, ending before its declared end, on each of %d attempts: %w", n, te.Err)}
}

// giveUp makes a transient fault that persists an error of its exchange: its checks
// cannot judge the target, and none fails it. A busy answer is no answer to the request.
func giveUp(ex *Exchange, kind, desc, why string) {
	if kind == "busy" {
		ex.Err = &TransportError{Kind: "busy", Err: &busyError{answer: desc + "; " + why}}
		return
	}
	if te := (*TransportError)(nil); errors.As(ex.Err, &te) {
		ex.Err = &TransportError{Kind: te.Kind, Err: fmt.Errorf("%w (%s)", te.Err, why)}
	}
}

// throttledAdvice is what to do about a target that throttles the run.
const throttledAdvice = "run again later, or ask its administrator to relax the throttling policy for the account the run uses"

// busyError is a busy or throttling answer that persisted, or came to a request that is
// not sent again: no answer to the request, and no rule broken.
type busyError struct{ answer string }

func (e *busyError) Error() string {
	return fmt.Sprintf("the target is busy or throttling requests (%s), which breaks no rule: %s", e.answer, throttledAdvice)
}

// pastDeadline says whether waiting d would outlast ctx.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	end, ok := ctx.Deadline()
	return ok && time.Until(end) < d
}

// summary is the account of the endpoint's retries and waits, "" when there were none.
func (r *retrier) summary() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.faults) == 0 && r.waited == 0 {
		return ""
	}
	names := map[string]string{"busy": "busy or throttling answers", "refused": "refused connections", "reset": "reset connections", "truncated": "bodies cut short"}
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(r.faults)) {
		kinds = append(kinds, fmt.Sprintf("%d %s", r.faults[k], names[k]))
	}
	s := fmt.Sprintf("%d requests sent again after transient faults", r.retried)
	if len(kinds) > 0 {
		s += " (" + strings.Join(kinds, ", ") + ")"
	}
	return s + fmt.Sprintf("; %s spent waiting", r.waited.Round(time.Millisecond))
}

// Retries says how many requests were sent again after transient faults and how long the
// run's requests waited for a busy or restarting target; "" when none.
func (e *Env) Retries() string {
	var parts []string
	if s := e.sender.retry.summary(); s != "" {
		parts = append(parts, s)
	}
	if e.ews != nil {
		if s := e.ews.sender.retry.summary(); s != "" {
			parts = append(parts, "EWS endpoint: "+s)
		}
	}
	return strings.Join(parts, "; ")
}
