package reports

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Part is one shard's report and the file it was read from.
type Part struct {
	Path string
	Run  Run
}

// Merge joins the reports of the shards of one run against one target (umconform run
// --shard K/N, for K = 1..N) into the report of the whole run: the checks of every shard
// in the order an unsharded run lists them. It refuses, naming the files, what would
// make a report that no single run could have made: a report that is not a shard, shards
// of different splits, harness or catalogue versions, targets, strictness or filters,
// two shards with the same K or the same check (an overlap), and a missing K (a gap).
func Merge(parts []Part) (Run, error) {
	parts, err := checkShards(parts)
	if err != nil {
		return Run{}, err
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	merged := mergedHead(parts)
	total := 0
	for _, p := range parts {
		total += len(p.Run.Checks)
	}
	// A run lists its checks by name (suites.sortByName), and names are unique within a
	// run: merging the shards' sorted lists gives the unsharded run's order without
	// sorting 70 000 names again. A list out of order (written by hand) is sorted first.
	lists := make([][]Check, len(parts))
	for i, p := range parts {
		lists[i] = p.Run.Checks
		if !slices.IsSortedFunc(lists[i], byName) {
			lists[i] = slices.SortedStableFunc(slices.Values(lists[i]), byName)
		}
	}
	merged.Checks = make([]Check, 0, total)
	last := -1 // the part of the check appended last
	for {
		next := -1
		for i, l := range lists {
			if len(l) > 0 && (next < 0 || l[0].Name < lists[next][0].Name) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		c := lists[next][0]
		lists[next] = lists[next][1:]
		if n := len(merged.Checks); n > 0 && merged.Checks[n-1].Name == c.Name {
			bad("check %q is in %s and %s: the shards overlap", c.Name, parts[last].Path, parts[next].Path)
		}
		merged.Checks = append(merged.Checks, c)
		last = next
	}
	if len(errs) > 0 {
		return Run{}, errors.Join(errs...)
	}
	return merged, nil
}

// checkShards refuses parts that are not the shards of one run (see Merge), naming the
// files, and returns them in shard order. It reads the runs' fields only, not their
// checks: a streamed merge (MergeFiles) calls it before reading any check.
func checkShards(parts []Part) ([]Part, error) {
	if len(parts) == 0 {
		return nil, errors.New("no report to merge")
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, p := range parts {
		s := p.Run.Selection
		switch {
		case s == nil || s.Shards == 0 && len(s.MergedFrom) == 0:
			bad("%s is not a shard (its run had no --shard): merge joins the reports of runs with --shard K/N", p.Path)
		case len(s.MergedFrom) > 0:
			bad("%s is already merged (from %s): merge the shards' own reports", p.Path, strings.Join(s.MergedFrom, ", "))
		case s.RerunOf != "":
			bad("%s reran the failed checks of %s: merge the shards' own reports, not a rerun", p.Path, s.RerunOf)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	parts = slices.Clone(parts)
	slices.SortStableFunc(parts, func(a, b Part) int { return cmp.Compare(a.Run.Selection.Shard, b.Run.Selection.Shard) })
	first := parts[0]
	n := first.Run.Selection.Shards
	same := func(what string, get func(Run) string) {
		for _, p := range parts[1:] {
			if a, b := get(first.Run), get(p.Run); a != b {
				bad("%s has %s %q but %s has %q: merge the shards of one run", p.Path, what, b, first.Path, a)
			}
		}
	}
	same("split", func(r Run) string { return fmt.Sprintf("N = %d", r.Selection.Shards) })
	same("harness version", func(r Run) string { return r.HarnessVersion })
	same("catalogue version", func(r Run) string { return r.CatalogueVersion })
	same("target", targetKey)
	same("strict mode", func(r Run) string { return fmt.Sprint(r.Strict) })
	same("label filter", func(r Run) string { return r.Selection.LabelFilter })
	same("focus", func(r Run) string { return strings.Join(r.Selection.Focus, "\n") })
	byShard := map[int]string{}
	for _, p := range parts {
		k := p.Run.Selection.Shard
		if other, dup := byShard[k]; dup {
			bad("%s and %s are both shard %d of %d: they overlap; keep one", other, p.Path, k, n)
		}
		byShard[k] = p.Path
	}
	var paths []string
	for _, p := range parts {
		paths = append(paths, p.Path)
	}
	for k := 1; k <= n; k++ {
		if _, ok := byShard[k]; !ok {
			bad("shard %d of %d is missing (merging %s): run it, or merge once every shard has finished", k, n, strings.Join(paths, ", "))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return parts, nil
}

// mergedHead is the merged run's fields, without checks, of parts in shard order.
func mergedHead(parts []Part) Run {
	first := parts[0]
	merged := first.Run
	var paths []string
	for _, p := range parts {
		paths = append(paths, p.Path)
	}
	merged.Selection = &Selection{LabelFilter: first.Run.Selection.LabelFilter, Focus: first.Run.Selection.Focus, MergedFrom: paths}
	merged.Expectations = nil
	merged.CallsPlaced = 0 // every shard placed its own: the sum is what the target saw
	var retries []string
	end := first.Run.Started.Add(first.Run.Duration)
	for _, p := range parts {
		merged.Started = minTime(merged.Started, p.Run.Started)
		if e := p.Run.Started.Add(p.Run.Duration); e.After(end) {
			end = e
		}
		merged.Expectations = mergeExpectations(merged.Expectations, p.Run.Expectations)
		merged.CallsPlaced += p.Run.CallsPlaced
		if p.Run.Retries != "" { // each shard's own account, named by its report
			retries = append(retries, p.Path+": "+p.Run.Retries)
		}
	}
	merged.Retries = strings.Join(retries, "; ")
	merged.Duration = end.Sub(merged.Started) // the wall time from the first shard's start to the last one's end
	merged.Checks = nil
	return merged
}

func byName(a, b Check) int { return strings.Compare(a.Name, b.Name) }

// targetKey names a run's target for comparing shards: its name and address, but of the
// embedded reference server only its profile, because each shard starts its own on a
// port of its own.
func targetKey(r Run) string {
	if i := strings.Index(r.Target, " (embedded reference server"); i >= 0 {
		return r.Name + " " + r.Target[i+1:]
	}
	return r.Name + " " + r.Target
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// mergeExpectations adds the entries of more not yet in list (by file and line). Shards
// read the same file, but a shard run after an entry's last day saw it expired: then it is
// expired in the merged report too, since some of its checks counted as they were.
func mergeExpectations(list, more []Expectation) []Expectation {
	for _, x := range more {
		i := slices.IndexFunc(list, func(y Expectation) bool { return y.Source == x.Source })
		if i < 0 {
			list = append(list, x)
			continue
		}
		list[i].Expired = list[i].Expired || x.Expired
	}
	return list
}
