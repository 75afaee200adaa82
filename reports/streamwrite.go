package reports

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/umconform/umconform/catalogue"
)

// tally is what a spooled run keeps of the checks it wrote out: counts, and the checks
// the HTML page lists by name. Its size does not grow with the passing checks.
type tally struct {
	total        int
	counts       map[Verdict]int
	requirements map[string]*RequirementSummary
	// pos is the place, among all the run's checks in name order, of each check the run
	// still holds (Run.Checks: those that did not pass): the HTML page's anchors.
	pos []int
	// passed are the first maxPassedListed passing checks, which the HTML page names.
	passed []passedItem
}

type passedItem struct {
	pos      int
	name     string
	duration time.Duration
}

// maxFullChecks is how many checks that did not pass a spooled run keeps whole, evidence
// included, for the console, Markdown and HTML summaries; past it only each group's samples
// keep theirs (a target that breaks every exchange would otherwise hold every response).
// report.json and junit.xml have every check's evidence.
const maxFullChecks = 1000

// maxPassedListed bounds the passing checks report.html names one by one; it counts the
// others and points to report.json and junit.xml, which list every check. Seven checks
// an exchange, so about 1 400 exchanges are named in full.
const maxPassedListed = 10000

func (t *tally) add(c Check) {
	t.total++
	t.counts[c.Verdict]++
	for _, id := range c.Requirements {
		s := t.requirements[id]
		if s == nil {
			s = &RequirementSummary{ID: id, Level: c.Level, Counts: map[Verdict]int{}}
			t.requirements[id] = s
		}
		s.Counts[c.Verdict]++
	}
}

// position is the place among all the run's checks of Checks[k].
func (r Run) position(k int) int {
	if r.spooled != nil && k < len(r.spooled.pos) {
		return r.spooled.pos[k]
	}
	return k
}

// requirementVerdicts counts the run's checks by requirement and verdict.
func (r Run) requirementVerdicts() map[string]map[Verdict]int {
	per := map[string]map[Verdict]int{}
	if r.spooled != nil {
		for id, s := range r.spooled.requirements {
			per[id] = s.Counts
		}
		return per
	}
	for _, c := range r.Checks {
		for _, id := range c.Requirements {
			t := per[id]
			if t == nil {
				t = map[Verdict]int{}
				per[id] = t
			}
			t[c.Verdict]++
		}
	}
	return per
}

