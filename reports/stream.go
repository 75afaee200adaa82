package reports

import (
	"errors"
	"fmt"
	"io"
	"iter"
)

// A checkSource gives a run's checks one at a time in name order: ok is false after the
// last. Merge and compare join two or more of them as sorted lists are joined, holding one
// check of each.
type checkSource func() (c Check, ok bool, err error)

// errOutOfOrder says a report does not list its checks in name order, as every report
// umconform writes does: a hand-edited file, or one of an older version. Its reader then
// goes through a spool, which gives any order back sorted (see Spool).
var errOutOfOrder = errors.New("the checks are not in name order")

// jsonSource gives the checks of r as the file lists them, and errOutOfOrder at the first
// that comes before the one it follows. Equal names are let through: the joins report
// them (an overlap) or treat them as ReadJSON's readers do.
func jsonSource(r *JSONReader) checkSource {
	var last string
	started := false
	return func() (Check, bool, error) {
		c, err := r.Next()
		if err == io.EOF {
			return Check{}, false, nil
		}
		if err != nil {
			return Check{}, false, err
		}
		if started && c.Name < last {
			return Check{}, false, fmt.Errorf("%s: checks[%d] %q comes before the check above it: %w", r.Name(), r.n-1, c.Name, errOutOfOrder)
		}
		started, last = true, c.Name
		return c, true, nil
	}
}

// spoolJSON reads every check of r into a new spool.
func spoolJSON(r *JSONReader) (*Spool, error) {
	sp, err := NewSpool()
	if err != nil {
		return nil, err
	}
	if err := r.Each(func(c Check) error { sp.Add(c); return nil }); err != nil {
		sp.Close()
		return nil, err
	}
	return sp, nil
}

// spoolSource gives the checks of sp in name order (equal names in the order added); call
// stop when done with it.
func spoolSource(sp *Spool) (next checkSource, stop func()) {
	var readErr error
	errStopped := errors.New("stopped")
	pull, stop := iter.Pull(func(yield func(Check) bool) {
		err := sp.each(func(c Check) error {
			if !yield(c) {
				return errStopped
			}
			return nil
		})
		if err != nil && err != errStopped {
			readErr = err
		}
	})
	return func() (Check, bool, error) {
		c, ok := pull()
		if !ok {
			return Check{}, false, readErr
		}
		return c, true, nil
	}, stop
}

// openSources opens the report.json files at paths and gives a source of each: the files'
// own order, or with sorted, each file read into a spool first. close closes what was
// opened; the readers give the runs' fields once their sources are spent.
func openSources(paths []string, sorted bool) (readers []*JSONReader, sources []checkSource, close func(), err error) {
	var spools []*Spool
	var stops []func()
	close = func() {
		for _, stop := range stops {
			stop()
		}
		for _, sp := range spools {
			sp.Close()
		}
		for _, r := range readers {
			r.Close()
		}
	}
	for _, p := range paths {
		r, err := OpenJSONFile(p)
		if err != nil {
			close()
			return nil, nil, nil, err
		}
		readers = append(readers, r)
		if !sorted {
			sources = append(sources, jsonSource(r))
			continue
		}
		sp, err := spoolJSON(r)
		if err != nil {
			close()
			return nil, nil, nil, err
		}
		spools = append(spools, sp)
		next, stop := spoolSource(sp)
		stops = append(stops, stop)
		sources = append(sources, next)
	}
	return readers, sources, close, nil
}
