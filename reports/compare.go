package reports

import (
	"cmp"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"slices"
	"strings"
)

// DefaultVolatile names the elements whose text differs on every run by design, as
// "Parent/Child" suffixes of the element path (local names): a CallId is issued fresh by
// each PlayOnPhone, so two correct runs never agree on it. The UM service carries it as the
// text of the nested PlayOnPhoneResponse; a CallId child is accepted too, as some stacks
// write it; EWS carries its PhoneCallId as an attribute, named "Element@Attribute". A live
// call's state and cause (CallState and EventCause, or EWS's PhoneCallState and
// ConnectionFailureCause) move with time, and the replayed fixtures share one call,
// so two correct runs ask about it at different ages: its state is judged by the schema and
// lifecycle checks, not compared. A function, not a variable, so that no caller can change
// another's defaults.
func DefaultVolatile() []string {
	return []string{"PlayOnPhoneResponse/PlayOnPhoneResponse", "PlayOnPhoneResponse/CallId", "PlayOnPhoneResponse/PhoneCallId@Id",
		"GetCallInfoResponse/CallState", "GetCallInfoResponse/EventCause",
		"PhoneCallInformation/PhoneCallState", "PhoneCallInformation/ConnectionFailureCause"}
}

// Change is one check as it ended in two runs. Base or New is empty when the check exists
// in one run only.
type Change struct {
	Name         string
	Requirements []string
	Base, New    Verdict
	Message      string // the new run's message, or the base's for a removed check
	// What WriteDiff groups changes by (GroupChecks), from the same check as Message.
	Level, Fixture, FixtureFile, Scenario string
	Expectation                           *Expectation
}

// changeOf is check c as a change from base to next.
func changeOf(c Check, base, next Verdict) Change {
	return Change{Name: c.Name, Requirements: c.Requirements, Base: base, New: next, Message: c.Message,
		Level: c.Level, Fixture: c.Fixture, FixtureFile: c.FixtureFile, Scenario: c.Scenario, Expectation: c.Expectation}
}

// check is the change as the check it was last seen as, for GroupChecks.
func (c Change) check() Check {
	return Check{Name: c.Name, Requirements: c.Requirements, Verdict: cmp.Or(c.New, c.Base), Message: c.Message,
		Level: c.Level, Fixture: c.Fixture, FixtureFile: c.FixtureFile, Scenario: c.Scenario, Expectation: c.Expectation}
}

// ResponseDiff is the difference between the responses of one replayed fixture.
type ResponseDiff struct {
	Fixture string
	Check   string   // the check whose evidence was compared
	Lines   []string // "- " base only, "+ " new only, "  " context, "…" skipped lines
}

// Diff is what changed from a base run to a new one.
type Diff struct {
	Base, New   Run
	Regressions []Change // not failing before (passed, warning, info), failed or errored now
	Fixes       []Change // failed or errored before, not now
	Changed     []Change // any other change of verdict, such as passed to warning
	Added       []Change // checks only in the new run
	Removed     []Change // checks only in the base run
	Responses   []ResponseDiff
	// Omitted counts, per list, the entries past the first maxListed that a streamed
	// comparison (CompareFiles) counted but did not keep: the totals are the lists'
	// lengths plus these. Zero for Compare, which keeps every entry.
	Omitted DiffCounts
}

// DiffCounts counts the entries of each list of a Diff.
type DiffCounts struct {
	Regressions, Fixes, Changed, Added, Removed, Responses int
}

// Totals counts every entry of each list, those kept and those omitted.
func (d Diff) Totals() DiffCounts {
	o := d.Omitted
	return DiffCounts{len(d.Regressions) + o.Regressions, len(d.Fixes) + o.Fixes, len(d.Changed) + o.Changed,
		len(d.Added) + o.Added, len(d.Removed) + o.Removed, len(d.Responses) + o.Responses}
}

func failing(v Verdict) bool { return v == Failed || v == Error }

