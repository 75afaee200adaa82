package runner

import (
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/onsi/ginkgo/v2/formatter"

	"github.com/umconform/umconform/internal/progress"
	"github.com/umconform/umconform/reports"
)

// consoleOutput decides what Ginkgo itself prints during a run, and returns a function
// that puts Ginkgo's output back as it was.
//
// By default Ginkgo prints nothing: its reporter writes a block for each failed spec (the
// spec's labels, the failure, and the harness's own source locations, such as
// suites/spec.go:263), then all of them again as a summary, which for one broken value
// of a target ran to hundreds of lines. umconform prints its progress instead (a status
// line on a terminal, a mark per spec elsewhere: console), and after the run the
// requirement table and the failures grouped (reports.WriteSummary).
//
// With --verbose Ginkgo's reporter prints as it always has, each failed spec in full, but
// through a filter that cuts the source locations out: they name files of the machine
// that built the binary and tell a user of the harness nothing.
//
// Ginkgo's reporter writes to formatter.ColorableStdOut, whatever writer the caller
// wanted; pointing it at stdout also sends it where Run's caller asked.
func consoleOutput(stdout, raw io.Writer, verbose bool, tracker *progress.Tracker) (restore func()) {
	saved := formatter.ColorableStdOut
	if verbose {
		formatter.ColorableStdOut = withoutSourceLocations{stdout}
	} else {
		formatter.ColorableStdOut = io.Discard
		newConsole(stdout, raw, tracker).register()
	}
	return func() { formatter.ColorableStdOut = saved }
}

// sourceLocation matches what Ginkgo prints of a Go source location: a line holding
// only a location (a spec's, or a frame of a stack trace: "\t/src/x.go:12 +0x1f"), or a
// location within a line ("In [It] at: /src/suites/spec.go:263 @ 11/27/26 11:35:01").
var sourceLocation = regexp.MustCompile(`(?m)^[ \t]*\S+\.go:\d+\b.*(?:\n|$)|(?: at:)? \S+\.go:\d+\b`)

// withoutSourceLocations writes what Ginkgo's reporter prints without its source
// locations. The reporter formats each location within one write.
type withoutSourceLocations struct{ w io.Writer }

func (f withoutSourceLocations) Write(p []byte) (int, error) {
	if _, err := f.w.Write(sourceLocation.ReplaceAll(p, nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeMarkdown writes the Markdown summary of the runs to --summary-md and appends it to
// the file GitHub Actions names in GITHUB_STEP_SUMMARY, the job's summary page. It returns
// what it wrote, as the console names it, and the problems met.
func writeMarkdown(cfg Config, runs []reports.Run, order []string) (written []string, errs []error) {
	write := func(path string, flag int, name string) {
		f, err := os.OpenFile(path, flag, 0o644)
		if err == nil {
			err = reports.WriteMarkdown(f, runs, order)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("markdown summary %s: %w", path, err))
			return
		}
		written = append(written, name)
	}
	if cfg.SummaryMD != "" {
		write(cfg.SummaryMD, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, cfg.SummaryMD)
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		write(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, "the job summary (GITHUB_STEP_SUMMARY)")
	}
	return written, errs
}
