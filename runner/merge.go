package runner

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reports"
)

// MergeConfig is what "umconform merge" needs: where to write, and the shards' reports.
type MergeConfig struct {
	ReportDir string
	Inputs    []string // report.json files, or folders searched for them
}

// Merge joins the report.json files of a sharded run (umconform run --shard K/N) into the
// reports of the whole run in cfg.ReportDir: junit.xml, report.json and report.html, per
// target and with the matrix when the run had several. It prints the summary and returns
// the run's exit code, or 2 when the reports cannot be merged.
func Merge(cfg MergeConfig, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "umconform merge: %s\n", indent(err))
		return ExitCannotRun
	}
	if cfg.ReportDir == "" {
		return fail(errors.New("--report-dir is empty: pass the folder to write the merged reports to"))
	}
	paths, err := findReports(cfg.Inputs, cfg.ReportDir)
	if err != nil {
		return fail(err)
	}
	// Grouped by target: a run of several targets writes one report.json for each. Only
	// the runs' fields are read here; MergeFiles streams the checks.
	groups := map[string][]string{}
	var names []string
	for _, p := range paths {
		r, err := reports.OpenJSONFile(p)
		if err != nil {
			return fail(err)
		}
		name := r.Run().Name
		r.Close()
		if groups[name] == nil {
			names = append(names, name)
		}
		groups[name] = append(groups[name], p)
	}
	slices.Sort(names)
	var runs []reports.Run
	var spools []*reports.Spool
	defer func() {
		for _, sp := range spools {
			sp.Close()
		}
	}()
	var errs []error
	for _, name := range names {
		run, sp, err := reports.MergeFiles(groups[name])
		if err != nil {
			if len(names) > 1 {
				err = fmt.Errorf("target %s: %w", name, err)
			}
			errs = append(errs, err)
			continue
		}
		runs = append(runs, run)
		spools = append(spools, sp)
	}
	if len(errs) > 0 {
		return fail(errors.Join(errs...))
	}
	// The reports are written from the spools a check at a time; runs come back holding
	// the checks that did not pass and the counts of all, for the summary and the matrix.
	runs, err = reports.WriteRunsSpooled(cfg.ReportDir, runs, spools)
	if err != nil {
		return fail(err)
	}
	code := ExitOK
	for _, run := range runs {
		fmt.Fprintln(stdout)
		if len(runs) > 1 {
			fmt.Fprintf(stdout, "== %s\n", run.Name)
		}
		if err := reports.WriteSummary(stdout, run, catalogue.Default().IDs(), false); err != nil {
			fmt.Fprintf(stderr, "umconform merge: summary: %v\n", err)
		}
		code = worse(code, run.ExitCode())
	}
	dir := strings.TrimRight(cfg.ReportDir, "/")
	if len(runs) > 1 {
		fmt.Fprintln(stdout)
		if err := reports.WriteMatrixTable(stdout, runs, catalogue.Default()); err != nil {
			fmt.Fprintf(stderr, "umconform merge: matrix: %v\n", err)
		}
		fmt.Fprintf(stdout, "Reports: %s/NAME/{junit.xml,report.json,report.html} per target; %s/matrix.json and %s/matrix.html\n", dir, dir, dir)
	} else {
		fmt.Fprintf(stdout, "Reports: %s/junit.xml, %s/report.json, %s/report.html\n", dir, dir, dir)
	}
	return code
}

// findReports lists the report.json files among inputs: files as given, folders searched
// through (CI downloads each shard's artifact into a folder of its own). The output
// folder is skipped, and so is an earlier merge's output found in a folder searched, so
// that the same merge run twice, into a folder among the inputs, works both times.
func findReports(inputs []string, out string) ([]string, error) {
	if len(inputs) == 0 {
		return nil, errors.New("no report given: pass the shards' report.json files or the folders holding them")
	}
	outAbs, _ := filepath.Abs(out)
	var paths []string
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, err // names the path
		}
		if !st.IsDir() {
			paths = append(paths, in)
			continue
		}
		before := len(paths)
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if abs, _ := filepath.Abs(p); abs == outAbs && p != in {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Name() == "report.json" && !earlierMerge(p, outAbs) {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("searching %s for reports: %w", in, err)
		}
		if len(paths) == before {
			return nil, fmt.Errorf("%s holds no report.json: pass the folders the shards wrote their reports to", in)
		}
	}
	// A file named twice (as a file and inside a folder) is one report, not an overlap.
	seen := map[string]bool{}
	return slices.DeleteFunc(paths, func(p string) bool {
		p = filepath.Clean(p)
		dup := seen[p]
		seen[p] = true
		return dup
	}), nil
}

// earlierMerge tells a report.json that an earlier merge into out wrote: a merged report
// in out itself or in a target's folder of it (out/NAME/report.json). This merge writes
// over it; taken as a shard it would overlap every shard it was made from.
func earlierMerge(p, outAbs string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	if dir := filepath.Dir(abs); dir != outAbs && filepath.Dir(dir) != outAbs {
		return false
	}
	r, err := reports.OpenJSONFile(p)
	if err != nil {
		return false // the merge reads it again and names the problem
	}
	defer r.Close()
	sel := r.Run().Selection
	return sel != nil && len(sel.MergedFrom) > 0
}