// Compare compares two runs check by check (matched by name, which holds the requirement
// ID and fixture) and the responses of every fixture replayed in both. volatile lists the
// element paths whose text is ignored (see DefaultVolatile).
func Compare(base, next Run, volatile []string) Diff {
	d := Diff{Base: base, New: next}
	before := map[string]Check{}
	for _, c := range base.Checks {
		before[c.Name] = c
	}
	after := map[string]Check{}
	for _, c := range next.Checks {
		after[c.Name] = c
	}
	for _, c := range next.Checks {
		b, ok := before[c.Name]
		ch := changeOf(c, b.Verdict, c.Verdict)
		switch {
		case !ok:
			d.Added = append(d.Added, ch)
		case b.Verdict == c.Verdict:
		case failing(c.Verdict) && !failing(b.Verdict):
			d.Regressions = append(d.Regressions, ch)
		case failing(b.Verdict) && !failing(c.Verdict) && c.Verdict != ExpectedFailure:
			// A failure now accepted by an expectations file is still broken: a change, not a fix.
			d.Fixes = append(d.Fixes, ch)
		default:
			d.Changed = append(d.Changed, ch)
		}
	}
	for _, c := range base.Checks {
		if _, ok := after[c.Name]; !ok {
			d.Removed = append(d.Removed, changeOf(c, c.Verdict, ""))
		}
	}
	byName := func(a, b Change) int { return strings.Compare(a.Name, b.Name) }
	for _, l := range [][]Change{d.Regressions, d.Fixes, d.Changed, d.Added, d.Removed} {
		slices.SortFunc(l, byName)
	}
	d.Responses = compareResponses(base, next, volatile)
	return d
}

// compareResponses compares, for each fixture replayed in both runs, the response of its
// first check (by name) that has one in both: the checks of a fixture replay the same
// request, so one difference per fixture is enough and the rest would repeat it.
func compareResponses(base, next Run, volatile []string) []ResponseDiff {
	before := map[string]Check{}
	for _, c := range base.Checks {
		if c.Fixture != "" && c.Evidence.Response != "" {
			before[c.Name] = c
		}
	}
	var checks []Check
	for _, c := range next.Checks {
		if _, ok := before[c.Name]; ok && c.Evidence.Response != "" {
			checks = append(checks, c)
		}
	}
	slices.SortFunc(checks, func(a, b Check) int {
		return cmp.Or(strings.Compare(a.Fixture, b.Fixture), strings.Compare(a.Name, b.Name))
	})
	var out []ResponseDiff
	seen := map[string]bool{}
	for _, c := range checks {
		if seen[c.Fixture] {
			continue
		}
		seen[c.Fixture] = true
		b := before[c.Name]
		lines := diffLines(CanonicalResponse(b.Evidence, volatile), CanonicalResponse(c.Evidence, volatile))
		if lines != nil {
			out = append(out, ResponseDiff{Fixture: c.Fixture, Check: c.Name, Lines: lines})
		}
	}
	return out
}

// CanonicalResponse is the evidence's response as lines that compare equal when two
// responses say the same: the HTTP status, then the canonical XML (see CanonicalXML).
func CanonicalResponse(e Evidence, volatile []string) []string {
	lines := []string{fmt.Sprintf("HTTP %d", e.Status)}
	return append(lines, CanonicalXML(e.Response, volatile)...)
}

// diffLines is a line diff of a and b with two lines of context (nil when they are
// equal), from a longest common subsequence: responses are a few hundred lines at most,
// so the quadratic table is cheap and the result is minimal.
func diffLines(a, b []string) []string {
	if slices.Equal(a, b) {
		return nil
	}
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var script []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			script = append(script, "  "+a[i])
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]): // deletions first, as diff -u
			script = append(script, "- "+a[i])
			i++
		default:
			script = append(script, "+ "+b[j])
			j++
		}
	}
	const context = 2
	keep := make([]bool, len(script))
	for k, l := range script {
		if !strings.HasPrefix(l, "  ") {
			for c := max(0, k-context); c <= min(len(script)-1, k+context); c++ {
				keep[c] = true
			}
		}
	}
	var out []string
	for k, l := range script {
		switch {
		case keep[k]:
			out = append(out, l)
		case len(out) == 0 || out[len(out)-1] != "…":
			out = append(out, "…")
		}
	}
	return out
}

