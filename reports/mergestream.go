package reports

import (
	"errors"
	"fmt"
)

// maxOverlaps bounds the overlapping checks a refused merge names one by one: two shards
// of 100 000 exchanges that overlap wholly would otherwise print 700 000 lines.
const maxOverlaps = 100

// MergeFiles is Merge for the report.json files of one target's shards, streamed: it
// refuses what Merge refuses, with the same messages, reading the runs' fields before any
// check, then joins the shards' checks (each file lists them in name order) one at a time
// into a spool. It returns the merged run's fields, without checks, and the spool: pass
// both to WriteSpooled, which writes the reports Merge and WriteAll would write, and close
// the spool. A file whose checks are out of order (written by hand) is read into a spool
// of its own first, which sorts it; the result is the same.
func MergeFiles(paths []string) (Run, *Spool, error) {
	parts := make([]Part, len(paths))
	for i, p := range paths {
		r, err := OpenJSONFile(p)
		if err != nil {
			return Run{}, nil, err
		}
		parts[i] = Part{Path: p, Run: r.Run()}
		r.Close()
	}
	parts, err := checkShards(parts)
	if err != nil {
		return Run{}, nil, err
	}
	run, sp, err := mergeSources(parts, false)
	if errors.Is(err, errOutOfOrder) {
		run, sp, err = mergeSources(parts, true)
	}
	return run, sp, err
}

// mergeSources joins the checks of parts (in shard order), their files read as they are
// or, with sorted, through spools.
func mergeSources(parts []Part, sorted bool) (Run, *Spool, error) {
	paths := make([]string, len(parts))
	for i, p := range parts {
		paths[i] = p.Path
	}
	readers, sources, closeSources, err := openSources(paths, sorted)
	if err != nil {
		return Run{}, nil, err
	}
	defer closeSources()
	out, err := NewSpool()
	if err != nil {
		return Run{}, nil, err
	}
	var errs []error
	overlaps := 0
	heads := make([]Check, len(sources))
	ok := make([]bool, len(sources))
	for i, next := range sources {
		if heads[i], ok[i], err = next(); err != nil {
			out.Close()
			return Run{}, nil, err
		}
	}
	var lastName string
	last := -1 // the part of the check added last
	for {
		// The first part holding the least name, as Merge picks: equal names (an
		// overlap) go in shard order.
		next := -1
		for i := range sources {
			if ok[i] && (next < 0 || heads[i].Name < heads[next].Name) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		c := heads[next]
		if last >= 0 && c.Name == lastName {
			if overlaps++; overlaps <= maxOverlaps {
				errs = append(errs, fmt.Errorf("check %q is in %s and %s: the shards overlap", c.Name, parts[last].Path, parts[next].Path))
			}
		}
		out.Add(c)
		lastName, last = c.Name, next
		if heads[next], ok[next], err = sources[next](); err != nil {
			out.Close()
			return Run{}, nil, err
		}
	}
	if overlaps > maxOverlaps {
		errs = append(errs, fmt.Errorf("and %d more checks that are in two shards", overlaps-maxOverlaps))
	}
	if len(errs) > 0 {
		out.Close()
		return Run{}, nil, errors.Join(errs...)
	}
	// Every file has been read to its end: the readers hold the runs' fields after the
	// checks (their durations) too.
	for i, r := range readers {
		parts[i].Run = r.Run()
	}
	return mergedHead(parts), out, nil
}
