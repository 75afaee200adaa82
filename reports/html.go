package reports

import (
	_ "embed"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/umconform/umconform/catalogue"
)

//go:embed report.html.tmpl
var htmlTemplate string

// page is the template's data. It holds a list of runs, not one, so that the matrix of
// several targets (one column per run) is the same template with more columns.
type page struct {
	Runs  []runView
	Areas []areaView // the requirements some run checked
	// Unchecked are the requirements no run checked: folded below the table, so the rows
	// that say something come first.
	Unchecked []requirementView
}

type runView struct {
	Run
	Index   int // column, and the prefix of this run's anchors
	Summary string
	Counts  []verdictCount
	Groups  []groupView // the checks that did not pass, identical violations together, worst first
	Problem int         // checks that did not pass
	// PassedList is the list items of the passing checks, escaped here: thousands of
	// them through the template's reflective escaper were a quarter of a --list run.
	PassedList  template.HTML
	PassedCount int
	// byRequirement holds the anchors of the groups of each requirement, for the table.
	byRequirement map[string][]groupLink
	Partial       string        // what share of the checks the run made, "" for all
	Expired       []Expectation // entries of the expectations file that no longer applied
}

type verdictCount struct {
	Verdict Verdict
	N       int
	Anchor  string // the first group of checks with the verdict, which its chip links to
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
	Links   []groupLink // the groups of its checks that did not pass
}

type groupLink struct {
	Anchor string
	Label  string // "36 failed"
}

// groupView is one group of identical violations (Run.Groups): the sample check shown in
// full, the others named with where each saw it.
type groupView struct {
	Anchor  string
	Verdict Verdict
	Label   string // Group.Label: the verdict, or what an expected failure or unexpected pass is
	Title   string
	Open    bool // failed and errored groups are shown expanded
	Sample  checkView
	Others  []memberView
}

type memberView struct {
	Anchor, Name, Where string
}

type checkView struct {
	Check
	Anchor   string
	Headline string
	Fields   []field // expected, actual, where, fixture
	Response []responseLine
	Pretty   bool // Response is a minified response indented for reading; Raw holds it as sent
	RawLines int
	Parsed   []Violation
	Rerun    string // the command that makes this check again (RerunCommand)
}

type responseLine struct {
	N      int
	Text   string
	Marked bool
	Notes  []string
}

// responseLineRef finds "response line N PATH" in a where field, to mark the line a check
// names even when no schema violation was recorded.
var responseLineRef = regexp.MustCompile(`response line (\d+)(?: (/\S+))?`)

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
		p.Runs = append(p.Runs, newRunView(i, withCatalogue(run, cat), cat.IDs()))
	}
	p.Areas, p.Unchecked = areas(p.Runs, cat)
	if err := tmpl.Execute(w, p); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	return nil
}