// WriteDiff writes the comparison for a person: regressions first, as they decide the exit
// code, then fixes, other changes, added and removed checks, and response differences.
func WriteDiff(w io.Writer, d Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base: %s (harness %s, catalogue %s, started %s)\n", d.Base.Target, d.Base.HarnessVersion, d.Base.CatalogueVersion, d.Base.Started.UTC().Format("2006-01-02 15:04:05Z"))
	fmt.Fprintf(&b, "new:  %s (harness %s, catalogue %s, started %s)\n", d.New.Target, d.New.HarnessVersion, d.New.CatalogueVersion, d.New.Started.UTC().Format("2006-01-02 15:04:05Z"))
	if d.Base.CatalogueVersion != d.New.CatalogueVersion {
		b.WriteString("note: the catalogue versions differ; added and removed checks may be catalogue changes\n")
	}
	// Each section groups its changes as the run's reports group checks (GroupChecks),
	// a group being one change of one rule: one sample in full, the others on a line.
	section := func(title, tag string, changes []Change, omitted int, withMessage bool) {
		if len(changes)+omitted == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(changes)+omitted)
		checks := make([]Check, len(changes))
		for i, c := range changes {
			checks[i] = c.check()
		}
		for _, g := range groupChecks(checks, nil, func(k int) string { return string(changes[k].Base) + "\x00" + string(changes[k].New) }, true) {
			c := changes[g.Checks[0]]
			move := fmt.Sprintf("%s → %s", c.Base, c.New)
			switch {
			case c.Base == "":
				move = "new, " + string(c.New)
			case c.New == "":
				move = "was " + string(c.Base)
			}
			fmt.Fprintf(&b, "  %s %s (%s)\n", tag, g.Title(), move)
			lead := "    "
			if len(g.Checks) > 1 {
				lead = "    for example "
			}
			fmt.Fprintf(&b, "%s%s\n", lead, c.Name)
			if withMessage && c.Message != "" {
				fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(strings.TrimSpace(c.Message), "\n", "\n      "))
			}
			if len(g.Checks) > 1 {
				names := make([]string, 0, min(len(g.Checks)-1, consoleMembers))
				for _, k := range g.Checks[1:min(len(g.Checks), consoleMembers+1)] {
					names = append(names, shortName(checks[k], len(g.Requirements) > 1))
				}
				more := ""
				if len(g.Checks)-1 > consoleMembers {
					more = fmt.Sprintf(" and %d more", len(g.Checks)-1-consoleMembers)
				}
				fmt.Fprintf(&b, "    also %s: %s%s\n", plural.Irregular(len(g.Checks)-1, "other", "others"), strings.Join(names, ", "), more)
			}
		}
		if omitted > 0 {
			fmt.Fprintf(&b, "  and %d more\n", omitted)
		}
	}
	o, n := d.Omitted, d.Totals()
	section("regressions", "REGRESSION", d.Regressions, o.Regressions, true)
	section("fixes", "FIXED", d.Fixes, o.Fixes, false)
	section("other verdict changes", "CHANGED", d.Changed, o.Changed, true)
	section("checks added", "ADDED", d.Added, o.Added, false)
	section("checks removed", "REMOVED", d.Removed, o.Removed, false)
	if n.Responses > 0 {
		fmt.Fprintf(&b, "\nresponses that differ (%s; namespace prefixes, whitespace between elements and volatile values ignored):\n", plural.Count(n.Responses, "fixture"))
		for _, r := range d.Responses {
			fmt.Fprintf(&b, "  fixture %s (%s):\n", r.Fixture, r.Check)
			for _, l := range r.Lines {
				fmt.Fprintf(&b, "    %s\n", l)
			}
		}
		if o.Responses > 0 {
			fmt.Fprintf(&b, "  and %d more fixtures\n", o.Responses)
		}
	}
	fmt.Fprintf(&b, "\n%s, %s, %s, %s added, %d removed, %s\n",
		plural.Count(n.Regressions, "regression"), plural.Irregular(n.Fixes, "fix", "fixes"),
		plural.Irregular(n.Changed, "other change", "other changes"), plural.Count(n.Added, "check"), n.Removed,
		plural.Irregular(n.Responses, "response differs", "responses differ"))
	_, err := io.WriteString(w, b.String())
	return err
}
