package suites

import (
	"bytes"
	"context"
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
// memory, and anything larger is no GetCallInfo answer.
const maxResponseBytes = 16 << 20

// Exchange is one request sent to the target and what came back.
type Exchange struct {
	Fixture   fixtures.Fixture
	Operation string // the request's Body child, e.g. GetCallInfo
	Request   []byte // the request as rendered, secrets redacted (by Sender.Check); for evidence only
	Status    int
	Header    http.Header
	Body      []byte
	Duration  time.Duration
	Result    schema.Result // the response validated as a response message
	validated bool          // Result is set: an answer is validated once
	Err       error         // set when no complete response arrived: see TransportError

	rendered []byte // the request as sent, until Check redacts it into Request
	// values, when set, are the live values the request was built with: Check renders
	// it for the evidence then, off the path every request waits on (Fixture.Build).
	values *fixtures.Values

	// evidence is made once, when a check first asks: the seven checks of a replay share
	// it, and lifecycle polls, which no check asks about, never pay for it.
	evidenceOnce sync.Once
	evidence     reports.Evidence
}

// TransportError says why an exchange has no complete response. Except for the timeout
// requirement (X5), it means the run cannot judge the target.
type TransportError struct {
	Kind string // "timeout", "refused", "reset", "truncated", "tls", "interrupted", "other"
	Err  error
}

func (e *TransportError) Error() string { return e.Kind + ": " + e.Err.Error() }
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
}

// Send renders f with v, posts it and validates the response. Transport problems are
// returned in Exchange.Err, never as a panic.
func (s *Sender) Send(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	ex := s.Post(ctx, f, v)
	s.Check(ex)
	return ex
}

// Check finishes an exchange Post made: it validates the response, if one came, and
// keeps the request for evidence with its secrets redacted. Post leaves both to it so that
// a run can do them for one exchange while the next request is on the wire.
func (s *Sender) Check(ex *Exchange) {
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
}

// validate validates the response, if one came.
func (s *Sender) validate(ex *Exchange) {
	if ex.Err == nil && !ex.validated {
		ex.Result = s.Validator.ValidateAs(ex.Body, schema.KindResponse)
		ex.validated = true
	}
}

// Post is Send without Check: Exchange.Request and Result stay empty until Check, which
// renders the request for the evidence then (Fixture.Build sends it without rendering).
func (s *Sender) Post(ctx context.Context, f fixtures.Fixture, v fixtures.Values) *Exchange {
	ex := &Exchange{Fixture: f, Operation: f.Operation(), values: &v}
	req, err := f.Build(s.Target, v, s.Headers)
	if err != nil {
		ex.Err = &TransportError{Kind: "fixture", Err: fmt.Errorf("fixture %s: %w", f.ID, err)}
		return ex
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	start := time.Now()
	resp, err := s.Client.Do(req.WithContext(ctx))
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Err = classify(err)
		return ex
	}
	defer resp.Body.Close()
	ex.Status, ex.Header = resp.StatusCode, resp.Header
	ex.Body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	ex.Duration = time.Since(start)
	switch {
	case err != nil:
		ex.Err = classify(err)
		if ex.Err.(*TransportError).Kind == "other" || ex.Err.(*TransportError).Kind == "reset" {
			ex.Err = &TransportError{Kind: "truncated", Err: fmt.Errorf("response body ended after %d bytes: %w", len(ex.Body), err)}
		}
		return ex
	case len(ex.Body) > maxResponseBytes:
		ex.Err = &TransportError{Kind: "truncated", Err: fmt.Errorf("response body over %d bytes; not read further", maxResponseBytes)}
	}
	return ex
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

// excerpt shortens a body for evidence, keeping the start where the Envelope opens.
func excerpt(b []byte, limit int) string {
	if len(b) <= limit {
		return string(b)
	}
	return string(b[:limit]) + fmt.Sprintf("\n… (%d more bytes)", len(b)-limit)
}
