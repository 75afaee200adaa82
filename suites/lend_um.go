package suites

import (
	"context"

	"github.com/umconform/umconform/fixtures"
)

// The UM replay's Disconnect fixture needs a live call of its own, and the corpus's own
// PlayOnPhone fixture (CreateCallFixture, the documented request with the run's entry id
// and dial string) places one that its replay would end at once. Replayed apart, the two
// cost two calls; lent, one: the Disconnect's call is placed by sending the PlayOnPhone
// fixture as that fixture's own exchange, which its checks then judge, and the Disconnect
// ends it. A default run against both APIs so places 8 UM calls, not 9. lend.go does the
// same for EWS with more fixtures and scenarios; the UM replay sends its fixtures in one
// goroutine, in corpus order, so one loan is all it needs.

// umLentCall places a call for a UM replay that changes its call by sending
// CreateCallFixture through that fixture's memo, once in a run, if no check or replay has
// sent it yet. It reports false when it did not place a call: the caller then places one
// of its own (ownCall), whose request is that same fixture.
func (e *Env) umLentCall(ctx context.Context) (id string, ok bool) {
	e.umLent.Do(func() {
		f, found := e.cfg.Fixtures.Lookup(CreateCallFixture)
		if !found || f.Expect.Outcome != fixtures.Success {
			return
		}
		m, first := e.claim(f.ID)
		if !first { // replayed already: its call is ended
			return
		}
		defer close(m.done)
		if err := e.breaker.open(); err != nil {
			m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
			return
		}
		m.ex = e.sendPlayOnPhone(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString})
		e.breaker.record(m.ex.Err)
		if m.ex.Err != nil || m.ex.Status != 200 {
			return
		}
		e.sender.validate(m.ex)
		if v, found := m.ex.Result.Value("PlayOnPhoneResponse"); found && v != "" && m.ex.Result.Message == "PlayOnPhoneResponse" {
			id, ok = v, true
		}
	})
	return id, ok
}
