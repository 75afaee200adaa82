package runner

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/schema"
	"github.com/umconform/umconform/suites"
)

// CheckInfo is one declared check as the coverage report sees it.
type CheckInfo struct {
	Name         string
	Requirements []string // the labels that are catalogue IDs
	Fixture      string   // the label that names a fixture, if any
	Unknown      []string // labels that look like requirement IDs but are not in the catalogue
}

// Coverage is what the catalogue, the declared checks and the reference profiles say
// about each requirement.
type Coverage struct {
	Requirement catalogue.Requirement
	Checks      []string
	Fixtures    []string
	Profiles    []string // reference profiles that break it (directly or implied)
}

// CoverageOf joins catalogue, checks and profiles, and lists every problem: a
// requirement no check proves, a check that names no requirement or an unknown one, and
// a requirement no broken profile trips unless it is marked untestable.
func CoverageOf(cat catalogue.Catalogue, checks []CheckInfo, profiles []reference.Profile) ([]Coverage, []string) {
	var problems []string
	rows := make([]Coverage, len(cat))
	index := map[string]int{}
	for i, r := range cat {
		rows[i].Requirement = r
		index[r.ID] = i
	}
	for _, c := range checks {
		if len(c.Requirements) == 0 && len(c.Unknown) == 0 {
			problems = append(problems, fmt.Sprintf("check %q names no requirement of the catalogue", c.Name))
		}
		for _, id := range c.Unknown {
			problems = append(problems, fmt.Sprintf("check %q names %s, which is not in the catalogue", c.Name, id))
		}
		for _, id := range c.Requirements {
			row := &rows[index[id]]
			row.Checks = append(row.Checks, c.Name)
			if c.Fixture != "" && !slices.Contains(row.Fixtures, c.Fixture) {
				row.Fixtures = append(row.Fixtures, c.Fixture)
			}
		}
	}
	for _, p := range profiles {
		for _, id := range append(append([]string(nil), p.Breaks...), p.Implied...) {
			i, ok := index[id]
			if !ok {
				problems = append(problems, fmt.Sprintf("profile %s breaks %s, which is not in the catalogue", p.Name, id))
				continue
			}
			if !slices.Contains(rows[i].Profiles, p.Name) {
				rows[i].Profiles = append(rows[i].Profiles, p.Name)
			}
		}
	}
	for _, row := range rows {
		r := row.Requirement
		if len(row.Checks) == 0 {
			problems = append(problems, fmt.Sprintf("requirement %s has no check: declare one in suites/ that names it", r.ID))
		}
		if len(row.Profiles) == 0 && r.Untestable == "" {
			problems = append(problems, fmt.Sprintf("requirement %s: no reference profile breaks it; add one in reference/ or mark it untestable in the catalogue with the reason", r.ID))
		}
		sort.Strings(row.Fixtures)
	}
	return rows, problems
}

