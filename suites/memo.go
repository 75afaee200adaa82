package suites

// The memos, part of the engine: each fixture of a corpus is replayed once (Env.replay) and
// its exchange shared among the checks that judge it, sent ahead of them (startPrefetch)
// and forgotten once they are done with it (doneReading).

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/umconform/umconform/fixtures"
)

// memo is one fixture's exchange: sent by whoever asks first, awaited by the others.
type memo struct {
	started bool // under Env.mu
	done    chan struct{}
	ex      *Exchange
	checked sync.Once // Sender.Check, by the first check to read the exchange
	// prefetched: sent ahead of its checks, it holds a place in Env.ahead until it is
	// forgotten (doneReading).
	prefetched bool
}

// exchange returns the memo's exchange, validated.
func (m *memo) exchange(s *Sender) *Exchange {
	m.checked.Do(func() { s.Check(m.ex) })
	return m.ex
}

// claim returns the memo of fixture id, and whether the caller is the first to ask and so
// must send it and close the memo.
func (p *endpoint) claim(id string) (*memo, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.claimLocked(id)
}

// claimLocked is claim; p.mu is held.
func (p *endpoint) claimLocked(id string) (*memo, bool) {
	m := p.exchanges[id]
	if m == nil {
		m = &memo{done: make(chan struct{})}
		p.exchanges[id] = m
	}
	first := !m.started
	m.started = true
	return m, first
}

// claimUnread is claim for the prefetcher, which goes ahead of the checks: unread is
// false, and nothing is claimed, once the checks that read fixture id are done with it.
// Their exchange is then forgotten (doneReading), and claim would make a new memo and send
// the fixture a second time: on a loaded machine the checks overtook the prefetcher, and a
// run rang the phone up to three times more than it needed.
func (p *endpoint) claimUnread(id string) (m *memo, first, unread bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readers[id] == 0 {
		return nil, false, false
	}
	m, first = p.claimLocked(id)
	return m, first, true
}

// exchange sends api's fixture id once per run and shares the answer among the checks
// that judge it, so that each requirement is its own check without replaying the request
// for each.
func (e *Env) exchange(ctx context.Context, api callAPI, id string) *Exchange {
	m, first := api.ep.claim(id)
	if first {
		m.ex = e.replay(ctx, api, id)
		close(m.done)
		return m.exchange(api.ep.sender)
	}
	return e.await(ctx, api, id, m)
}

// await waits for another goroutine's exchange of fixture id.
func (e *Env) await(ctx context.Context, api callAPI, id string, m *memo) *Exchange {
	select {
	case <-m.done:
		return m.exchange(api.ep.sender)
	case <-ctx.Done():
		// The check was interrupted or ran out of time while another goroutine sent the
		// fixture: stop sending ahead, the run is ending.
		e.haltPrefetch()
		return &Exchange{Err: &TransportError{Kind: "interrupted", Err: fmt.Errorf("the check ended while waiting for fixture %s's exchange: %w", id, context.Cause(ctx))}}
	}
}

