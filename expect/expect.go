// Package expect reads expectations files, the known and accepted deviations of a target,
// and applies them to a run's results.
package expect

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reports"
)

// DateLayout is how an entry's expiry is written: a calendar day.
const DateLayout = "2006-01-02"

// Entry is one accepted deviation: the checks of a requirement (on one fixture or scenario,
// or all of them) that are known to fail, why, and until when.
type Entry struct {
	Requirement string
	Fixture     string // one fixture's checks; empty with Scenario empty: every check of Requirement
	Scenario    string // one lifecycle call's or robustness probe's checks
	Reason      string
	Link        string
	Expires     string // YYYY-MM-DD, the last day the entry applies
	Line        int    // of the entry in the file
}

// covers says whether the entry is about check c.
func (e *Entry) covers(requirements []string, fixture, scenario string) bool {
	return slices.Contains(requirements, e.Requirement) &&
		(e.Fixture == "" || e.Fixture == fixture) && (e.Scenario == "" || e.Scenario == scenario)
}

// specific says whether the entry names one fixture or scenario: it is preferred to an
// entry about every check of the same requirement.
func (e *Entry) specific() bool { return e.Fixture != "" || e.Scenario != "" }

// what names the checks an entry is about, for messages.
func (e *Entry) what() string {
	switch {
	case e.Fixture != "":
		return e.Requirement + " on fixture " + e.Fixture
	case e.Scenario != "":
		return e.Requirement + " on scenario " + e.Scenario
	}
	return "every " + e.Requirement + " check"
}

// File is an expectations file: its entries, and which of them the run's filters select a
// check for (see See).
type File struct {
	Path    string
	Entries []Entry

	prog string // the binary as the user invoked it, as hints name it

	mu       sync.Mutex
	seen     []bool // by entry: a check the filters select
	declared []bool // by entry: a check the catalogue and corpus produce, selected or not
}

// Load reads and checks an expectations file. prog is the binary as the user invoked it
// (bin/umconform), as the commands its messages suggest name it.
func Load(path string, cat catalogue.Catalogue, prog string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--expectations: %w", err)
	}
	return Parse(path, data, cat, prog)
}

// keys are the members an entry may have, in the order the file documents them.
var keys = []string{"requirement", "fixture", "scenario", "reason", "link", "expires"}

// Parse reads an expectations file: a YAML list of entries. Every problem is reported at
// once, each as FILE:LINE: what is wrong: how to fix it, naming commands as prog.
func Parse(path string, data []byte, cat catalogue.Catalogue, prog string) (*File, error) {
	f := &File{Path: path, prog: prog}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v: fix the YAML; the file is a list of entries, each starting '- requirement: ID'", path, err)
	}
	if len(doc.Content) == 0 { // empty, or only comments: no entry
		f.seen = nil
		return f, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a list of entries, each starting '- requirement: ID' (see %s run --help)", path, root.Line, prog)
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, args...)))
	}
	first := map[[3]string]int{} // line of the first entry about the same checks
	for _, item := range root.Content {
		if item.Kind != yaml.MappingNode {
			bad(item.Line, "an entry is a mapping such as '- requirement: S2' with reason and expires under it, not %s", describe(item))
			continue
		}
		e := Entry{Line: item.Line}
		given := map[string]int{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if !slices.Contains(keys, k.Value) {
				bad(k.Line, "unknown key %q: an entry has %s", k.Value, strings.Join(keys, ", "))
				continue
			}
			if line, dup := given[k.Value]; dup {
				bad(k.Line, "%s is given twice in this entry (also line %d): keep one", k.Value, line)
				continue
			}
			given[k.Value] = k.Line
			if v.Kind != yaml.ScalarNode {
				bad(v.Line, "%s must be one value, not %s", k.Value, describe(v))
				continue
			}
			value := strings.TrimSpace(v.Value)
			switch k.Value {
			case "requirement":
				e.Requirement = value
			case "fixture":
				e.Fixture = value
			case "scenario":
				e.Scenario = value
			case "reason":
				e.Reason = value
			case "link":
				e.Link = value
			case "expires":
				e.Expires = value
				if _, err := time.Parse(DateLayout, value); err != nil {
					bad(v.Line, "expires %q is not a date: write the last day the deviation is accepted as YYYY-MM-DD, such as 2027-03-31", value)
				}
			}
		}
		switch _, known := cat.Lookup(e.Requirement); {
		case e.Requirement == "":
			bad(e.Line, "the entry has no requirement: add 'requirement: ID', a catalogue ID such as S2 (%s requirements lists them)", prog)
		case !known:
			bad(lineOf(given, "requirement", e.Line), "requirement %q is not in the catalogue (version %s): use an ID %s requirements lists, such as S2", e.Requirement, catalogue.Version, prog)
		}
		if e.Reason == "" {
			bad(lineOf(given, "reason", e.Line), "the entry has no reason: add 'reason: ...', why the deviation is accepted (a vendor ticket, a known bug)")
		}
		if _, ok := given["expires"]; !ok {
			bad(e.Line, "the entry has no expiry: add 'expires: YYYY-MM-DD', the last day the deviation is accepted")
		}
		if e.Fixture != "" && e.Scenario != "" {
			bad(lineOf(given, "scenario", e.Line), "the entry names a fixture and a scenario: a check has one or the other; make two entries")
		}
		key := [3]string{e.Requirement, e.Fixture, e.Scenario}
		if line, dup := first[key]; dup && e.Requirement != "" {
			bad(e.Line, "the entry is about the same checks as the entry at line %d (%s): keep one", line, e.what())
		} else {
			first[key] = e.Line
		}
		f.Entries = append(f.Entries, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	f.seen = make([]bool, len(f.Entries))
	f.declared = make([]bool, len(f.Entries))
	return f, nil
}

func lineOf(given map[string]int, key string, def int) int {
	if line, ok := given[key]; ok {
		return line
	}
	return def
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("the value %q", n.Value)
}

// See records a check the run's filters select (before a shard or a rerun narrows them):
// each entry must be about at least one, see Unmatched. Safe for concurrent use.
func (f *File) See(requirements []string, fixture, scenario string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.Entries {
		if !f.seen[i] && f.Entries[i].covers(requirements, fixture, scenario) {
			f.seen[i] = true
		}
	}
}

// Declare records a check the catalogue and corpus produce, whether the run's filters
// select it or not (see Unmatched). Safe for concurrent use.
func (f *File) Declare(requirements []string, fixture, scenario string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.Entries {
		if !f.declared[i] && f.Entries[i].covers(requirements, fixture, scenario) {
			f.declared[i] = true
		}
	}
}

// Unmatched reports every entry about no check there is, as a usage error: a misspelt
// fixture or an entry left over from a fixed bug would otherwise cover nothing without a
// word. An entry about checks the run's filters leave out is no error: the file of a full
// run serves a run filtered with !places-call. Without Declare, an entry must be about a
// selected check. Shards and reruns narrow a run after the filters, so one file serves
// each shard and a rerun.
func (f *File) Unmatched() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for i, e := range f.Entries {
		if !f.seen[i] && !f.declared[i] {
			errs = append(errs, fmt.Errorf("%s:%d: %s matches no check there is: correct the IDs (%s run --list shows the checks; a check's fixture or scenario is in report.json), or delete the entry",
				f.Path, e.Line, e.what(), f.prog))
		}
	}
	return errors.Join(errs...)
}

