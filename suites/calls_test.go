package suites

import (
	"context"
	"testing"

	"github.com/umconform/umconform/fixtures"
)

// replayAnswer replays fixture id and reads the answer.
func replayAnswer(t *testing.T, e *Env, id string) answer {
	t.Helper()
	ex := e.replay(context.Background(), e.umAPI(), id)
	if ex.Err != nil {
		t.Fatalf("replay %s: %v", id, ex.Err)
	}
	e.um.sender.validate(ex)
	return answerOf(ex)
}

// hangUpShared ends the shared call behind the harness's back, as a far end hanging up.
func hangUpShared(t *testing.T, e *Env) {
	t.Helper()
	dc, _ := e.cfg.Fixtures.Lookup(disconnectFixture)
	if ex := e.um.sender.Send(context.Background(), dc, fixtures.Values{Call: e.um.shared.id}); ex.Err != nil || ex.Status != 200 {
		t.Fatalf("ending the shared call: %v, HTTP %d", ex.Err, ex.Status)
	}
}

// TestSharedCall: the fixtures that read a call share one, and a new one is placed only when
// it ended by itself (then the fixture that found it gone is sent again, on the new call),
// or when a hostile request spoiled it.
func TestSharedCall(t *testing.T) {
	t.Run("shared until it ends", func(t *testing.T) {
		e := referenceEnv(t, "exchange", 5)
		for range 3 {
			if a := replayAnswer(t, e, pollFixture); a.State != "Connected" && a.State != "Alerted" && a.State != "Connecting" {
				t.Fatalf("answer %s, want a live call", a)
			}
		}
		if n := e.Placed(); n != 1 {
			t.Fatalf("%d calls placed for three readers, want 1", n)
		}
		hangUpShared(t, e)
		if a := replayAnswer(t, e, pollFixture); a.State != stateDisconnected {
			t.Fatalf("answer %s after the far end hung up, want Disconnected", a)
		}
		if a := replayAnswer(t, e, pollFixture); !a.isInfo() || a.State == stateDisconnected || e.Placed() != 2 {
			t.Errorf("next reader got %s with %d calls placed; want a new live call, the second", a, e.Placed())
		}
	})
	t.Run("forgotten: sent again on a new call", func(t *testing.T) {
		e := referenceEnv(t, "legal-forget-on-disconnect", 5)
		replayAnswer(t, e, pollFixture)
		hangUpShared(t, e)
		if a := replayAnswer(t, e, pollFixture); !a.isInfo() || a.State == stateDisconnected || e.Placed() != 2 {
			t.Errorf("got %s with %d calls placed; want the fixture answered about a new live call", a, e.Placed())
		}
	})
	t.Run("never live: kept", func(t *testing.T) {
		// The first question about each new call is refused: a call not yet seen live
		// that is refused has not ended, and must not cost a call per fixture.
		e := referenceEnv(t, "l1-callid-not-ready", 5)
		for i := range 3 {
			// The first question about the call just placed is asked again before it is
			// judged: the refusal is L1's business, not the fixture's.
			if a := replayAnswer(t, e, pollFixture); !a.isInfo() {
				t.Errorf("reader %d got %s, want call information", i+1, a)
			}
		}
		if n := e.Placed(); n != 1 {
			t.Errorf("%d calls placed for three readers of a call refused at first, want 1 (not one per fixture)", n)
		}
	})
	for _, tt := range []struct {
		profile string
		placed  int
	}{
		{"exchange", 1},                    // still live after the malformed request: kept
		{"x3-poisoned-after-malformed", 2}, // spoiled by it: replaced
	} {
		t.Run("after a hostile request, "+tt.profile, func(t *testing.T) {
			e := referenceEnv(t, tt.profile, 5)
			replayAnswer(t, e, pollFixture)
			e.replay(context.Background(), e.umAPI(), "gci-malformed-truncated")
			if a := replayAnswer(t, e, pollFixture); !a.isInfo() || e.Placed() != tt.placed {
				t.Errorf("got %s with %d calls placed, want call information and %d", a, e.Placed(), tt.placed)
			}
		})
	}
	t.Run("budget", func(t *testing.T) {
		e := referenceEnv(t, "exchange", 5)
		e.calls.max = 1
		replayAnswer(t, e, pollFixture)
		ex := e.replay(context.Background(), e.umAPI(), "dc-request") // needs a call of its own
		if !isBudget(ex.Err) || e.Placed() != 1 {
			t.Errorf("second call: %v with %d placed, want the budget error and 1", ex.Err, e.Placed())
		}
		if o := cannotJudgeFor(ex.Err, "x"); !o.Skipped {
			t.Errorf("a budget error judges as %+v, want skipped", o)
		}
	})
}

// TestEWSFixturesShareACall: the EWS fixtures that only ask about their call share one, as
// the UM ones do; a DisconnectPhoneCall gets a call of its own; and the run's end ends the
// shared one.
func TestEWSFixturesShareACall(t *testing.T) {
	e := ewsReferenceEnv(t, "")
	corpus, _ := e.ews.fixtures.Wait()
	readers := 0
	for _, f := range corpus {
		if f.BindPhoneCallID == "" || f.Operation() != "GetPhoneCallInformation" || f.Expect.Outcome != fixtures.Success {
			continue
		}
		readers++
		if a := ewsAnswerOf(e.exchange(context.Background(), e.ewsAPI(), f.ID)); !a.isInfo() {
			t.Errorf("%s: %s, want call information", f.ID, a)
		}
	}
	if readers < 3 || e.Placed() != 1 {
		t.Fatalf("%d calls placed for %d read-only EWS fixtures, want 1", e.Placed(), readers)
	}
	for _, f := range corpus {
		if f.BindPhoneCallID != "" && f.Operation() == "DisconnectPhoneCall" {
			e.exchange(context.Background(), e.ewsAPI(), f.ID)
			if e.Placed() != 2 {
				t.Errorf("%s: %d calls placed, want its own second one", f.ID, e.Placed())
			}
			break
		}
	}
	e.endShared()
	if e.ews.shared.id != "" {
		t.Error("the shared EWS call was not ended")
	}
}

// TestEWSFixtureOnANewCallIsAskedAgain: an EWS target that refuses the first question about
// each new call (E8's break) fails E8, not the requirements of the first fixture that reads
// the shared call: the fixture is sent again a poll interval later.
func TestEWSFixtureOnANewCallIsAskedAgain(t *testing.T) {
	e := ewsReferenceEnv(t, "e8-id-not-ready")
	f, ok := e.ews.fixtures.Lookup(ewsPollFixture)
	if !ok {
		t.Fatalf("no fixture %s", ewsPollFixture)
	}
	if a := ewsAnswerOf(e.exchange(context.Background(), e.ewsAPI(), f.ID)); !a.isInfo() {
		t.Errorf("%s on a call just placed: %s, want call information", f.ID, a)
	}
	if n := e.Placed(); n != 1 {
		t.Errorf("%d calls placed, want 1", n)
	}
}
