package suites

import (
	"context"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/schema"
)

// seq parses "Connecting/None Alerted/None Fault:InvalidCallIdException" into answers.
func seq(s string) []answer {
	var out []answer
	for _, f := range strings.Fields(s) {
		if exc, ok := strings.CutPrefix(f, "Fault:"); ok {
			out = append(out, answer{Other: "Fault " + exc, Exception: exc})
			continue
		}
		state, cause, _ := strings.Cut(f, "/")
		out = append(out, answer{State: state, Cause: cause, Response: true})
	}
	return out
}

func verdictOf(o Outcome) string {
	switch {
	case o.CannotJudge:
		return "cannot judge"
	case o.Pass:
		return "pass"
	}
	return "fail"
}

func TestSequenceJudges(t *testing.T) {
	judges := map[string]func([]answer) Outcome{"L2": judgeL2Seq, "L3": judgeL3Seq, "L4": judgeL4Seq}
	tests := []struct {
		name   string
		seq    string
		failed []string // requirements the sequence breaks; the others must pass
	}{
		{"answered and hung up", "Connecting/None Alerted/None Connected/None Disconnected/None", nil},
		{"states skipped, as Exchange 2013 does", "Connecting/None Connected/None Disconnected/None", nil},
		{"busy", "Connecting/None Disconnected/UserBusy Disconnected/UserBusy", nil},
		{"queued then answered", "Idle/None Connecting/None Connected/None", nil},
		{"transferred then forwarded (same rank)", "Connected/None Transferring/None Forwarding/None Transferring/None Disconnected/None", nil},
		{"faults are skipped", "Fault:InvalidCallIdException Connecting/None Connected/None Disconnected/NoAnswer Fault:InvalidCallIdException", nil},
		{"empty", "", nil},
		{"backwards", "Connecting/None Connected/None Connecting/None", []string{"L4"}},
		{"Alerted after Connected", "Connected/None Alerted/None", []string{"L4"}},
		{"resurrected", "Connecting/None Disconnected/UserBusy Connected/None", []string{"L3", "L4"}},
		{"resurrected behind a fault", "Disconnected/None Fault:InvalidCallIdException Connected/None", []string{"L3", "L4"}},
		{"incoming", "Incoming/None Connected/None", []string{"L4"}},
		{"cause while connected", "Connecting/None Connected/Other Disconnected/Other", []string{"L2"}},
		{"cause while connecting", "Connecting/UserBusy", []string{"L2"}},
		{"Unavailable only once disconnected", "Alerted/None Disconnected/Unavailable", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for id, j := range judges {
				want := "pass"
				for _, f := range tt.failed {
					if f == id {
						want = "fail"
					}
				}
				o := j(seq(tt.seq))
				if got := verdictOf(o); got != want {
					t.Errorf("%s on %q: %s, want %s (%+v)", id, tt.seq, got, want, o)
				}
				if want == "fail" && (o.Expected == "" || o.Actual == "" || !strings.Contains(o.Where, "answer")) {
					t.Errorf("%s on %q: failure without expected, actual and where: %+v", id, tt.seq, o)
				}
			}
		})
	}
}

func TestJudgeL1Seq(t *testing.T) {
	tests := []struct {
		seq  []answer
		want string
	}{
		{seq("Connecting/None Connected/None"), "pass"},
		{seq("Fault:InvalidCallIdException Connecting/None"), "fail"},
		{[]answer{{Other: "HTTP 200 with PlayOnPhoneResponse"}}, "fail"},
		// Values outside the enumerations are S2's business: the call was still reported.
		{[]answer{{Other: "connecting/none (outside the enumerations)", Response: true}}, "pass"},
		{nil, "cannot judge"},
	}
	for _, tt := range tests {
		if got := verdictOf(judgeL1Seq(tt.seq)); got != tt.want {
			t.Errorf("L1 on %v: %s, want %s", tt.seq, got, tt.want)
		}
	}
}

