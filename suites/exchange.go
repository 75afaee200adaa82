package suites

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reports"
	"github.com/umconform/umconform/schema"
)

// maxResponseBytes bounds what is read of one response: a hostile target cannot exhaust
// memory, and anything larger is no GetCallInfo answer (one is about 1 KB, a Fault with a
// stack trace a few dozen). Several exchanges may be in flight at once (lifecycle calls),
// each holding up to this much until it is checked.
const maxResponseBytes = 4 << 20

// MaxResponseHeaderBytes bounds the headers of one response (http.Transport's
// MaxResponseHeaderBytes): an exchange keeps them to the end of the run, and Go's default
// allows 10 MB. A Config.Client should set it too.
const MaxResponseHeaderBytes = 64 << 10

// keptBodyBytes is how much of a response body an exchange keeps once checked: what the
// reports show of it (every report repeats it per check). Its length and SHA-256 are kept
// with it. A run holds its exchanges until the end, so keeping whole bodies let a target
// that answers with megabytes fill the memory.
const keptBodyBytes = 4096

// keptRequestBytes is how much of a request an exchange keeps once checked: what the
// reports show (the X4 probe's request is 10 MiB).
const keptRequestBytes = 4096

// Exchange is one request sent to the target and what came back.
type Exchange struct {
	Fixture   fixtures.Fixture
	Operation string // the request's Body child, e.g. GetCallInfo
	Request   []byte // the request as rendered, secrets redacted (by Sender.Check); for evidence only
	Status    int
	Header    http.Header
	// Body is the response body as read; once checked (Sender.Check), only its first
	// keptBodyBytes.
	Body []byte
	// BodyBytes is the whole body's length: what was read, or for a body the run stopped
	// reading, the Content-Length the target declared (-1 when it declared none).
	BodyBytes int64
	// BodySHA256 is the hex SHA-256 of the whole body, once Check has shortened Body; empty
	// when Body is whole or the run stopped reading the body.
	BodySHA256 string
	Duration   time.Duration
	// Timeout is the --timeout the exchange was sent with: an answer that completed later
	// (in the grace, see lateness) is late, which X5 alone judges.
	Timeout   time.Duration
	Result    schema.Result // the response validated as a response message
	validated bool          // Result is set: an answer is validated once
	Err       error         // set when no complete response arrived: see TransportError

	// Encoding is the response's Content-Encoding when it had one (gzip, deflate); Body is
	// then the decoded answer and WireBytes its length as sent. EncodingProblem says why the
	// coding breaks T1 (not offered, undecodable): encoding.go.
	Encoding        string
	WireBytes       int64
	EncodingProblem string

	// findings are the rules the answer was seen to break as it was read: HTTP's message
	// rules from its head (httprules.go), the envelope's from its whole body (envelope.go).
	findings []finding

	// CallState says, for a request about the call read-only requests share, what the run
	// knew of that call when the request went out (shared.state): a verdict may hang on it,
	// so a rerun that passes is no mystery.
	CallState string

	// Retries says, attempt by attempt, how the request met transient faults (a busy
	// answer, a refused or reset connection) and was sent again, or why not, and any wait
	// before it was sent: retry.go. Empty when it was sent once, at once.
	Retries []string

	rendered []byte // the request as sent, until Check redacts it into Request
	// requestBytes is the length of the request once Check has shortened Request.
	requestBytes int
	// values, when set, are the live values the request was built with: Check renders
	// it for the evidence then, off the path every request waits on (Fixture.Build).
	values *fixtures.Values

	// evidence is made once, when a check first asks: the seven checks of a replay share
	// it, and lifecycle polls, which no check asks about, never pay for it.
	evidenceOnce sync.Once
	evidence     reports.Evidence
	// unsent: the run did not send the request (the breaker was open, the call budget
	// spent); Err says why.
	unsent bool
}

