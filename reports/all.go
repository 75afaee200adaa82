package reports

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/umconform/umconform/catalogue"
)

// WriteAll writes every report of a run into dir: junit.xml for CI, report.json for
// compare and other tools, report.html for a person. Each file is written atomically;
// a failing writer does not stop the others, so one bad format never costs the rest.
//
// The three are written concurrently: with thousands of checks each takes a noticeable
// share of a run, and they only read the run.
func WriteAll(dir string, run Run) error {
	// The JSON and HTML writers fill in the catalogue's texts; done once here, neither
	// copies the checks again. JUnit shows the checks as they are.
	filled := withCatalogue(run, catalogue.Default())
	writers := []struct {
		name  string
		write func(w io.Writer, run Run) error
		run   Run
	}{
		{"junit.xml", WriteJUnit, run},
		{"report.json", WriteJSON, filled},
		{"report.html", WriteHTML, filled},
	}
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	for i, r := range writers {
		wg.Go(func() {
			path := filepath.Join(dir, r.name)
			if err := WriteFile(path, r.run, r.write); err != nil {
				errs[i] = fmt.Errorf("writing %s: %w", path, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// WriteRuns writes the reports of a run of one or several targets: junit.xml, report.json
// and report.html into dir for one target; into dir/NAME for each of several, with the
// requirement × target matrix in dir.
func WriteRuns(dir string, runs []Run) error {
	if len(runs) == 1 {
		return WriteAll(dir, runs[0])
	}
	var errs []error
	for _, run := range runs {
		errs = append(errs, WriteAll(filepath.Join(dir, run.Name), run))
	}
	errs = append(errs, WriteMatrix(dir, runs))
	return errors.Join(errs...)
}