func TestJudgeL5Seq(t *testing.T) {
	tests := []struct {
		name               string
		disconnected, done bool
		after              string
		want               string
	}{
		{"disconnected", true, false, "Disconnected/None Disconnected/None", "pass"},
		{"forgotten", true, false, "Fault:InvalidCallIdException Fault:InvalidCallIdException", "pass"},
		{"ended with its own cause", true, true, "Disconnected/UserBusy", "pass"},
		{"carries on", true, false, "Connected/None Connected/None", "fail"},
		{"disconnected, then not", true, false, "Disconnected/None Connected/None", "fail"},
		{"another fault", true, false, "Fault:InvalidObjectIdException", "fail"},
		{"Disconnect refused on an ended call", false, true, "Disconnected/UserBusy", "pass"},
		{"Disconnect refused on a live call", false, false, "Connected/None", "cannot judge"},
		{"nothing asked", true, false, "", "cannot judge"},
	}
	for _, tt := range tests {
		o := judgeL5Seq(tt.disconnected, tt.done, "HTTP 500 with a Fault", seq(tt.after))
		if got := verdictOf(o); got != tt.want {
			t.Errorf("%s: %s, want %s (%+v)", tt.name, got, tt.want, o)
		}
	}
}

func TestAnswerOf(t *testing.T) {
	v := validator(t)
	gci := func(state, cause string) *Exchange {
		body := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
			`<GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><GetCallInfoResponse>` +
			`<CallState>` + state + `</CallState><EventCause>` + cause + `</EventCause></GetCallInfoResponse></GetCallInfoResponse></soap:Body></soap:Envelope>`
		return &Exchange{Status: 200, Body: []byte(body), Result: v.ValidateAs([]byte(body), schema.KindResponse)}
	}
	fault := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>` +
		`<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/errors">a:InvalidCallIdException</faultcode>` +
		`<faultstring>The call identifier isn't valid.</faultstring><detail>` +
		`<ExceptionType xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">a:InvalidCallIdException</ExceptionType>` +
		`</detail></soap:Fault></soap:Body></soap:Envelope>`
	tests := []struct {
		ex   *Exchange
		want answer
	}{
		{gci("Connected", "None"), answer{State: "Connected", Cause: "None", Response: true}},
		{gci("disconnected", "userbusy"), answer{State: "Disconnected", Cause: "UserBusy", Response: true}},
		{gci("Ringing", "None"), answer{Other: "Ringing/None (outside the enumerations)", Response: true}},
		{&Exchange{Status: 500, Body: []byte(fault), Result: v.ValidateAs([]byte(fault), schema.KindResponse)},
			answer{Other: "Fault InvalidCallIdException", Exception: "InvalidCallIdException"}},
	}
	for _, tt := range tests {
		if got := answerOf(tt.ex); got != tt.want {
			t.Errorf("answerOf(%s):\n got %+v\nwant %+v", tt.ex.Body, got, tt.want)
		}
	}
}

// TestBreakingExchange: the evidence of a broken rule is the exchange that broke it, not
// the last one of the trace.
func TestBreakingExchange(t *testing.T) {
	tr := &callTrace{Answers: seq("Connecting/None Disconnected/UserBusy Connected/None Disconnected/UserBusy"), DisconnectAt: 3}
	for range tr.Answers {
		tr.Polls = append(tr.Polls, &Exchange{})
	}
	if got := breakingExchange("L3", tr); got != tr.Polls[2] {
		t.Errorf("L3 evidence: exchange %p, want the third poll %p", got, tr.Polls[2])
	}
	if got := breakingExchange("L2", tr); got != nil {
		t.Errorf("L2 holds, yet evidence %p", got)
	}
}

func TestTraceStates(t *testing.T) {
	tr := &callTrace{Answers: seq("Connecting/None Connected/None Connected/None Connected/None Disconnected/None Disconnected/None"), DisconnectAt: 4}
	got := strings.Join(tr.states(), " → ")
	want := "Connecting/None → Connected/None ×3 → [Disconnect] → Disconnected/None ×2"
	if got != want {
		t.Errorf("states:\n got %s\nwant %s", got, want)
	}
}