func newRunView(i int, run Run, order []string) runView {
	v := runView{Run: run, Index: i, byRequirement: map[string][]groupLink{}}
	n := run.Counts()
	for _, verdict := range []Verdict{Passed, Failed, Warning, Info, Error} {
		v.Counts = append(v.Counts, verdictCount{Verdict: verdict, N: n[verdict]})
	}
	for _, verdict := range otherVerdicts(n) {
		v.Counts = append(v.Counts, verdictCount{Verdict: verdict, N: n[verdict]})
	}
	v.Summary = fmt.Sprintf("%s: %d passed, %d failed, %s, %d info, %s",
		plural.Irregular(run.Total(), "check", "checks"), n[Passed], n[Failed], counted(n[Warning], Warning), n[Info], counted(n[Error], Error))
	v.Partial = run.Selection.Partial()
	for _, x := range run.Expectations {
		if x.Expired {
			v.Expired = append(v.Expired, x)
		}
	}
	for _, verdict := range otherVerdicts(n) {
		v.Summary += ", " + counted(n[verdict], verdict)
	}
	for gi, g := range run.Groups(order) {
		gv := groupView{Anchor: "run" + strconv.Itoa(i) + "-group" + strconv.Itoa(gi), Verdict: g.Verdict, Label: g.Label(), Title: g.Title(),
			Open: g.Verdict == Failed || g.Verdict == Error, Sample: newCheckView(i, run.position(g.Checks[0]), run.Checks[g.Checks[0]])}
		gv.Sample.Rerun = RerunCommand(run, run.Checks[g.Checks[0]])
		for _, k := range g.Checks[1:] {
			c := run.Checks[k]
			gv.Others = append(gv.Others, memberView{Anchor: checkAnchor(i, run.position(k)), Name: c.Name, Where: parseMessage(c.Message).get("where")})
		}
		v.Groups = append(v.Groups, gv)
		for ci := range v.Counts {
			if v.Counts[ci].Verdict == g.Verdict && v.Counts[ci].Anchor == "" {
				v.Counts[ci].Anchor = gv.Anchor
			}
		}
		v.Problem += len(g.Checks)
		for _, id := range g.Requirements {
			n := 0
			for _, k := range g.Checks {
				if slices.Contains(run.Checks[k].Requirements, id) {
					n++
				}
			}
			v.byRequirement[id] = append(v.byRequirement[id], groupLink{gv.Anchor, counted(n, g.Verdict)})
		}
	}
	if run.spooled != nil { // the passing checks were written out: the first are named
		v.PassedCount = run.spooled.counts[Passed]
		v.PassedList = template.HTML(appendPassedList(nil, i, run.spooled))
		return v
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
	v := checkView{Check: c, Anchor: checkAnchor(run, k)}
	m := parseMessage(c.Message)
	v.Headline, v.Fields = m.Headline, m.Fields
	if c.Evidence.Response == "" {
		for _, s := range c.Evidence.Violations {
			v.Parsed = append(v.Parsed, ParseViolation(s))
		}
		return v
	}
	lines, pretty := showResponse(c.Evidence.Response)
	v.Pretty, v.RawLines = pretty, strings.Count(c.Evidence.Response, "\n")+1
	// A violation is marked on the line its element starts on when the response was
	// indented here (its line number is the response's, where every element sits on line
	// 1); else, or when its element is not found, on the first line shown of its line.
	marks := map[int][]string{}
	lineOf := func(line int, path string) int {
		for i, l := range lines {
			if pretty && path != "" && l.Path == path {
				return i
			}
		}
		for i, l := range lines {
			if l.Raw == line {
				return i
			}
		}
		return -1
	}
	for _, s := range c.Evidence.Violations {
		viol := ParseViolation(s)
		v.Parsed = append(v.Parsed, viol)
		if at := lineOf(viol.Line, viol.Path); viol.Line > 0 && at >= 0 {
			marks[at] = append(marks[at], viol.Message+" ("+viol.Path+")")
		}
	}
	if m := responseLineRef.FindStringSubmatchIndex(v.get("where")); m != nil {
		where := v.get("where")
		n, _ := strconv.Atoi(where[m[2]:m[3]])
		path := ""
		if m[4] >= 0 {
			path = where[m[4]:m[5]]
		}
		if at := lineOf(n, path); at >= 0 {
			// The where field stands beside the response as shown: its line number is the
			// shown one, which differs from the line sent when the response was indented
			// here (every element of a minified response is on line 1).
			if at+1 != n {
				where = where[:m[0]] + fmt.Sprintf("response line %d (line %d as sent)", at+1, n) + where[m[3]:]
				v.setField("where", where)
			}
			if marks[at] == nil {
				marks[at] = []string{"where: " + where}
			}
		}
	}
	if len(marks) == 0 {
		if at, note := namedNodeLine(lines, v.get("where"), v.get("actual")); at >= 0 {
			marks[at] = []string{note}
		}
	}
	for i, l := range lines {
		notes, marked := marks[i]
		v.Response = append(v.Response, responseLine{N: i + 1, Text: l.Text, Marked: marked && c.Verdict != Passed, Notes: notes})
	}
	return v
}

func (v checkView) get(name string) string { return message{Fields: v.Fields}.get(name) }

// setField sets the value of the field named name. Fields shares its array with the
// check's parsed message: it is copied first.
func (v *checkView) setField(name, value string) {
	v.Fields = slices.Clone(v.Fields)
	for i := range v.Fields {
		if v.Fields[i].Name == name {
			v.Fields[i].Value = value
		}
	}
}

// areas groups the requirements some run checked by catalogue area in catalogue order;
// IDs a run names that the catalogue lacks come last, under "other". unchecked are the
// requirements no run checked.
func areas(runs []runView, cat catalogue.Catalogue) (out []areaView, unchecked []requirementView) {
	per := make([]map[string]map[Verdict]int, len(runs))
	var unknown []string
	for i, r := range runs {
		per[i] = r.requirementVerdicts()
		for id := range per[i] {
			if _, ok := cat.Lookup(id); !ok && !slices.Contains(unknown, id) {
				unknown = append(unknown, id)
			}
		}
	}
	row := func(req catalogue.Requirement) requirementView {
		rv := requirementView{ID: req.ID, Level: string(req.Level), Text: req.Text, Source: req.Source}
		for i, r := range runs {
			t := per[i][req.ID]
			if t == nil {
				rv.Cells = append(rv.Cells, cellView{Counts: "not checked"})
				continue
			}
			s := RequirementSummary{Counts: t}
			var parts []string
			for _, v := range append([]Verdict{Passed, Failed, Warning, Info, Error}, otherVerdicts(t)...) {
				if t[v] > 0 {
					parts = append(parts, counted(t[v], v))
				}
			}
			rv.Cells = append(rv.Cells, cellView{Verdict: s.Verdict(), Counts: strings.Join(parts, ", "), Links: r.byRequirement[req.ID]})
		}
		return rv
	}
	index := map[string]int{}
	for _, req := range cat {
		i, ok := index[req.Area]
		if !ok {
			i = len(out)
			index[req.Area] = i
			out = append(out, areaView{Name: req.Area})
		}
		r := row(req)
		if !slices.ContainsFunc(r.Cells, func(c cellView) bool { return c.Verdict != "" }) {
			unchecked = append(unchecked, r)
			continue
		}
		out[i].Requirements = append(out[i].Requirements, r)
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		other := areaView{Name: "other"}
		for _, id := range unknown {
			other.Requirements = append(other.Requirements, row(catalogue.Requirement{ID: id, Text: "(not in the catalogue)"}))
		}
		out = append(out, other)
	}
	return out, unchecked
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
