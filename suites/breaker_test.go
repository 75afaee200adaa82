package suites

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
)

func transportErr(kind string) error {
	return &TransportError{Kind: kind, Err: errors.New(kind + " happened")}
}

// TestBreakerOpensAfterFailuresInARow: five exchanges in a row without a complete
// response, of any kind, stop the run; a complete response resets the count; what the
// harness itself could not do neither counts nor resets; the message names the cause.
func TestBreakerOpensAfterFailuresInARow(t *testing.T) {
	timeout, refused, truncated := transportErr("timeout"), transportErr("refused"), transportErr("truncated")
	fixture, setup, interrupted := transportErr("fixture"), transportErr("setup"), transportErr("interrupted")
	tests := []struct {
		name string
		errs []error
		want string // "" when the breaker stays closed, else part of its message
	}{
		{"five timeouts", []error{timeout, timeout, timeout, timeout, timeout}, "the target stopped answering: 5 timeouts in a row (the last: timeout: timeout happened); not sent"},
		{"four timeouts", []error{timeout, timeout, timeout, timeout}, ""},
		{"a complete response between", []error{timeout, timeout, timeout, timeout, nil, timeout, timeout, timeout, timeout}, ""},
		{"kinds mixed", []error{timeout, refused, timeout, truncated, timeout}, "5 requests without a complete response (3 timeouts, 1 refused connections, 1 truncated or oversized responses) in a row"},
		{"the harness's own errors do not reset", []error{timeout, timeout, fixture, setup, timeout, interrupted, timeout, timeout}, "5 timeouts in a row"},
		{"nor count", []error{fixture, fixture, fixture, fixture, fixture, setup, interrupted}, ""},
		{"five refused", []error{refused, refused, refused, refused, refused}, "5 refused connections in a row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &breaker{limit: breakerLimit}
			for _, err := range tt.errs {
				b.record(err)
			}
			err := b.open()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("open: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if err == nil {
				return
			}
			// A check of a request not sent cannot be judged, X5 included: it was no timeout.
			ex := &Exchange{Operation: "GetCallInfo", Err: err}
			if o := judgeX5(ex); !o.CannotJudge {
				t.Errorf("X5 of a request not sent: %+v", o)
			}
			b.record(nil) // once open, it stays open
			if b.open() == nil {
				t.Error("a complete response closed an open breaker")
			}
		})
	}
}

// TestRunStopsSendingToATargetThatStoppedAnswering: against a target that takes POSTs and
// never answers, the replay sends five requests, then none: each later fixture, bound to
// a live call or not, gets the breaker's error at once; lifecycle calls are not placed.
func TestRunStopsSendingToATargetThatStoppedAnswering(t *testing.T) {
	var posts atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	u, _ := url.Parse(srv.URL + "/EWS/UM2007Legacy.asmx")
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEnv(Config{Target: u, Validator: validator(t), Fixtures: fixtures.Loaded(corpus, nil), Timeout: 100 * time.Millisecond,
		DialString: "1", EntryID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"gci-callid-unknown", "gci-doc-request", "gci-callid-empty", "gci-minified", "gci-callid-whitespace", "gci-soapui", "gci-tabs", "dc-callid-unknown"}
	for i, id := range ids {
		start := time.Now()
		ex := e.replay(context.Background(), e.umAPI(), id)
		var te *TransportError
		if !errors.As(ex.Err, &te) {
			t.Fatalf("%s: %v", id, ex.Err)
		}
		if i < breakerLimit && te.Kind != "timeout" && !strings.Contains(te.Error(), "timeout") {
			t.Errorf("%s (request %d): %v, want a timeout", id, i+1, ex.Err)
		}
		if i >= breakerLimit && (te.Kind != "stopped" || time.Since(start) > 50*time.Millisecond) {
			t.Errorf("%s (request %d): %v after %v, want the breaker's error at once", id, i+1, ex.Err, time.Since(start))
		}
	}
	if n := posts.Load(); n != breakerLimit {
		t.Errorf("%d requests reached the target, want %d", n, breakerLimit)
	}
	if !strings.Contains(e.Stopped(), "the target stopped answering: 5 timeouts in a row") {
		t.Errorf("Stopped() = %q", e.Stopped())
	}
	if run := e.NewRun(); run.Stopped != e.Stopped() || run.ExitCode() != 2 {
		t.Errorf("the run's report: stopped %q, exit %d", run.Stopped, run.ExitCode())
	}
	if _, _, err := e.placeCall(context.Background(), e.umAPI(), "1", false); err == nil || posts.Load() != breakerLimit {
		t.Errorf("a lifecycle call after the breaker opened: %v, %d requests", err, posts.Load())
	}
}

// TestEWSEndpointThatStopsAnsweringStopsTheRun: the EWS endpoint's breaker opens after as
// many silent exchanges as the UM one's, and the run's report says why it stopped (exit 2).
func TestEWSEndpointThatStopsAnsweringStopsTheRun(t *testing.T) {
	e := ewsReferenceEnv(t, "")
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(release)
	e.ews.sender.Target, _ = url.Parse(silent.URL + "/EWS/Exchange.asmx")
	e.ews.sender.Timeout = 50 * time.Millisecond
	for range breakerLimit {
		if ex, _ := e.question(context.Background(), e.ewsAPI(), "x"); ex.Err == nil {
			t.Fatal("a silent endpoint answered")
		}
	}
	if why := e.Stopped(); !strings.HasPrefix(why, "the EWS endpoint: the target stopped answering: 5 timeouts in a row") {
		t.Errorf("Stopped() = %q", why)
	}
	if run := e.NewRun(); run.ExitCode() != 2 {
		t.Errorf("exit %d, want 2", run.ExitCode())
	}
}
