package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/umconform/umconform/suites/catalogue"
)

//go:embed report.html.tmpl
var htmlTemplate string

// page is the template's data. It holds a list of runs, not one, so that the matrix of
// several targets (one column per run) is the same template with more columns.
type page struct {
	Runs  []runView
	Areas []areaView
}

type runView struct {
	Run
	Index    int // column, and the prefix of this run's anchors
	Summary  string
	Counts   []verdictCount
	Problems []checkView // failed, errored, warned and informational checks, worst first
	// PassedList is the list items of the passing checks, escaped here: thousands of
	// them through the template's reflective escaper were a quarter of a --list run.
	PassedList  template.HTML
	PassedCount int
	Partial     string        // what share of the checks the run made, "" for all
	Expired     []Expectation // entries of the expectations file that no longer applied
}

type verdictCount struct {
	Verdict Verdict
	N       int
}

type areaView struct {
	Name         string
	Requirements []requirementView
}

type requirementView struct {
	ID, Level, Text, Source string
	Cells                   []cellView // one per run
}

type cellView struct {
	Verdict Verdict // "" when the run has no check of the requirement
	Counts  string
	Anchors []string // the checks that did not pass
}

type checkView struct {
	Check
	Anchor   string
	Open     bool // failed and errored checks are shown expanded
	Headline string
	Fields   []field // expected, actual, where, fixture
	Response []responseLine
	Parsed   []Violation
}

type field struct{ Name, Value string }

type responseLine struct {
	N      int
	Text   string
	Marked bool
	Notes  []string
}

// messageField matches the indented "  expected: …" lines of a check's message (see
// suites.Env.verdict).
var messageField = regexp.MustCompile(`^\s+(expected|actual|where|fixture):\s*(.*)$`)

// responseLineRef finds "response line N" in a where field, to mark the line a check
// names even when no schema violation was recorded.
var responseLineRef = regexp.MustCompile(`response line (\d+)`)

// WriteHTML writes the run as one self-contained HTML page: inline CSS, no script and no
// external fetch, so the file can be mailed or archived by CI and still read.
func WriteHTML(w io.Writer, run Run) error {
	return writeHTML(w, []Run{run}, catalogue.Default())
}

func writeHTML(w io.Writer, runs []Run, cat catalogue.Catalogue) error {
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"upper":   func(v Verdict) string { return strings.ToUpper(string(v)) },
		"seconds": func(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) },
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("HTML report template: %w", err)
	}
	var p page
	for i, run := range runs {
		p.Runs = append(p.Runs, newRunView(i, withCatalogue(run, cat)))
	}
	p.Areas = areas(p.Runs, cat)
	if err := tmpl.Execute(w, p); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	return nil
}

func newRunView(i int, run Run) runView {
	v := runView{Run: run, Index: i}
	n := run.Counts()
	for _, verdict := range []Verdict{Passed, Failed, Warning, Info, Error} {
		v.Counts = append(v.Counts, verdictCount{verdict, n[verdict]})
	}
	v.Summary = fmt.Sprintf("%d checks: %d passed, %d failed, %d warnings, %d info, %d errors",
		len(run.Checks), n[Passed], n[Failed], n[Warning], n[Info], n[Error])
	if n[ExpectedFailure] > 0 { // only then: most runs have no expectations file
		v.Counts = append(v.Counts, verdictCount{ExpectedFailure, n[ExpectedFailure]})
		v.Summary += fmt.Sprintf(", %d expected failures", n[ExpectedFailure])
	}
	v.Partial = run.Selection.Partial()
	for _, x := range run.Expectations {
		if x.Expired {
			v.Expired = append(v.Expired, x)
		}
	}
	for _, worst := range []Verdict{Failed, Error, Warning, Info, ExpectedFailure} {
		for k, c := range run.Checks {
			if c.Verdict == worst {
				v.Problems = append(v.Problems, newCheckView(i, k, c))
			}
		}
	}
	b := make([]byte, 0, 160*len(run.Checks))
	for k, c := range run.Checks {
		if c.Verdict != Passed {
			continue
		}
		v.PassedCount++
		b = append(b, `<li id="run`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "-check"...)
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, `">`...)
		b = appendHTMLEscaped(b, c.Name)
		b = append(b, ` <span class="muted">(`...)
		b = strconv.AppendFloat(b, c.Duration.Seconds(), 'f', 3, 64)
		b = append(b, " s)</span></li>"...)
	}
	v.PassedList = template.HTML(b)
	return v
}

