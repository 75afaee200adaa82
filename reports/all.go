package reports

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
)

// WriteAll writes every report of a run into dir: junit.xml for CI, report.json for
// compare and other tools, report.html for a person. Each file is written atomically;
// a failing writer does not stop the others, so one bad format never costs the rest.
//
// The three are written concurrently: with thousands of checks each takes a noticeable
// share of a run, and they only read the run.
func WriteAll(dir string, run Run) error {
	writers := []struct {
		name  string
		write func(w io.Writer, run Run) error
	}{
		{"junit.xml", WriteJUnit},
		{"report.json", WriteJSON},
		{"report.html", WriteHTML},
	}
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	for i, r := range writers {
		wg.Go(func() {
			path := filepath.Join(dir, r.name)
			if err := WriteFile(path, run, r.write); err != nil {
				errs[i] = fmt.Errorf("writing %s: %w", path, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
