package reports

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// WriteAll writes every report of a run into dir: junit.xml for CI, report.json for
// compare and other tools, report.html for a person. Each file is written atomically;
// a failing writer does not stop the others, so one bad format never costs the rest.
func WriteAll(dir string, run Run) error {
	var errs []error
	for _, r := range []struct {
		name  string
		write func(w io.Writer, run Run) error
	}{
		{"junit.xml", WriteJUnit},
		{"report.json", WriteJSON},
		{"report.html", WriteHTML},
	} {
		path := filepath.Join(dir, r.name)
		if err := WriteFile(path, run, r.write); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}
