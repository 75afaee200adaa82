package suites

import (
	"context"
	"sync"

	"github.com/umconform/umconform/fixtures"
)

// The corpus's own PlayOnPhone and DisconnectPhoneCall requests (the documented one and
// each client's wire form) must each be sent once, and each that succeeds places or ends a
// real call. Rather than place a call for each and end it at once, and then place more for
// the scenarios, the scenarios borrow them: a scenario's call is placed by replaying one of
// the PlayOnPhone fixtures and ended by replaying one of the DisconnectPhoneCall fixtures,
// whose own checks then judge those exchanges. A default run so places as many calls as the
// scenarios need, not that plus one per replayed fixture.
//
// Which scenario borrows which fixture is decided while the checks are declared
// (claimReplays); the fixture's checks wait for their scenario. A scenario that cannot use
// a fixture (its wire form is refused, the call already ended) falls back on the documented
// request, and the fixture is then replayed on its own, as it would be without lending.

// lent is what one scenario borrowed.
type lent struct {
	mu           sync.Mutex
	places, ends []fixtures.Fixture
	live         map[string]bool // call id -> the last answer about it reported it live
}

func (l *lent) next(list *[]fixtures.Fixture) (fixtures.Fixture, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(*list) == 0 {
		return fixtures.Fixture{}, false
	}
	f := (*list)[0]
	*list = (*list)[1:]
	return f, true
}

// lenders are the EWS fixtures a scenario may borrow: the PlayOnPhone fixtures that place a
// call to the run's number with the run's item, and the DisconnectPhoneCall fixtures that end
// a live call, both expected to succeed.
func (w *ewsEnv) lenders() (places, ends []fixtures.Fixture) {
	corpus, _ := w.cfg.Fixtures.Wait()
	for _, f := range corpus {
		if f.Expect.Outcome != fixtures.Success {
			continue
		}
		switch {
		case f.Operation() == "PlayOnPhone" && f.BindEntryID != "" && f.BindDialString != "":
			places = append(places, f)
		case f.Operation() == "DisconnectPhoneCall" && f.BindPhoneCallID != "":
			ends = append(ends, f)
		}
	}
	return places, ends
}

// claimReplays lends scenario m up to n fixtures that place a call and n that end one, of
// those no other scenario borrowed. Only EWS lends: the UM replay keeps its own calls.
func (e *Env) claimReplays(api callAPI, m *traceMemo, n int) { e.claimFixtures(api, m, n, n) }

// claimEnds lends scenario m up to n fixtures that end a call, none that place one.
func (e *Env) claimEnds(api callAPI, m *traceMemo, n int) { e.claimFixtures(api, m, 0, n) }

func (e *Env) claimFixtures(api callAPI, m *traceMemo, nPlaces, nEnds int) {
	if api.name != "EWS" || e.ews == nil {
		return
	}
	w := e.ews
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.claims == nil {
		w.claims, w.lent = map[string]*traceMemo{}, map[*traceMemo]*lent{}
	}
	places, ends := w.lenders()
	l := &lent{live: map[string]bool{}}
	take := func(from []fixtures.Fixture, to *[]fixtures.Fixture, n int) {
		for _, f := range from {
			if len(*to) < n && w.claims[f.ID] == nil {
				w.claims[f.ID] = m
				*to = append(*to, f)
			}
		}
	}
	take(places, &l.places, nPlaces)
	take(ends, &l.ends, nEnds)
	w.lent[m] = l
}

// forgetDeclared drops the scenarios and loans of an earlier build of the spec tree. Ginkgo
// runs the container bodies each time it builds the tree: once for the preview that checks
// the expectations and the pre-flight's settings, once more for the run. A loan left from
// the preview would make a fixture's checks wait for a scenario that the run never
// declared, and so start it: every EWS scenario that borrowed a fixture placed its calls
// twice (12 EWS PlayOnPhone requests in a run against both APIs, 8 without).
func (e *Env) forgetDeclared() {
	e.traceMemos = nil
	// The same holds for the count of specs that will read each exchange (stream.go): the
	// preview's, kept, made every count twice what the run reads, so no exchange was ever
	// released and a run with a pre-flight held every answer to its end.
	e.mu.Lock()
	clear(e.readers)
	e.mu.Unlock()
	if e.ews != nil {
		e.ews.mu.Lock()
		e.ews.claims, e.ews.lent = nil, nil
		e.ews.mu.Unlock()
	}
}