// TransportError says why an exchange has no complete response. Except for the timeout
// requirement (X5), it means the run cannot judge the target.
type TransportError struct {
	Kind string // "timeout", "refused", "reset", "truncated", "tls", "interrupted", "stopped" (by the breaker), "busy" (throttled: retry.go), "malformed" (the answer breaks HTTP's syntax: httprules.go), "other"
	Err  error
}

func (e *TransportError) Error() string {
	if e.Kind == "stopped" { // the breaker's message says it all
		return e.Err.Error()
	}
	return e.Kind + ": " + e.Err.Error()
}
func (e *TransportError) Unwrap() error { return e.Err }

func classify(err error) *TransportError {
	var te *TransportError
	if errors.As(err, &te) {
		return te
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return &TransportError{Kind: "timeout", Err: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &TransportError{Kind: "refused", Err: err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF):
		return &TransportError{Kind: "reset", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &TransportError{Kind: "truncated", Err: err}
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		return &TransportError{Kind: "tls", Err: err}
	}
	return &TransportError{Kind: "other", Err: err}
}

// Sender sends fixtures to one target.
type Sender struct {
	Target    *url.URL
	Client    *http.Client // carries TLS settings and authentication
	Headers   http.Header  // extra headers for every request; their values are redacted in evidence
	Timeout   time.Duration
	Validator *schema.Validator
	// late, when set, lets an exchange that outlives Timeout read on for a grace, to tell a
	// late answer from silence (late.go).
	late *lateness
	// retry, when set, sends a request again after a transient fault when that is safe,
	// and holds requests while the target asks to wait (retry.go).
	retry *retrier
	// conns, when set, follows the connections the server closes without a word (closes.go).
	conns *connWatch
	// inFlight, when set, holds a place for each request being sent; the senders of one
	// target's endpoints share it, so that a run's scenarios, waiting side by side, never
	// have more than MaxInFlight requests at the target at once.
	inFlight chan struct{}
}

// MaxInFlight is the most requests a run has at one target at once (both its APIs).
const MaxInFlight = 4

// Send renders f with v, posts it and validates the response. Transport problems are
// returned in Exchange.Err, never as a panic.
func (s *Sender) Send(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	ex := s.Post(ctx, f, v)
	s.Check(ex)
	return ex
}

// SendAndJudge is Send for a judge that must read the whole response body: judge runs on
// the validated exchange before Check keeps only the start of the body.
func (s *Sender) SendAndJudge(ctx context.Context, f fixtures.Fixture, v fixtures.Values, judge func(*Exchange) Outcome) (*Exchange, Outcome) {
	ex := s.Post(ctx, f, v)
	var o Outcome
	s.check(ex, func(ex *Exchange) { o = judge(ex) })
	return ex, o
}

// Check finishes an exchange Post made: it validates the response, if one came, keeps the
// request for evidence with its secrets redacted, and keeps only the start of both (with
// the body's length and hash). Post leaves all this to it so that a run can do it for one
// exchange while the next request is on the wire.
func (s *Sender) Check(ex *Exchange) { s.check(ex, nil) }

func (s *Sender) check(ex *Exchange, whole func(*Exchange)) {
	if ex.values != nil {
		if raw, err := ex.Fixture.Render(s.Target, *ex.values, s.Headers); err == nil {
			ex.rendered = raw // the bytes Build sent: TestBuildMatchesBuildWith
		}
		ex.values = nil
	}
	if ex.rendered != nil {
		ex.Request, ex.rendered = redact(ex.rendered, s.Headers), nil
	}
	s.validate(ex)
	if whole != nil {
		whole(ex)
	}
	ex.shorten()
}

// bodyLen is the whole response body's length, -1 when the target did not say and the run
// did not read it all.
func (ex *Exchange) bodyLen() int64 {
	if ex.BodyBytes < 0 {
		return -1
	}
	return max(ex.BodyBytes, int64(len(ex.Body)))
}

// requestLen is the whole request's length.
func (ex *Exchange) requestLen() int { return max(ex.requestBytes, len(ex.Request)) }

// shorten keeps the start of the body, with the whole body's hash, and of the request,
// whose length the excerpt states: the reports show no more of either.
func (ex *Exchange) shorten() {
	if len(ex.Body) > keptBodyBytes {
		if ex.Err == nil { // the whole body was read
			sum := sha256.Sum256(ex.Body)
			ex.BodySHA256 = hex.EncodeToString(sum[:])
		}
		ex.Body = bytes.Clone(ex.Body[:keptBodyBytes])
	}
	if len(ex.Request) > keptRequestBytes {
		ex.requestBytes = len(ex.Request)
		ex.Request = bytes.Clone(ex.Request[:keptRequestBytes])
	}
}

// validate validates the response, if one came.
func (s *Sender) validate(ex *Exchange) {
	if ex.Err == nil && !ex.validated {
		ex.Result = s.Validator.ValidateAs(ex.Body, schema.KindResponse)
		ex.validated = true
		readEnvelope(ex) // the whole body, before Check keeps only its start
	}
}

// Post is Send without Check: Exchange.Request and Result stay empty until Check, which
// renders the request for the evidence then (Fixture.Build sends it without rendering).
// A transient fault (a busy answer, a refused or reset connection) is met by sending the
// request again when that is safe, and a busy answer that persists is an error: retry.go.
func (s *Sender) Post(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	held, err := s.retry.hold(ctx)
	if err != nil {
		return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
	}
	ex := s.retry.after(ctx, s.post(ctx, f, v), f, func() *Exchange { return s.post(ctx, f, v) })
	if held != "" {
		ex.Retries = append([]string{held}, ex.Retries...)
	}
	return ex
}

// post sends the request once.
func (s *Sender) post(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	ex := &Exchange{Fixture: f, Operation: f.Operation(), values: &v}
	req, err := f.Build(s.Target, v, s.Headers)
	if err != nil {
		ex.Err = &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s: %w", f.ID, err)}
		return ex
	}
	ex.Timeout = s.Timeout
	grace := s.late.grace(s.Timeout)
	defer func() { s.late.record(ex, s.Timeout, grace) }()
	if s.inFlight != nil {
		// Waiting for a place is not the target's time: it is before the timeout starts.
		select {
		case s.inFlight <- struct{}{}:
			defer func() { <-s.inFlight }()
		case <-ctx.Done():
			ex.Err = &TransportError{Kind: "interrupted", Err: fmt.Errorf("waiting to send: %w", context.Cause(ctx))}
			return ex
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout+grace)
	defer cancel()
	start := time.Now()
	trace := &headTrace{watch: s.conns, requestClose: req.Close || hasToken(strings.Join(req.Header.Values("Connection"), ","), "close")}
	resp, err := s.Client.Do(req.WithContext(trace.context(ctx)))
	head, whole, kept := trace.head()
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Err = classify(err)
		if ex.Err.(*TransportError).Kind == "truncated" {
			// The connection closed before a whole status line and header arrived: no
			// answer, as after a reset (a kept-alive connection the server closed as the
			// request crossed it reads so), and a question is sent again (retry.go).
			ex.Err = &TransportError{Kind: "reset", Err: err}
		}
		// A head Go's client refused is the target's when it breaks HTTP's syntax: the
		// bytes that came, when kept, or the words of the refusal say which rule.
		if ex.Err.(*TransportError).Kind == "other" && (whole || !kept) {
			fs := errFindings(err)
			if whole {
				fs = headFindings(head)
			}
			if len(fs) > 0 {
				malformed(ex, fs, err)
			}
		}
		return ex
	}
	if whole {
		ex.findings = headFindings(head)
	} else if !kept {
		ex.findings = keptFindings(resp)
	}
	if f, ok := s.conns.finding(); ok { // closes.go
		ex.findings = append(ex.findings, f)
	}
	// Closing a body not read to its end closes the connection: the rest of an oversized
	// body is never read, and the timeout bounds the whole exchange, body included.
	defer resp.Body.Close()
	ex.Status, ex.Header = resp.StatusCode, resp.Header
	codings, untilClose := trace.transferCodings()
	var open bool
	if untilClose {
		ex.Body, open, err = readToClose(resp.Body, codings) // transfercoding.go
	} else {
		ex.Body, err = readBody(resp.Body, resp.ContentLength)
	}
	ex.Duration = time.Since(start)
	ex.BodyBytes = int64(len(ex.Body))
	if len(codings) > 0 || untilClose {
		// A transfer coding the transport took out of the head (transfercoding.go).
		if err != nil {
			ex.Err = classify(err)
		}
		undoTransferCodings(ex, codings, untilClose, open)
		if ex.Err != nil {
			return ex
		}
		decodeContent(ex, req.Header.Get("Accept-Encoding"))
		return ex
	}
	switch {
	case err != nil:
		ex.Err = classify(err)
		if ex.Err.(*TransportError).Kind == "other" || ex.Err.(*TransportError).Kind == "reset" || ex.Err.(*TransportError).Kind == "truncated" {
			declared := ""
			if resp.ContentLength >= 0 {
				declared = fmt.Sprintf(" of the %d its Content-Length declares", resp.ContentLength)
			} else if len(resp.TransferEncoding) > 0 {
				declared = ", before the chunked body's last chunk"
			}
			ex.Err = &TransportError{Kind: "truncated", Err: fmt.Errorf("response body ended after %d bytes%s (%w): %w", len(ex.Body), declared, errBodyCut, err)}
		}
		return ex
	case len(ex.Body) > maxResponseBytes:
		ex.Body = ex.Body[:maxResponseBytes]
		ex.BodyBytes = resp.ContentLength // -1 when unknown, as BodyBytes says
		declared := ""
		if resp.ContentLength > 0 {
			declared = fmt.Sprintf(" (Content-Length %d)", resp.ContentLength)
		}
		ex.Err = &TransportError{Kind: "truncated", Err: fmt.Errorf("response body over %d bytes%s; not read further", maxResponseBytes, declared)}
	default:
		decodeContent(ex, req.Header.Get("Accept-Encoding"))
	}
	return ex
}

// readBody reads at most maxResponseBytes+1 bytes of a body (io.ReadAll's loop), into one
// buffer of the size the target declared when it declared one within the bound.
func readBody(body io.Reader, declared int64) ([]byte, error) {
	size := int64(512)
	if declared >= 0 && declared <= maxResponseBytes {
		size = declared + 1 // +1: room for the read that finds the end
	}
	r := io.LimitReader(body, maxResponseBytes+1)
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// redact blanks the values of credential headers and of the run's extra headers (a
// --header may carry an API key) in a rendered request.
func redact(raw []byte, extra http.Header) []byte {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return raw
	}
	names := fixtures.SecretHeaders() // never in evidence, whatever the run's flags
	for k := range extra {
		names = append(names, k)
	}
	lines := bytes.Split(head, []byte("\r\n"))
	for i, line := range lines[1:] {
		name, _, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		for _, n := range names {
			if strings.EqualFold(strings.TrimSpace(string(name)), n) {
				lines[i+1] = append(append([]byte(nil), name...), []byte(": [redacted]")...)
			}
		}
	}
	return append(append(bytes.Join(lines, []byte("\r\n")), "\r\n\r\n"...), body...)
}

// excerpt shortens a body for evidence, keeping the start where the Envelope opens; total
// is the whole body's length (-1 when unknown), of which b may be only the start.
func excerpt(b []byte, limit int, total int64) string {
	if total >= 0 && int64(len(b)) >= total && len(b) <= limit {
		return string(b)
	}
	shown := b[:min(len(b), limit)]
	if total < 0 {
		return string(shown) + "\n… (more bytes, how many unknown)"
	}
	return string(shown) + fmt.Sprintf("\n… (%d more bytes)", total-int64(len(shown)))
}