// Apply lists the file's entries in the run, the expired ones marked, and grades its
// checks by the entries in force the day the run started (see Grader.Grade).
func (f *File) Apply(run *reports.Run) {
	day := cmp.Or(run.Started, time.Now()).Format(DateLayout)
	run.Expectations = append(run.Expectations, f.List(day)...)
	g := f.Grader(day, run.Strict)
	for k := range run.Checks {
		g.Grade(&run.Checks[k])
	}
}

// List is the file's entries as a run's report lists them, those expired on day marked.
func (f *File) List(day string) []reports.Expectation {
	out := make([]reports.Expectation, len(f.Entries))
	for i, e := range f.Entries {
		out[i] = reports.Expectation{Requirement: e.Requirement, Fixture: e.Fixture, Scenario: e.Scenario,
			Reason: e.Reason, Link: e.Link, Expires: e.Expires, Source: fmt.Sprintf("%s:%d", f.Path, e.Line),
			Expired: e.Expires < day} // both YYYY-MM-DD: the strings order as the days
	}
	return out
}

// Grader grades checks by the entries of a file in force on one day.
type Grader struct {
	entries []*Entry
	listed  []*reports.Expectation // as the checks carry them, by entry
	strict  bool
}

// Grader returns the grader of the entries in force on day (YYYY-MM-DD): an entry
// applies until the end of its expires day. In strict mode a check an entry covers that
// passes fails.
func (f *File) Grader(day string, strict bool) *Grader {
	g := &Grader{strict: strict}
	listed := f.List(day)
	for i := range f.Entries {
		if !listed[i].Expired {
			g.entries = append(g.entries, &f.Entries[i])
			g.listed = append(g.listed, &listed[i])
		}
	}
	// The most specific entry about a check speaks for it: one fixture's or scenario's
	// before every check's of the requirement, then in file order.
	order := make([]int, len(g.entries))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmpBool(g.entries[b].specific(), g.entries[a].specific())
	})
	entries, x := make([]*Entry, len(order)), make([]*reports.Expectation, len(order))
	for i, j := range order {
		entries[i], x[i] = g.entries[j], g.listed[j]
	}
	g.entries, g.listed = entries, x
	return g
}

// Grade applies the entry about check c, if one is in force: a check that broke its
// requirement (failed, warned or informed) becomes an expected failure; a check that
// passed becomes a warning (a failure in strict mode) that the entry is no longer needed.
// A check that could not be judged stays an error: an entry accepts a deviation of the
// target, not a run that cannot judge it. Safe for concurrent use.
func (g *Grader) Grade(c *reports.Check) {
	for i, e := range g.entries {
		if !e.covers(c.Requirements, c.Fixture, c.Scenario) {
			continue
		}
		x := g.listed[i]
		switch c.Verdict {
		case reports.Failed, reports.Warning, reports.Info:
			c.Verdict, c.Expectation = reports.ExpectedFailure, x
		case reports.Passed:
			c.Verdict, c.Expectation = reports.Warning, x
			if g.strict {
				c.Verdict = reports.Failed
			}
			hint := ""
			if !e.specific() {
				hint = ", or narrow it to the fixtures and scenarios that still fail"
			}
			c.Message = strings.TrimSpace(fmt.Sprintf("unexpectedly passed: remove the expectation at %s (%s: %s)%s\n%s", x.Source, e.what(), e.Reason, hint, c.Message))
		}
		return
	}
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
