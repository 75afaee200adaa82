package suites

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
)

// TestTransientFaultKinds: what the retrier reads as a transient fault, and the wait the
// target asked for, as IIS (503 or 429, Retry-After in seconds or as an HTTP date) and
// Exchange Online (ErrorServerBusy, BackOffMilliseconds) say it; a timeout, a complete
// fault or a 500 without ErrorServerBusy is none.
func TestTransientFaultKinds(t *testing.T) {
	now := time.Now()
	busyFault := []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>a:ErrorServerBusy</faultcode>` +
		`<detail><e:ResponseCode xmlns:e="x">ErrorServerBusy</e:ResponseCode><t:MessageXml xmlns:t="y"><t:Value Name="BackOffMilliseconds">1500</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>`)
	for _, c := range []struct {
		name string
		ex   *Exchange
		kind string
		wait time.Duration
	}{
		{"503 Retry-After seconds", &Exchange{Status: 503, Header: http.Header{"Retry-After": {"2"}}}, "busy", 2 * time.Second},
		{"429 Retry-After date", &Exchange{Status: 429, Header: http.Header{"Retry-After": {now.Add(90 * time.Second).UTC().Format(http.TimeFormat)}}}, "busy", 89 * time.Second},
		{"503 without Retry-After", &Exchange{Status: 503, Header: http.Header{}}, "busy", 0},
		{"ErrorServerBusy", &Exchange{Status: 500, Header: http.Header{}, Body: busyFault}, "busy", 1500 * time.Millisecond},
		{"refused", &Exchange{Err: classify(syscall.ECONNREFUSED)}, "refused", 0},
		{"reset", &Exchange{Err: classify(syscall.ECONNRESET)}, "reset", 0},
		{"timeout", &Exchange{Err: classify(context.DeadlineExceeded)}, "", 0},
		{"a fault", &Exchange{Status: 500, Header: http.Header{}, Body: []byte("<Envelope><Body><Fault>InvalidCallIdException</Fault></Body></Envelope>")}, "", 0},
		{"an answer", &Exchange{Status: 200, Header: http.Header{}}, "", 0},
	} {
		kind, _, wait, ok := transientFault(c.ex)
		if kind != c.kind || ok != (c.kind != "") || wait < c.wait || wait > c.wait+time.Second {
			t.Errorf("%s: %q, wait %v, %v; want %q, wait %v", c.name, kind, wait, ok, c.kind, c.wait)
		}
	}
}

// TestRetrierSendsAgainOnlyWhatIsSafe: a read-only question is sent again after a busy
// answer or a reset, and the exchange says so; a PlayOnPhone or a Disconnect is sent again
// only after a refused connection (the server never got it), never after a reset or a
// busy answer, which becomes an error, as does a busy answer that asks for a wait past
// maxWait; a hostile probe is never sent again.
func TestRetrierSendsAgainOnlyWhatIsSafe(t *testing.T) {
	e := referenceEnv(t, "exchange", 5)
	lookup := func(id string) fixtures.Fixture {
		f, ok := e.cfg.Fixtures.Lookup(id)
		if !ok {
			t.Fatalf("no fixture %s", id)
		}
		return f
	}
	question, place, end := lookup(pollFixture), lookup(CreateCallFixture), lookup(disconnectFixture)
	probe := umProbeRequest("probe", "", "x")
	busy := func() *Exchange { return &Exchange{Status: 503, Header: http.Header{"Retry-After": {"0"}}} }
	reset := func() *Exchange { return &Exchange{Err: classify(syscall.ECONNRESET)} }
	refused := func() *Exchange { return &Exchange{Err: classify(syscall.ECONNREFUSED)} }
	ok := func() *Exchange { return &Exchange{Status: 200, Header: http.Header{}} }
	for _, c := range []struct {
		name    string
		f       fixtures.Fixture
		first   func() *Exchange
		sent    int    // times again is called
		errKind string // of the exchange returned, "" for none
	}{
		{"question, busy", question, busy, 1, ""},
		{"question, reset", question, reset, 1, ""},
		{"PlayOnPhone, refused", place, refused, 1, ""},
		{"PlayOnPhone, reset", place, reset, 0, "reset"},
		{"PlayOnPhone, busy", place, busy, 0, "busy"},
		{"Disconnect, busy", end, busy, 0, "busy"},
		{"probe, busy", probe, busy, 0, "busy"},
		{"question, busy past maxWait", question, func() *Exchange {
			return &Exchange{Status: 503, Header: http.Header{"Retry-After": {"3600"}}}
		}, 0, "busy"},
	} {
		r := &retrier{}
		sent := 0
		ex := r.after(context.Background(), c.first(), c.f, func() *Exchange { sent++; return ok() })
		var te *TransportError
		gotKind := ""
		if errors.As(ex.Err, &te) {
			gotKind = te.Kind
		}
		if sent != c.sent || gotKind != c.errKind || len(ex.Retries) == 0 {
			t.Errorf("%s: sent again %d times, error %q, retries %q; want %d, %q and the retries said", c.name, sent, gotKind, ex.Retries, c.sent, c.errKind)
		}
	}
	// A wait past the time the check has left is not made: the exchange is an error at once.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if ex := (&retrier{}).after(ctx, &Exchange{Status: 503, Header: http.Header{"Retry-After": {"5"}}}, question, func() *Exchange { t.Error("sent again past the deadline"); return ok() }); ex.Err == nil {
		t.Error("a busy answer with no time left to wait is no error")
	}
	// A request held for a busy target with no time left is not sent: sent late, it would
	// be judged a timeout (X5).
	held := &retrier{}
	held.holdFor(time.Second)
	hctx, hcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer hcancel()
	if _, err := held.hold(hctx); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("held past the check's time: %v, want an interrupted exchange", err)
	}
	// A fault that persists: three attempts, then an error that says it was throttled.
	r := &retrier{}
	sent := 0
	ex := r.after(context.Background(), busy(), question, func() *Exchange { sent++; return busy() })
	if sent != maxRetries || ex.Err == nil || !strings.Contains(ex.Err.Error(), "throttling") || len(ex.Retries) != maxRetries+1 {
		t.Errorf("a persistent busy answer: sent again %d times, error %v, retries %q", sent, ex.Err, ex.Retries)
	}
	if s := r.summary(); !strings.Contains(s, "2 requests sent again after transient faults (3 busy or throttling answers)") {
		t.Errorf("summary %q", s)
	}
}