// WriteSpooled writes the reports of a run whose checks are in sp (run.Checks is
// ignored) into dir, as WriteAll writes them, reading the checks once: report.json as they
// come, junit.xml's testcases into one temporary file per suite (its counts come first),
// report.html from the checks that did not pass and the first passing ones by name. It
// returns the run as the console summary needs it: its checks that did not pass, and
// counts of all. The JSON and JUnit files are those WriteAll writes of the same checks,
// byte for byte (TestWriteSpooledMatchesWriteAll); report.html names at most
// maxPassedListed passing checks.
func WriteSpooled(dir string, run Run, sp *Spool) (Run, error) {
	cat := catalogue.Default()
	t := &tally{counts: map[Verdict]int{}, requirements: map[string]*RequirementSummary{}}
	run.Checks, run.spooled = nil, t
	var filled []Check // the HTML page's copy of Run.Checks, the catalogue's texts filled
	var errs []error
	fail := func(name string, err error) {
		errs = append(errs, fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err))
	}

	jsonOut, err := createReport(dir, "report.json")
	if err != nil {
		fail("report.json", err)
	}
	var jb []byte
	if jsonOut != nil {
		jb = appendRunJSONHead(make([]byte, 0, 64<<10), run)
		jb = jsonField(jb, 1, "checks", false)
	}
	junit := newJUnitBuilder(run)
	var parts []*bufio.Writer // per JUnit suite, its testcases
	var partFiles []*os.File
	defer func() {
		for _, f := range partFiles {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	var cb []byte
	var junitErr error
	samples := map[string]uint8{} // per group of the checks that did not pass: 1 a sample kept, 2 one with a fixture
	err = sp.each(func(c Check) error {
		k := t.total
		t.add(c)
		full := fillCheck(c, cat, run.CatalogueVersion)
		if jsonOut != nil {
			if k == 0 {
				jb = append(jb, "[\n"...)
			} else {
				jb = append(jb, ",\n"...)
			}
			jb = appendCheckJSON(jb, full)
			if len(jb) >= 32<<10 {
				if _, err := jsonOut.w.Write(jb); err != nil {
					return err
				}
				jb = jb[:0]
			}
		}
		if junitErr == nil {
			i, tc := junit.add(c)
			if i == len(parts) {
				f, err := os.CreateTemp(sp.dir, "junit-part-")
				if err != nil {
					junitErr = err
					return nil
				}
				partFiles = append(partFiles, f)
				parts = append(parts, bufio.NewWriterSize(f, 32<<10))
			}
			cb = appendJUnitCase(cb[:0], tc)
			if _, err := parts[i].Write(cb); err != nil {
				junitErr = err
			}
		}
		if c.Verdict == Passed {
			if len(t.passed) < maxPassedListed {
				t.passed = append(t.passed, passedItem{k, c.Name, c.Duration})
			}
			return nil
		}
		// Past the first maxFullChecks, a check that did not pass keeps its evidence only
		// as its group's sample (the first member, and the first with a fixture): the
		// pages show the others by name, message and place.
		key, _ := groupKey(c)
		has := samples[key]
		if len(run.Checks) >= maxFullChecks && has&1 != 0 && (c.Fixture == "" || has&2 != 0) {
			c.Evidence, full.Evidence = Evidence{}, Evidence{}
		} else if c.Fixture != "" {
			samples[key] = has | 3
		} else {
			samples[key] = has | 1
		}
		run.Checks = append(run.Checks, c)
		filled = append(filled, full)
		t.pos = append(t.pos, k)
		return nil
	})
	if err != nil {
		// The checks could not be read back: no report would account for every check.
		if jsonOut != nil {
			jsonOut.abort()
		}
		return run, fmt.Errorf("writing the reports: %w", err)
	}
	if jsonOut != nil {
		if t.total == 0 {
			jb = append(jb, "[]"...)
		} else {
			jb = append(jb, '\n')
			jb = jsonIndent(jb, 1)
			jb = append(jb, ']')
		}
		jb = appendRunJSONTail(jb, run)
		if _, err := jsonOut.w.Write(jb); err != nil {
			jsonOut.abort()
			fail("report.json", err)
		} else if err := jsonOut.commit(); err != nil {
			fail("report.json", err)
		}
	}

	if junitErr != nil {
		fail("junit.xml", junitErr)
	} else if err := writeJUnitParts(dir, run, junit, parts, partFiles); err != nil {
		fail("junit.xml", err)
	}

	page := run
	page.Checks = filled
	if err := WriteFile(filepath.Join(dir, "report.html"), page, WriteHTML); err != nil {
		errs = append(errs, fmt.Errorf("writing %s: %w", filepath.Join(dir, "report.html"), err))
	}
	return run, errors.Join(errs...)
}

// writeJUnitParts writes junit.xml from the suites' counts and their testcases' files,
// as WriteJUnit writes it.
func writeJUnitParts(dir string, run Run, j *junitBuilder, parts []*bufio.Writer, files []*os.File) error {
	out, err := createReport(dir, "junit.xml")
	if err != nil {
		return err
	}
	root := junitSuites{Name: "umconform", Time: seconds(run.Duration)}
	for i := range j.suites {
		s := j.finish(i)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
	}
	b := append([]byte(nil), xml.Header...)
	b = append(b, `<testsuites`...)
	b = xmlAttr(b, "name", root.Name)
	b = xmlIntAttr(b, "tests", root.Tests)
	b = xmlIntAttr(b, "failures", root.Failures)
	b = xmlIntAttr(b, "errors", root.Errors)
	b = xmlAttr(b, "time", root.Time)
	b = append(b, '>')
	for i := range j.suites {
		b = appendJUnitSuiteStart(b, j.finish(i))
		if _, err := out.w.Write(b); err != nil {
			out.abort()
			return err
		}
		b = b[:0]
		if err := parts[i].Flush(); err != nil {
			out.abort()
			return err
		}
		if _, err := files[i].Seek(0, io.SeekStart); err != nil {
			out.abort()
			return err
		}
		if _, err := io.Copy(out.w, files[i]); err != nil {
			out.abort()
			return err
		}
		b = appendJUnitSuiteEnd(b)
	}
	if len(j.suites) > 0 {
		b = xmlLine(b, 0)
	}
	b = append(b, "</testsuites>\n"...)
	if _, err := out.w.Write(b); err != nil {
		out.abort()
		return err
	}
	return out.commit()
}

// reportFile is a report being written: a temporary file renamed into place by commit,
// as WriteFile does, for a report written a piece at a time.
type reportFile struct {
	f    *os.File
	w    *bufio.Writer
	path string
}

func createReport(dir, name string) (*reportFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report folder: %w", err)
	}
	path := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return nil, fmt.Errorf("report file: %w", err)
	}
	return &reportFile{f: f, w: bufio.NewWriterSize(f, 64<<10), path: path}, nil
}

func (r *reportFile) abort() {
	r.f.Close()
	os.Remove(r.f.Name())
}

func (r *reportFile) commit() error {
	defer os.Remove(r.f.Name()) // no-op after the rename
	if err := r.w.Flush(); err != nil {
		r.f.Close()
		return fmt.Errorf("report file: %w", err)
	}
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	if err := os.Chmod(r.f.Name(), 0o644); err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	return os.Rename(r.f.Name(), r.path)
}

// WriteRunsSpooled is WriteRuns for runs whose checks are in spools (one per run, in
// order): it returns the runs as WriteSpooled does.
func WriteRunsSpooled(dir string, runs []Run, spools []*Spool) ([]Run, error) {
	out := make([]Run, len(runs))
	if len(runs) == 1 {
		var err error
		out[0], err = WriteSpooled(dir, runs[0], spools[0])
		return out, err
	}
	var errs []error
	for i, run := range runs {
		var err error
		out[i], err = WriteSpooled(filepath.Join(dir, run.Name), run, spools[i])
		errs = append(errs, err)
	}
	errs = append(errs, WriteMatrix(dir, out))
	return out, errors.Join(errs...)
}

// appendPassedList writes the list items of the passing checks the page names, and a
// last item counting the others, escaped as newRunView escapes them.
func appendPassedList(b []byte, run int, t *tally) []byte {
	for _, p := range t.passed {
		b = append(b, `<li id="run`...)
		b = strconv.AppendInt(b, int64(run), 10)
		b = append(b, "-check"...)
		b = strconv.AppendInt(b, int64(p.pos), 10)
		b = append(b, `">`...)
		b = appendHTMLEscaped(b, p.name)
		b = append(b, ` <span class="muted">(`...)
		b = strconv.AppendFloat(b, p.duration.Seconds(), 'f', 3, 64)
		b = append(b, " s)</span></li>"...)
	}
	if more := t.counts[Passed] - len(t.passed); more > 0 {
		b = append(b, `<li class="muted">and `...)
		b = strconv.AppendInt(b, int64(more), 10)
		b = append(b, ` more passing checks, each named in report.json and junit.xml</li>`...)
	}
	return b
}
