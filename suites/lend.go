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
// A replayed request that ends a call needs a live call of its own: it is placed the same
// way, with a PlayOnPhone fixture nobody borrowed or replayed yet (spare). For the UM web
// service that is its one recorded PlayOnPhone (CreateCallFixture), whose call the
// Disconnect fixture then ends: 8 UM calls in a default run, not 9.
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

// lends says whether f may place or end a call in another's stead: it is expected to
// succeed, and binds the run's item and number (a PlayOnPhone) or a live call.
func lends(f fixtures.Fixture) bool { return f.Expect.Outcome == fixtures.Success }

// corpusLenders are the fixtures of corpus a scenario may borrow: the PlayOnPhone fixtures
// that place a call to the run's number with the run's item, and the fixtures that end a
// live call, both expected to succeed.
func corpusLenders(corpus *fixtures.Stream) (places, ends []fixtures.Fixture) {
	all, _ := corpus.Wait()
	for _, f := range all {
		if !lends(f) {
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
// those no other scenario borrowed, when api lends to scenarios (lendsToScenarios).
func (e *Env) claimReplays(api callAPI, m *traceMemo, n int) { e.claimFixtures(api, m, n, n) }

// claimEnds lends scenario m up to n fixtures that end a call, none that place one.
func (e *Env) claimEnds(api callAPI, m *traceMemo, n int) { e.claimFixtures(api, m, 0, n) }

func (e *Env) claimFixtures(api callAPI, m *traceMemo, nPlaces, nEnds int) {
	if !api.lendsToScenarios {
		return
	}
	w := api.ep
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.claims == nil {
		w.claims, w.lent = map[string]*traceMemo{}, map[*traceMemo]*lent{}
	}
	places, ends := api.lenders()
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
	for _, p := range []*endpoint{e.um, e.ews} {
		if p != nil {
			p.mu.Lock()
			clear(p.readers)
			p.claims, p.lent = nil, nil
			p.mu.Unlock()
		}
	}
}

// claimant is the scenario that borrowed fixture id, if any.
func (w *endpoint) claimant(id string) *traceMemo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.claims[id]
}

// lend returns api with its calls placed and ended through the fixtures scenario m
// borrowed, as long as there are any.
func (e *Env) lend(api callAPI, m *traceMemo) callAPI {
	if !api.lendsToScenarios {
		return api
	}
	api.ep.mu.Lock()
	l := api.ep.lent[m]
	api.ep.mu.Unlock()
	if l == nil {
		return api
	}
	place, query, end := api.place, api.query, api.end
	api.place = func(ctx context.Context, dial string) (string, *Exchange, error) {
		if dial == e.cfg.DialString {
			if f, ok := l.next(&l.places); ok {
				if id, ex, ok := e.placeByReplay(ctx, api, f); ok {
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
				if ex := e.endByReplay(ctx, api, f, id); ex != nil && api.ended(ex) {
					return ex
				}
			}
		}
		return end(ctx, id)
	}
	return api
}

// placeByReplay replays PlayOnPhone fixture f, unless it was replayed already, and keeps
// the call it placed: ok when it placed one. Its checks judge the exchange, as they would
// had the replay sent it.
func (e *Env) placeByReplay(ctx context.Context, api callAPI, f fixtures.Fixture) (string, *Exchange, bool) {
	m, first := api.ep.claim(f.ID)
	if !first {
		return "", nil, false
	}
	defer close(m.done)
	m.ex = e.send(ctx, api, &request{f: f, v: fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}, keepCall: true})
	id, ok := e.placed(api, m.ex)
	if !ok {
		return "", nil, false
	}
	return id, m.ex, true
}

// endByReplay replays fixture f, which ends a call, about call id, unless it was replayed
// already (then nil).
func (e *Env) endByReplay(ctx context.Context, api callAPI, f fixtures.Fixture, id string) *Exchange {
	m, first := api.ep.claim(f.ID)
	if !first {
		return nil
	}
	defer close(m.done)
	m.ex = e.send(ctx, api, &request{f: f, v: fixtures.Values{Call: id}})
	return m.ex
}

// spare places a call to dial by replaying a PlayOnPhone fixture no scenario borrowed and
// nobody replayed yet: the call a fixture would place and end at once serves instead.
func (e *Env) spare(ctx context.Context, api callAPI, dial string) (string, *Exchange, bool) {
	if dial != e.cfg.DialString {
		return "", nil, false
	}
	places, _ := api.lenders()
	for _, f := range places {
		if api.ep.claimant(f.ID) != nil {
			continue
		}
		if id, ex, ok := e.placeByReplay(ctx, api, f); ok {
			return id, ex, true
		}
	}
	return "", nil, false
}