func checkAnchor(run, k int) string { return "run" + strconv.Itoa(run) + "-check" + strconv.Itoa(k) }

func newCheckView(run, k int, c Check) checkView {
	v := checkView{Check: c, Anchor: checkAnchor(run, k), Open: failing(c.Verdict)}
	lines := strings.Split(c.Message, "\n")
	v.Headline = lines[0]
	var rest []string
	for _, l := range lines[1:] {
		if m := messageField.FindStringSubmatch(l); m != nil {
			v.Fields = append(v.Fields, field{m[1], m[2]})
		} else {
			rest = append(rest, l)
		}
	}
	if len(rest) > 0 { // a message in another shape: keep every word of it
		v.Headline = c.Message
		v.Fields = nil
	}
	marks := map[int][]string{}
	for _, s := range c.Evidence.Violations {
		viol := ParseViolation(s)
		v.Parsed = append(v.Parsed, viol)
		if viol.Line > 0 {
			marks[viol.Line] = append(marks[viol.Line], viol.Message+" ("+viol.Path+")")
		}
	}
	for _, f := range v.Fields {
		if m := responseLineRef.FindStringSubmatch(f.Value); f.Name == "where" && m != nil {
			n, _ := strconv.Atoi(m[1])
			if _, ok := marks[n]; !ok {
				marks[n] = []string{"where: " + f.Value}
			}
		}
	}
	if c.Evidence.Response != "" {
		for i, l := range strings.Split(c.Evidence.Response, "\n") {
			notes, marked := marks[i+1]
			v.Response = append(v.Response, responseLine{N: i + 1, Text: l, Marked: marked && c.Verdict != Passed, Notes: notes})
		}
	}
	return v
}

// areas groups the requirements by catalogue area in catalogue order; IDs a run names
// that the catalogue lacks come last, under "other".
func areas(runs []runView, cat catalogue.Catalogue) []areaView {
	type tally struct {
		counts  map[Verdict]int
		anchors []string
	}
	per := make([]map[string]*tally, len(runs))
	var unknown []string
	for i, r := range runs {
		per[i] = map[string]*tally{}
		for k, c := range r.Checks {
			for _, id := range c.Requirements {
				t := per[i][id]
				if t == nil {
					t = &tally{counts: map[Verdict]int{}}
					per[i][id] = t
				}
				t.counts[c.Verdict]++
				if c.Verdict != Passed {
					t.anchors = append(t.anchors, checkAnchor(i, k))
				}
				if _, ok := cat.Lookup(id); !ok && !slices.Contains(unknown, id) {
					unknown = append(unknown, id)
				}
			}
		}
	}
	row := func(req catalogue.Requirement) requirementView {
		rv := requirementView{ID: req.ID, Level: string(req.Level), Text: req.Text, Source: req.Source}
		for i := range runs {
			t := per[i][req.ID]
			if t == nil {
				rv.Cells = append(rv.Cells, cellView{Counts: "not checked"})
				continue
			}
			s := RequirementSummary{Counts: t.counts}
			var parts []string
			for _, v := range []Verdict{Passed, Failed, Warning, Info, Error, ExpectedFailure} {
				if t.counts[v] > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", t.counts[v], v))
				}
			}
			rv.Cells = append(rv.Cells, cellView{Verdict: s.Verdict(), Counts: strings.Join(parts, ", "), Anchors: t.anchors})
		}
		return rv
	}
	var out []areaView
	index := map[string]int{}
	for _, req := range cat {
		i, ok := index[req.Area]
		if !ok {
			i = len(out)
			index[req.Area] = i
			out = append(out, areaView{Name: req.Area})
		}
		out[i].Requirements = append(out[i].Requirements, row(req))
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		other := areaView{Name: "other"}
		for _, id := range unknown {
			other.Requirements = append(other.Requirements, row(catalogue.Requirement{ID: id, Text: "(not in the catalogue)"}))
		}
		out = append(out, other)
	}
	return out
}

// appendHTMLEscaped appends s escaped as template.HTMLEscapeString escapes it (the test
// compares the two), without a copy per string.
func appendHTMLEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case 0:
			esc = "\uFFFD"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}