// startPrefetch starts a goroutine that replays fixtures ahead of their checks, one at a
// time, in the order their IDs arrive on the returned channel: the order their checks
// run. Close the channel once every selected fixture is queued; capacity must hold them
// all, because the checks are declared (and queued) before Ginkgo runs any of them. The
// target sees the same sequence of requests as without it, one in flight at a time; what
// it saves is the checks' bookkeeping (and declaring them), which now overlaps the network
// and the server instead of adding to them (bench/run.sh: docs/PERFORMANCE.md). A check
// whose exchange is in flight waits for it.
//
// The answers are validated by the checks that read them (memo.exchange), on the
// goroutine that runs the checks: the schema stays off the path every request waits on.
func (e *Env) startPrefetch(api callAPI, capacity int) chan<- string {
	queue := make(chan string, capacity)
	e.ahead = make(chan struct{}, prefetchAhead)
	ctx, cancel := context.WithCancel(context.Background())
	e.mu.Lock()
	e.stopPrefetch = cancel
	e.mu.Unlock()
	go func() {
		defer cancel()
		for id := range queue {
			if ctx.Err() != nil {
				return
			}
			// At most prefetchAhead answers wait for their checks: the replay runs
			// ahead of the checks, and every answer held is memory (stream.go).
			select {
			case e.ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			m, first, unread := api.ep.claimUnread(id)
			if !unread { // its checks overtook the prefetcher and are done with it
				<-e.ahead
				continue
			}
			if !first { // a check got there first: wait, so that one request is in flight
				<-e.ahead
				select {
				case <-m.done:
				case <-ctx.Done():
				}
				continue
			}
			m.prefetched = true
			m.ex = e.replay(ctx, api, id)
			close(m.done)
		}
	}()
	return queue
}

// haltPrefetch stops sending ahead: an interrupted run must not keep replaying.
func (e *Env) haltPrefetch() {
	e.mu.Lock()
	stop := e.stopPrefetch
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
	e.stopRun()
}

// replay sends one fixture of api's corpus. A fixture that names a live call is bound to
// one: the shared call when it only reads it, a call of its own when it ends it. A call a
// PlayOnPhone places is ended afterwards (send). The answer is not validated here, except
// to learn whether the shared call is still live: see Sender.Check.
func (e *Env) replay(ctx context.Context, api callAPI, id string) *Exchange {
	f, err := api.ep.fixture(id)
	if err != nil {
		return &Exchange{Err: err}
	}
	if err := api.ep.breaker.open(); err != nil {
		return unsent(f, err)
	}
	v := fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}
	switch {
	case f.Operation() == "PlayOnPhone" || f.BindCall() == "":
		// sent once: a template would cost more than it saves
		return e.send(ctx, api, &request{f: f, v: v, lazy: true})
	case f.Operation() == api.endOp: // it ends its call: one of its own
		call, _, err := e.placeCall(ctx, api, e.cfg.DialString, true)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		ex := e.send(ctx, api, &request{f: f, v: boundTo(v, call), lazy: true})
		if api.ep.sender.validate(ex); ex.Err != nil || !api.ended(ex) {
			e.endCall(context.WithoutCancel(ctx), api, call) // the fixture did not end it
		}
		return ex
	}
	for retried := false; ; retried = true {
		call, err := e.share(ctx, api)
		if err != nil {
			return &Exchange{Fixture: f, Operation: f.Operation(), Err: err}
		}
		state, fresh := api.ep.shared.state(call, time.Now()), api.ep.shared.unheard(call)
		ex := e.send(ctx, api, &request{f: f, v: boundTo(v, call), lazy: true})
		ex.CallState = state
		if hostileToCalls(f) {
			api.ep.shared.suspectNow()
			return ex
		}
		if ex.Err != nil || f.Expect.Outcome != fixtures.Success || f.Operation() != api.ask {
			return ex
		}
		api.ep.sender.validate(ex)
		a := api.answerOf(ex)
		// A call seen live that is now unknown ended by itself: the fixture was not
		// answered about a live call, as it must be. It is sent once more, on a new call.
		// So is the first question about a call just placed that got no call information,
		// a poll interval later: a target may not know a call at once, which is L1's (E8's)
		// business, judged by the lifecycle, not the fixture's.
		if ended := api.ep.shared.observe(ctx, api, call, a); (ended || fresh) && !a.isInfo() && !retried {
			if !ended && !sleep(ctx, e.cfg.PollInterval) {
				return ex
			}
			continue
		}
		return ex
	}
}

// hostileToCalls says whether f is a malformed request that a server is checked to survive
// (X3): a broken server may spoil the calls it holds, so the shared call is asked about
// before it is used again.
func hostileToCalls(f fixtures.Fixture) bool {
	return f.Expect.Outcome != fixtures.Success && slices.Contains(f.Requirements, "X3")
}

// prefetchAhead bounds the answers the replay keeps ahead of their checks. A few dozen
// keep the replay from waiting on the checks; unbounded, the replay ran thousands of
// exchanges ahead and the run held every one (18 MB at 10 000 exchanges).
const prefetchAhead = 64

// willRead counts a spec among the readers of the exchanges its checks read
// (exchangeUnit.reads), for doneReading once the spec has ended.
func (p *endpoint) willRead(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readers == nil {
		p.readers = map[string]int{}
	}
	for _, id := range ids {
		p.readers[id]++
	}
}

// doneReading forgets an exchange once the last spec that reads it has ended: its checks
// are judged and their evidence copied, so a run holds only the exchanges still to be
// read, not every one it made. An exchange asked for again after that (which the counts
// rule out) would be sent again, never read as missing.
func (e *Env) doneReading(p *endpoint, ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if p.readers[id]--; p.readers[id] > 0 {
			continue
		}
		delete(p.readers, id)
		p.fixtures.Release(id)
		if m := p.exchanges[id]; m != nil {
			select {
			case <-m.done: // sent and answered: nobody waits for it
				if !p.lendable[id] { // a lender's stays: sent again, it would place a call again (lend.go)
					delete(p.exchanges, id)
				}
				if m.prefetched {
					m.prefetched = false
					<-e.ahead
				}
			default:
			}
		}
	}
}

// boundTo is v with call id as its call.
func boundTo(v fixtures.Values, id string) fixtures.Values {
	v.Call = id
	return v
}