// claimant is the scenario that borrowed fixture id, if any.
func (w *ewsEnv) claimant(id string) *traceMemo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.claims[id]
}

// lend returns api with its calls placed and ended through the fixtures scenario m
// borrowed, as long as there are any.
func (e *Env) lend(api callAPI, m *traceMemo) callAPI {
	if api.name != "EWS" || e.ews == nil {
		return api
	}
	e.ews.mu.Lock()
	l := e.ews.lent[m]
	e.ews.mu.Unlock()
	if l == nil {
		return api
	}
	place, query, end := api.place, api.query, api.end
	api.place = func(ctx context.Context, dial string) (string, *Exchange, error) {
		if dial == e.cfg.DialString {
			if f, ok := l.next(&l.places); ok {
				if id, ex, ok := e.ewsReplayPlace(ctx, f); ok {
					return id, ex, nil
				}
			}
		}
		return place(ctx, dial)
	}
	api.query = func(ctx context.Context, id string, n int) (*Exchange, answer) {
		ex, a := query(ctx, id, n)
		l.mu.Lock()
		l.live[id] = a.isInfo() && a.State != stateDisconnected
		l.mu.Unlock()
		return ex, a
	}
	api.end = func(ctx context.Context, id string) *Exchange {
		l.mu.Lock()
		live := l.live[id]
		l.mu.Unlock()
		// A DisconnectPhoneCall fixture expects a live call: one that ended by itself may
		// rightly be refused, which would fail the fixture's checks for no fault of the target.
		if live {
			if f, ok := l.next(&l.ends); ok {
				if ex := e.ewsReplayEnd(ctx, f, id); ex != nil && ewsSucceeded(ex) {
					return ex
				}
			}
		}
		return end(ctx, id)
	}
	return api
}

// memo returns the replay memo of EWS fixture id.
func (w *ewsEnv) memo(id string) *ewsMemo {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.exchanges[id]
	if m == nil {
		m = &ewsMemo{}
		w.exchanges[id] = m
	}
	return m
}

// ewsReplayPlace replays PlayOnPhone fixture f, unless it was replayed already, and keeps
// the call it placed: ok when it placed one.
func (e *Env) ewsReplayPlace(ctx context.Context, f fixtures.Fixture) (string, *Exchange, bool) {
	var id string
	ran := false
	m := e.ews.memo(f.ID)
	m.once.Do(func() {
		ran = true
		if err := e.ews.breaker.open(); err != nil {
			m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
			return
		}
		if err := e.calls.spend(); err != nil {
			m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
			return
		}
		m.ex = e.ews.sender.Send(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString})
		e.ews.breaker.record(m.ex.Err)
		id, _ = m.ex.Result.Attr("PhoneCallId", "Id")
	})
	if !ran || !ewsSucceeded(m.ex) || id == "" {
		return "", nil, false
	}
	return id, m.ex, true
}

// ewsReplayEnd replays DisconnectPhoneCall fixture f about call id, unless it was replayed
// already (then nil).
func (e *Env) ewsReplayEnd(ctx context.Context, f fixtures.Fixture, id string) *Exchange {
	var ex *Exchange
	m := e.ews.memo(f.ID)
	m.once.Do(func() {
		if err := e.ews.breaker.open(); err != nil {
			m.ex = &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
			return
		}
		m.ex = e.ews.sender.Send(ctx, f, fixtures.Values{PhoneCallID: id})
		e.ews.breaker.record(m.ex.Err)
		ex = m.ex
	})
	return ex
}

// ewsSpare places a call by replaying a PlayOnPhone fixture no scenario borrowed and
// nobody replayed yet: the call a fixture would place and end at once serves instead.
func (e *Env) ewsSpare(ctx context.Context, dial string) (string, *Exchange, bool) {
	if dial != e.cfg.DialString {
		return "", nil, false
	}
	places, _ := e.ews.lenders()
	for _, f := range places {
		if e.ews.claimant(f.ID) != nil {
			continue
		}
		if id, ex, ok := e.ewsReplayPlace(ctx, f); ok {
			return id, ex, true
		}
	}
	return "", nil, false
}