func validator(t *testing.T) *schema.Validator {
	t.Helper()
	v, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var corpusOnce = sync.OnceValues(fixtures.LoadEmbedded)

// referenceEnv starts the reference server with profile and returns an Env aimed at it.
func referenceEnv(t *testing.T, profile string, limit int) *Env {
	t.Helper()
	h, err := reference.NewHandler(reference.Options{Profile: profile, Step: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL + reference.LegacyPath)
	corpus, err := corpusOnce()
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEnv(Config{Target: u, Validator: validator(t), Timeout: 5 * time.Second, Fixtures: fixtures.Loaded(corpus, nil),
		DialString: reference.DefaultDialString, EntryID: reference.DefaultEntryID,
		PollInterval: 2 * time.Millisecond, PollLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTraceCall follows calls on the reference server, correct and broken: the trace must
// record what happened, and each broken profile must trip its rule (and only the rules
// the reference documents as implied).
func TestTraceCall(t *testing.T) {
	all := []string{"L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "X5"}
	tests := []struct {
		profile, dial string
		fails         []string
		states        string // a substring of the rendered states
	}{
		{"exchange", "+15550101", nil, "Disconnected/UserBusy ×3 → [Disconnect] → Disconnected/UserBusy ×2"},
		{"exchange", "+15550100", nil, "Connected/None ×"},
		{"exchange", "+15550108", []string{"L4"}, "Incoming/None"},
		{"legal-forget-on-disconnect", "+15550100", nil, "[Disconnect] → Fault InvalidCallIdException ×2"},
		{"legal-exchange2013-states", "+15550104", nil, "Connected/None"},
		{"l1-callid-not-ready", "+15550100", []string{"L1"}, "Fault InvalidCallIdException → "},
		{"l2-cause-while-active", "+15550100", []string{"L2"}, "Connected/Other"},
		{"l3-resurrects", "+15550101", []string{"L3", "L4"}, "Disconnected/UserBusy → Connected/None"},
		{"l4-moves-backwards", "+15550100", []string{"L4"}, "Connecting/None"},
		{"l5-disconnect-ignored", "+15550100", []string{"L5"}, "[Disconnect] → Connected/None"},
		{"s3-unavailable-cause", "+15550101", []string{"S3"}, "Disconnected/Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.profile+"/"+tt.dial, func(t *testing.T) {
			e := referenceEnv(t, tt.profile, 20)
			tr := e.traceCall(context.Background(), tt.dial)
			if tr.Err != nil {
				t.Fatalf("trace stopped: %v", tr.Err)
			}
			if got := strings.Join(tr.states(), " → "); !strings.Contains(got, tt.states) {
				t.Errorf("states %s: want %q in them", got, tt.states)
			}
			for _, id := range all {
				want := "pass"
				for _, f := range tt.fails {
					if f == id {
						want = "fail"
					}
				}
				if got := verdictOf(judgeTrace(id, tr)); got != want {
					t.Errorf("%s: %s, want %s (%+v)", id, got, want, judgeTrace(id, tr))
				}
				if want == "fail" && breakingExchange(id, tr) == nil {
					t.Errorf("%s broken, but no exchange found to show as evidence", id)
				}
			}
		})
	}
}

// TestTraceApart: two calls to one number, ended one at a time, are told apart by a
// correct server (L7, L8 and the single-call rules pass on each), and each broken profile
// trips its own rule: one CallId for every call (L7), answers about the newest call (L8).
func TestTraceApart(t *testing.T) {
	for _, tt := range []struct {
		profile string
		fails   []string
	}{
		{"exchange", nil},
		{"legal-forget-on-disconnect", nil},
		{"legal-exchange2013-states", nil},
		{"l7-same-callid", []string{"L7", "L8"}}, // one CallId for two calls cannot answer for both
		{"l8-newest-call", []string{"L8"}},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			e := referenceEnv(t, tt.profile, 20)
			traces := e.traceApart(context.Background(), e.umAPI(), []string{"+15550100", "+15550100"})
			for i, tr := range traces {
				if tr.Err != nil {
					t.Fatalf("call %d: %v", i+1, tr.Err)
				}
			}
			for _, id := range []string{"L7", "L8"} {
				o := judgeL8(traces)
				if id == "L7" {
					o = judgeL7(traces)
				}
				want := "pass"
				if slices.Contains(tt.fails, id) {
					want = "fail"
				}
				if got := verdictOf(o); got != want {
					t.Errorf("%s: %s, want %s (%+v)\n%v\n%v", id, got, want, o, traces[0].states(), traces[1].states())
				}
			}
			if len(tt.fails) == 0 {
				for i, tr := range traces {
					for _, id := range []string{"L1", "L2", "L3", "L4", "L5"} {
						if o := judgeTrace(id, tr); !o.Pass {
							t.Errorf("call %d: %s %+v", i+1, id, o)
						}
					}
				}
			}
		})
	}
}

// TestApartJudgesOnSequences: L8 on hand-written answers, the crosstalk a server with
// answers about the oldest call shows (call 2 reads Disconnected once call 1 is), and a
// call that ended by itself before the harness ended any, which proves nothing.
func TestApartJudgesOnSequences(t *testing.T) {
	live, ended := answer{State: "Connected", Cause: "None", Response: true}, answer{State: "Disconnected", Cause: "None", Response: true}
	refused := answer{Other: "Fault InvalidCallIdException", Exception: "InvalidCallIdException"}
	mk := func(id string, others int, dc int, as ...answer) *callTrace {
		return &callTrace{CallID: id, Answers: as, OthersEndedAt: others, DisconnectAt: dc}
	}
	for name, tt := range map[string]struct {
		traces []*callTrace
		want   string
	}{
		"kept apart":         {[]*callTrace{mk("a", -1, 1, live, ended, ended, ended), mk("b", 1, 2, live, live, ended, refused)}, "pass"},
		"oldest answered":    {[]*callTrace{mk("a", -1, 1, live, ended, ended, ended), mk("b", 1, 2, live, ended, ended, ended)}, "fail"},
		"newest answered":    {[]*callTrace{mk("a", -1, 1, live, live, ended, ended), mk("b", 1, 2, live, live, ended, ended)}, "fail"},
		"ended by itself":    {[]*callTrace{mk("a", -1, 1, ended, ended, ended), mk("b", 1, 2, live, live, ended)}, "cannot judge"},
		"never disconnected": {[]*callTrace{mk("a", -1, -1, live), mk("b", -1, -1, live)}, "cannot judge"},
	} {
		if got := verdictOf(judgeL8(tt.traces)); got != tt.want {
			t.Errorf("%s: L8 %s, want %s (%+v)", name, got, tt.want, judgeL8(tt.traces))
		}
	}
	if got := verdictOf(judgeL7([]*callTrace{mk("a", -1, -1), mk("a", -1, -1)})); got != "fail" {
		t.Errorf("one CallId twice: L7 %s, want fail", got)
	}
}

// TestTraceUnjudgeable: a target that is gone, or no number to call, makes every rule
// unjudgeable, never failed.
func TestTraceUnjudgeable(t *testing.T) {
	e := referenceEnv(t, "exchange", 5)
	noNumber := e.traceCall(context.Background(), "")
	e.um.sender.Target, _ = url.Parse("http://127.0.0.1:1" + reference.LegacyPath)
	gone := e.traceCall(context.Background(), "+15550100")
	for name, tr := range map[string]*callTrace{"no number": noNumber, "unreachable": gone} {
		for _, id := range []string{"L1", "L2", "L3", "L4", "L5", "S1", "X5"} {
			if o := judgeTrace(id, tr); !o.CannotJudge {
				t.Errorf("%s, %s: %+v, want cannot judge", name, id, o)
			}
		}
	}
}

// traceCall places a UM call to dial and follows it to its end (follow). A call that does
// not end by itself within the poll limit is ended by the harness; either way the harness
// then sends Disconnect and asks again, so that L5 is judged on every call.
func (e *Env) traceCall(ctx context.Context, dial string) *callTrace {
	return e.follow(ctx, e.umAPI(), dial)
}
