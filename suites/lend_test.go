package suites

import (
	"testing"
)

// TestASecondBuildForgetsTheFirst: Ginkgo builds the spec tree twice when a run is
// previewed first (expectations, pre-flight), on the same Env. What the run's build
// declares must replace what the preview's declared: a scenario's loans (else a lent
// fixture's checks start a scenario the run never declared, and its calls are placed
// twice) and the count of readers of each exchange (else no exchange is released).
func TestASecondBuildForgetsTheFirst(t *testing.T) {
	e := ewsReferenceEnv(t, "")
	api := e.ewsAPI()
	places, _ := e.ewsAPI().lenders()
	if len(places) == 0 {
		t.Fatal("the EWS corpus lends no PlayOnPhone fixture")
	}
	f := places[0]
	build := func() *traceMemo {
		m := e.newTraceMemo(nil)
		e.claimReplays(api, m, 1)
		e.ews.willRead([]string{f.ID})
		return m
	}

	build() // the preview's
	e.forgetDeclared()
	run := build()

	if got := e.ews.claimant(f.ID); got != run {
		t.Errorf("fixture %s is lent to %p, want the run's scenario %p", f.ID, got, run)
	}
	if len(e.traceMemos) != 1 {
		t.Errorf("%d scenarios declared, want the run's 1", len(e.traceMemos))
	}
	// The run's one reader of f's exchange reads it: the exchange is released.
	m, _ := e.ews.claim(f.ID)
	close(m.done)
	e.doneReading(e.ews, []string{f.ID})
	e.ews.mu.Lock()
	_, held := e.ews.exchanges[f.ID]
	e.ews.mu.Unlock()
	if held {
		t.Errorf("fixture %s's exchange is still held after its last reader", f.ID)
	}
}
