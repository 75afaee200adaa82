package suites

import (
	"context"
	"slices"
)

// spoolEnded files the checks of a spec whose body recorded each of its planned checks
// and was not cut short: the common case, whose checks the report model (SpecRecord) would take as recorded,
// and drops them from memory. Any other spec (one that timed out or was interrupted, a
// broken fixture's) is left to the report model (SpecRecord) at the end of the run, which judges it as before.
// It reports whether it filed them.
func (e *Env) spoolEnded(ctx context.Context, sp *specPlan) bool {
	if e.sink == nil || ctx.Err() != nil || !e.recordedAsPlanned(sp) {
		return false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, c := range sp.recorded {
		e.sink(c)
	}
	sp.recorded, sp.checks, sp.spooled = nil, nil, true
	return true
}

// spoolUnit files the checks of unit u of a replay spec, planned as planned, once it
// recorded each of them, not cut short, and drops them and the unit from the plan: what
// the report model (SpecRecord) finds at the end is the rest, which it judges as before (checks not reached
// become errors). When no unit is left the spec is done with. It reports whether it
// filed them.
func (e *Env) spoolUnit(ctx context.Context, sp *specPlan, u *exchangeUnit, planned []PlannedCheck) bool {
	if e.sink == nil || ctx.Err() != nil {
		return false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	n := len(planned)
	if len(sp.checks) > 0 || len(sp.units) == 0 || &sp.units[0] != u || len(sp.recorded) < n {
		return false // an earlier unit was not filed: the rest waits for the report model (SpecRecord)
	}
	for i, rec := range sp.recorded[:n] {
		if rec.Name != planned[i].Name {
			return false
		}
	}
	for _, c := range sp.recorded[:n] {
		e.sink(c)
	}
	sp.recorded, sp.units = slices.Clone(sp.recorded[n:]), sp.units[1:]
	if len(sp.units) == 0 {
		sp.recorded, sp.units, sp.spooled = nil, nil, true
	}
	return true
}

// isSpooled says whether the spec's checks are in the spool already.
func (sp *specPlan) isSpooled() bool {
	if sp == nil {
		return false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.spooled
}