// DeclaredChecks declares the suites for a placeholder target and lists the checks
// without running them (Ginkgo's preview), so the list is exactly what a run would run.
func DeclaredChecks() ([]CheckInfo, error) {
	v, err := schema.Load()
	if err != nil {
		return nil, err
	}
	corpus, err := startCorpus(nil)
	if err != nil {
		return nil, err
	}
	if broken := corpus.Problems(); len(broken) > 0 {
		return nil, fmt.Errorf("the embedded corpus has problems: %v", broken)
	}
	ewsValidator, err := schema.Load(schema.For(schema.EWS))
	if err != nil {
		return nil, err
	}
	ewsCorpus, err := fixtures.StartEmbeddedEWS()
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse("http://127.0.0.1" + reference.LegacyPath)
	ewsURL, _ := url.Parse("http://127.0.0.1" + reference.EWSPath)
	// Declared as a run against the embedded reference server declares them (its
	// lifecycle calls, runner.Prepare), so that the counts are a default run's: against
	// another target the lifecycle checks are one call's, --lifecycle-dial-string each.
	env, err := suites.NewEnv(suites.Config{Target: u, Validator: v, Fixtures: corpus, Timeout: 1, Preview: true,
		DialString: reference.DefaultDialString, EntryID: reference.DefaultEntryID, LifecycleDialStrings: embeddedLifecycleDials(),
		EWS: suites.EWSConfig{Target: ewsURL, Validator: ewsValidator, Fixtures: ewsCorpus}})
	if err != nil {
		return nil, err
	}
	suites.Declare("", nil, env)
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	report := ginkgo.PreviewSpecs("umconform", suiteCfg, reporterCfg)
	var out []CheckInfo
	for _, c := range suites.Planned(report, env) {
		// The requirements a check proves are those a run reports it under (the planned
		// check's), not its labels: a spec and its containers may repeat an ID, which
		// counted the check twice (T1: 96 checks here, 76 in a run).
		l := env.ParseLabels(c.Labels)
		info := CheckInfo{Name: c.Name, Unknown: l.Unknown, Fixture: l.Fixture}
		for _, id := range c.Requirements {
			if _, ok := catalogue.Default().Lookup(id); !ok {
				if !slices.Contains(info.Unknown, id) {
					info.Unknown = append(info.Unknown, id)
				}
			} else if !slices.Contains(info.Requirements, id) {
				info.Requirements = append(info.Requirements, id)
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// Requirements prints the catalogue with the checks, fixtures, public statements and (with
// matrix) the broken reference profiles covering each requirement, then the statement
// inventory's coverage of each document; it returns 1 when coverage has problems.
//
// Each requirement takes a few lines that fit consoleWidth columns: its ID, level, number
// of checks and source, then its text and fixtures wrapped below. wide prints one line a
// requirement instead (and its fixtures on one line each), however long, for scripts.
func Requirements(w io.Writer, matrix, wide bool) int {
	checks, err := DeclaredChecks()
	if err != nil {
		fmt.Fprintf(w, "umconform requirements: %v\n", err)
		return ExitCannotRun
	}
	rows, problems := CoverageOf(catalogue.Default(), checks, reference.Profiles())
	inv := catalogue.Inventory()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if matrix {
		fmt.Fprintln(w, "REQ  LEVEL  BROKEN BY (reference profiles; make test proves each is caught)")
		for _, r := range rows {
			broken := strings.Join(r.Profiles, ", ")
			if broken == "" {
				broken = "untestable: " + r.Requirement.Untestable
			}
			if !wide {
				broken = strings.Join(wrap(broken, consoleWidth-12, strings.Repeat(" ", 12)), "\n")
			}
			fmt.Fprintf(w, "%-4s %-6s %s\n", r.Requirement.ID, r.Requirement.Level, broken)
		}
	} else if !wide {
		for _, r := range rows {
			q := r.Requirement
			fmt.Fprintf(w, "%-4s %-6s %4d checks  %s\n", q.ID, q.Level, len(r.Checks), strings.Join(wrap(q.Source, consoleWidth-25, strings.Repeat(" ", 25)), "\n"))
			fmt.Fprintf(w, "     %s\n", strings.Join(wrap(q.Text, consoleWidth-5, "     "), "\n"))
			if len(r.Fixtures) > 0 {
				fmt.Fprintf(w, "     fixtures: %s\n", strings.Join(wrap(strings.Join(r.Fixtures, ", "), consoleWidth-15, "               "), "\n"))
			}
			if st := judgedStatements(inv, q.ID); st != "" {
				fmt.Fprintf(w, "     statements: %s\n", strings.Join(wrap(st, consoleWidth-17, strings.Repeat(" ", 17)), "\n"))
			}
		}
	} else {
		fmt.Fprintln(tw, "REQUIREMENT\tLEVEL\tCHECKS\tSOURCE\tTEXT")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Requirement.ID, r.Requirement.Level, len(r.Checks), r.Requirement.Source, r.Requirement.Text)
		}
		tw.Flush()
		for _, r := range rows {
			fmt.Fprintf(w, "\n%s fixtures: %s\n", r.Requirement.ID, strings.Join(r.Fixtures, ", "))
			fmt.Fprintf(w, "%s statements: %s\n", r.Requirement.ID, judgedStatements(inv, r.Requirement.ID))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	writeInventoryCoverage(w, inv)
	if len(problems) > 0 {
		fmt.Fprintf(w, "\n%d coverage problem(s):\n  %s\n", len(problems), strings.Join(problems, "\n  "))
		return ExitFailed
	}
	fmt.Fprintf(w, "\ncatalogue %s: %d requirements, %d checks; each checked, and broken by a profile\n", catalogue.Version, len(rows), len(checks))
	return ExitOK
}

// judgedStatements lists the inventory's statements requirement id judges, each with its
// source: "bp-r1126 (WS-I BP 1.1 R1126), soap-28 (SOAP 1.1 §6.2)"; empty when none.
func judgedStatements(inv []catalogue.Statement, id string) string {
	var parts []string
	for _, s := range catalogue.StatementsOf(inv, id) {
		parts = append(parts, s.ID+" ("+s.Source()+")")
	}
	return strings.Join(parts, ", ")
}

// writeInventoryCoverage prints, for each document of the inventory, how many of its
// statements the catalogue checks, how many cannot be judged from outside and how many are
// open, and how many of its sections the catalogue cites.
func writeInventoryCoverage(w io.Writer, inv []catalogue.Statement) {
	fmt.Fprintln(w, "Statement inventory (catalogue/statements.tsv; umconform requirements --statements lists it):")
	const row = "%-14s %10v %8v %14v %5v %15v\n"
	fmt.Fprintf(w, row, "DOCUMENT", "STATEMENTS", "CHECKED", "NOT JUDGEABLE", "OPEN", "SECTIONS CITED")
	var total catalogue.Coverage
	for _, c := range catalogue.CoverageByDocument(inv) {
		fmt.Fprintf(w, row, c.Document.Key, c.Statements, c.Checked, c.NotJudgeable, c.Open, len(c.Cited))
		total.Statements += c.Statements
		total.Checked += c.Checked
		total.NotJudgeable += c.NotJudgeable
		total.Open += c.Open
		total.Cited = append(total.Cited, c.Cited...)
	}
	fmt.Fprintf(w, row, "all", total.Statements, total.Checked, total.NotJudgeable, total.Open, len(total.Cited))
}

// Statements prints the statement inventory, document by document: each statement with
// its level, its source and either the requirements that judge it, why it cannot be
// judged, or that it is open. Lines fit consoleWidth columns unless wide.
func Statements(w io.Writer, wide bool) int {
	inv := catalogue.Inventory()
	fit := func(indent int, text string) string {
		if wide {
			return text
		}
		return strings.Join(wrap(text, consoleWidth-indent, strings.Repeat(" ", indent)), "\n")
	}
	for _, d := range catalogue.Documents {
		fmt.Fprintf(w, "%s: %s\n", d.Key, d.Title)
		for _, s := range inv {
			if s.Document != d.Key {
				continue
			}
			var judged string
			switch s.Status {
			case catalogue.Checked:
				judged = "checked by " + strings.Join(s.Judges, ", ")
			case catalogue.NotJudgeable:
				judged = "not judgeable: " + s.Why
			default:
				judged = "open"
				if s.Why != "" {
					judged += ": " + s.Why
				}
			}
			fmt.Fprintf(w, "  %-12s %-6s %s\n", s.ID, s.Level, fit(22, s.Source()+": "+s.Text))
			fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", 22), fit(22, judged))
			if s.Note != "" {
				fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", 22), fit(22, "note: "+s.Note))
			}
		}
		fmt.Fprintln(w)
	}
	writeInventoryCoverage(w, inv)
	return ExitOK
}
