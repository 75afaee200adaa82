package reports

import (
	"cmp"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"regexp"
	"slices"
	"strings"

	"github.com/umconform/umconform/catalogue"
)

// message is a check's message read back into its parts. The suites write a broken
// requirement as a headline and indented fields (suites.Env.verdict):
//
//	S2 (MUST) broken: CallState is one of the 8 values; EventCause one of the 5
//	  expected: CallState one of the 8 values and EventCause one of the 5
//	  actual:   CallState 'Ringing' is not one of the 8 values
//	  where:    response line 1 /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState
//	  fixture:  fixtures/corpus/gci-chunked.json
//
// A message in another shape (a check not judged, one that never ran) is all headline, so
// no word of it is lost.
type message struct {
	Headline string
	Fields   []field // in the order written
}

type field struct{ Name, Value string }

// messageFields are the names an indented "  name: value" line may carry.
var messageFields = []string{"expected", "actual", "where", "fixture"}

func parseMessage(s string) message {
	lines := strings.Split(s, "\n")
	m := message{Headline: lines[0]}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(strings.TrimLeft(l, " \t"), ":")
		if !ok || len(l) == len(strings.TrimLeft(l, " \t")) || !slices.Contains(messageFields, name) {
			return message{Headline: s}
		}
		m.Fields = append(m.Fields, field{name, strings.TrimSpace(value)})
	}
	return m
}

func (m message) get(name string) string {
	for _, f := range m.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Group is the checks that did not pass in the same way: one verdict, and the same
// expected and actual text once what differs from call to call is taken out (the
// fixture's or scenario's name, call ids, answer and line numbers: see normalise). A
// broken requirement (failed, warning, info, or an expected failure) groups per
// requirement, across fixtures, calls and APIs; so does a pass that an expectations file
// expected to fail (UnexpectedPass). Any other verdict (a check not judged, not run, ...)
// groups across requirements, since its cause is the run's, not a rule's: a dead target
// is one group, not one per requirement.
type Group struct {
	Verdict      Verdict
	Requirements []string // every requirement its checks prove, in catalogue order
	Level        string   // the first check's level
	Text         string   // the requirement's text, when the message states it
	Summary      string   // what went wrong, in one line
	Checks       []int    // indices into the checks grouped: the sample (a replayed fixture if any), then the others in order
	// UnexpectedPass: the checks passed, and an expectations file expected them to fail
	// (expect.Grader made them warnings, or failures with --strict). Nothing is broken.
	UnexpectedPass bool
}

// Label is the group's kind in capitals, as the console and the reports head it:
// FAILED, WARNING, ERROR, EXPECTED FAILURE, UNEXPECTED PASS, ...
func (g Group) Label() string {
	switch {
	case g.UnexpectedPass:
		return "UNEXPECTED PASS"
	case g.Verdict == ExpectedFailure:
		return "EXPECTED FAILURE"
	}
	return strings.ToUpper(string(g.Verdict))
}

// Title is the group in one line: "S2 (MUST) broken by 30 checks: CallState 'Ringing' is
// not one of the 8 values".
func (g Group) Title() string {
	n := plural.Irregular(len(g.Checks), "check", "checks")
	ids := strings.Join(g.Requirements, ", ")
	if len(g.Requirements) > 6 {
		ids = strings.Join(g.Requirements[:5], ", ") + fmt.Sprintf(", … (%d requirements)", len(g.Requirements))
	}
	rule := ids // "S2 (MUST)"
	if g.Level != "" && ids != "" {
		rule += " (" + g.Level + ")"
	}
	summary := ""
	if g.Summary != "" {
		summary = ": " + g.Summary
	}
	switch {
	case ids == "" && g.Verdict == Passed:
		return n + " passed"
	case ids == "": // a check about no requirement: a broken fixture
		return n + summary
	case g.UnexpectedPass:
		entries := "remove their entries"
		if len(g.Checks) == 1 {
			entries = "remove its entry"
		}
		return fmt.Sprintf("%s passed by %s that the expectations file expects to fail: %s", rule, n, entries)
	case g.Verdict == ExpectedFailure:
		return fmt.Sprintf("%s broken by %s, as the expectations file accepts%s", rule, n, summary)
	case g.Verdict == Passed:
		return fmt.Sprintf("%s passed by %s", rule, n)
	case broken(g.Verdict):
		return fmt.Sprintf("%s broken by %s%s", rule, n, summary)
	}
	return fmt.Sprintf("%s, %s%s", ids, n, summary)
}

// broken tells the verdicts that mean a target broke a requirement, as judged.
func broken(v Verdict) bool {
	switch v {
	case Failed, Warning, Info:
		return true
	}
	return false
}

// verdictRank orders verdicts worst first; verdicts this package does not know come after
// the known ones, by name.
func verdictRank(v Verdict) int {
	switch v {
	case Failed:
		return 0
	case Error:
		return 1
	case Warning:
		return 2
	case Info:
		return 3
	}
	return 4
}

// Groups gathers the run's checks that did not pass into groups of identical violations
// (see GroupChecks). A run that did not start (NotStarted) is one group: every check has
// the one cause.
func (r Run) Groups(order []string) []Group {
	if r.NotStarted() {
		g := Group{Verdict: Error, Summary: "not run: the run did not start: " + r.Stopped}
		for k, c := range r.Checks {
			if c.Verdict == Passed {
				continue
			}
			g.Checks = append(g.Checks, k)
			g.Requirements = addNew(g.Requirements, c.Requirements)
		}
		if len(g.Checks) == 0 {
			return nil
		}
		sortIDs(g.Requirements, order)
		return []Group{g}
	}
	return GroupChecks(r.Checks, order, nil)
}

// GroupChecks gathers the checks that did not pass into groups of identical violations:
// worst verdict first, then in the order of order (the catalogue's IDs; others after, by
// name), then by first appearance. Every report groups with it: the console, the
// Markdown summary, the HTML report, and compare (whose changes it groups with the
// base's verdict as extra, so that a group is one change). extra, when not nil, is more
// of a check's key.
func GroupChecks(checks []Check, order []string, extra func(k int) string) []Group {
	return groupChecks(checks, order, extra, false)
}

// groupChecks is GroupChecks, with the checks that passed too when withPassed is set
// (compare's fixes and added checks), grouped per requirement.
func groupChecks(checks []Check, order []string, extra func(k int) string, withPassed bool) []Group {
	index := map[string]int{}
	var groups []Group
	for k, c := range checks {
		if c.Verdict == Passed && !withPassed {
			continue
		}
		key, summary := groupKey(c)
		if extra != nil {
			key += "\x00" + extra(k)
		}
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			m := parseMessage(c.Message)
			text := ""
			if _, after, ok := strings.Cut(m.Headline, " broken: "); ok && len(m.Fields) > 0 {
				text = after
			}
			groups = append(groups, Group{Verdict: c.Verdict, Level: c.Level, Text: text, Summary: summary, UnexpectedPass: c.UnexpectedPass()})
		}
		g := &groups[i]
		g.Checks = append(g.Checks, k)
		g.Requirements = addNew(g.Requirements, c.Requirements)
	}
	for i := range groups {
		// The sample is the first replayed fixture if there is one: a person can replay
		// it alone (--label-filter FIXTURE-ID) and read its recording.
		g := &groups[i]
		if j := slices.IndexFunc(g.Checks, func(k int) bool { return checks[k].Fixture != "" }); j > 0 {
			sample := g.Checks[j]
			copy(g.Checks[1:j+1], g.Checks[:j])
			g.Checks[0] = sample
		}
		sortIDs(g.Requirements, order)
	}
	rank := ranker(order)
	slices.SortStableFunc(groups, func(a, b Group) int {
		pa, na := rank(first(a.Requirements))
		pb, nb := rank(first(b.Requirements))
		return cmp.Or(cmp.Compare(groupRank(a), groupRank(b)), strings.Compare(string(a.Verdict), string(b.Verdict)),
			cmp.Compare(pa, pb), strings.Compare(na, nb), cmp.Compare(a.Checks[0], b.Checks[0]))
	})
	return groups
}

// groupRank orders groups worst first: failures, errors, warnings, information, then
// unexpected passes and expected failures, then verdicts this package does not know.
func groupRank(g Group) int {
	switch {
	case g.UnexpectedPass:
		return 4
	case g.Verdict == ExpectedFailure:
		return 5
	}
	if r := verdictRank(g.Verdict); r < 4 {
		return r
	}
	return 6
}

// ranker places a requirement ID in order (the catalogue's IDs), others after by name.
func ranker(order []string) func(id string) (int, string) {
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	return func(id string) (int, string) {
		if p, ok := pos[id]; ok {
			return p, ""
		}
		return len(order), id
	}
}

func sortIDs(ids, order []string) {
	rank := ranker(order)
	slices.SortStableFunc(ids, func(a, b string) int {
		pa, na := rank(a)
		pb, nb := rank(b)
		return cmp.Or(cmp.Compare(pa, pb), strings.Compare(na, nb))
	})
}

func addNew(to, ids []string) []string {
	for _, id := range ids {
		if !slices.Contains(to, id) {
			to = append(to, id)
		}
	}
	return to
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// groupKey is what makes two checks the same violation, and the group's one-line summary.
// A broken requirement (an expected failure too) is keyed by its requirements and its
// expected and actual text, not where it was seen (a line number differs from response to
// response); an unexpected pass by its requirements and its expectation's reason; any
// other verdict by its message less its requirement ID. What differs between members is
// taken out of the key: the check's own fixture and scenario, and the numbers and call
// ids of one call (normalise).
func groupKey(c Check) (key, summary string) {
	m := parseMessage(c.Message)
	var text string
	judged := broken(c.Verdict) || c.Verdict == ExpectedFailure
	switch expected, actual := m.get("expected"), m.get("actual"); {
	case c.UnexpectedPass():
		text = "unexpected pass\n" + c.Expectation.Reason
		summary = "passed"
	case c.Verdict == Passed:
		judged, text, summary = true, "passed", "passed"
	case judged && (expected != "" || actual != ""):
		text, summary = expected+"\n"+actual, actual
	default:
		text = m.Headline
		for _, f := range m.Fields {
			if f.Name != "fixture" {
				text += "\n" + f.Name + ": " + f.Value
			}
		}
		// "X5 could not be judged: …": the same cause on every requirement.
		for _, id := range c.Requirements {
			if rest, ok := strings.CutPrefix(text, id+" "); ok {
				text = rest
				break
			}
		}
		summary = firstLine(text)
		if _, after, ok := strings.Cut(summary, " broken: "); ok && judged {
			summary = after // "(MUST) broken: x": the title says the rest
		}
	}
	text = normalise(withoutWord(withoutWord(withoutWord(text, c.FixtureFile), c.Fixture), c.Scenario))
	summary = withoutWord(withoutWord(summary, c.FixtureFile), c.Fixture)
	key = string(c.Verdict) + "\x00" + text
	if judged {
		// A rule's EWS twin (E10 for L3) keys as the rule itself: one rule broken the
		// same way on both APIs is one group, its heading naming both IDs.
		rules := make([]string, len(c.Requirements))
		for i, id := range c.Requirements {
			rules[i] = catalogue.Rule(id)
		}
		key = strings.Join(rules, " ") + "\x00" + key
	}
	return key, summary
}

// UnexpectedPass tells a check that passed where an expectations file expected it to
// fail: expect.Grader keeps the entry on it and makes it a warning (a failure with
// --strict), though nothing is broken.
func (c Check) UnexpectedPass() bool {
	return c.Expectation != nil && (c.Verdict == Warning || c.Verdict == Failed)
}

// varying matches what differs from one call, answer or response to the next in a
// message that otherwise says the same: a call id (a long run of base64 or name bytes
// holding a digit, an FQDN among them), a number ("answer 3 of 7", "line 12",
// "+15550101", "exp.yaml:6"), but not an HTTP status, which is the violation itself.
var varying = regexp.MustCompile(`[A-Za-z0-9+/=._-]{20,}|(?:HTTP|status) \d{3}\b|\d+(?:\.\d+)?`)

// normalise takes out of a group's key what varies per call (see varying).
func normalise(s string) string {
	return varying.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case strings.HasPrefix(m, "HTTP") || strings.HasPrefix(m, "status"):
			return m
		case len(m) >= 20:
			if strings.ContainsAny(m, "0123456789") {
				return "‹id›"
			}
			return m
		}
		return "#"
	})
}

// withoutWord replaces each whole-word occurrence of w in s (not inside a longer name such
// as gci-doc-request-2) with "…".
func withoutWord(s, w string) string {
	if w == "" || !strings.Contains(s, w) {
		return s
	}
	nameByte := func(b byte) bool {
		return b == '-' || b == '_' || b == '.' || b == '/' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
	}
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(w)
		whole := (i == 0 || !nameByte(s[i-1])) && (end == len(s) || !nameByte(s[end]) || s[end] == '.' && (end+1 == len(s) || !nameByte(s[end+1])))
		b.WriteString(s[:i])
		if whole {
			b.WriteString("…")
		} else {
			b.WriteString(w)
		}
		s = s[end:]
	}
}

// shortName is how a group lists a member besides its sample: the fixture ID, or for a
// scenario check its name up to the rule or a parenthesis ("call to +15550100", "7
// concurrent calls"), so that a list of them reads as one;
// withRequirement puts the requirement first ("[X5] gci-doc-request").
func shortName(c Check, withRequirement bool) string {
	if withRequirement {
		return "[" + strings.Join(c.Requirements, " ") + "] " + shortName(c, false)
	}
	if c.UnexpectedPass() { // the entry to remove
		return strings.TrimSuffix(shortName(Check{Name: c.Name, Fixture: c.Fixture}, false)+" ("+c.Expectation.Source+")", " ()")
	}
	if c.Fixture != "" {
		return c.Fixture
	}
	name := c.Name
	if strings.HasPrefix(name, "[") {
		if _, rest, ok := strings.Cut(name, "] "); ok {
			name = rest
		}
	}
	if i := strings.IndexAny(name, ":("); i > 0 {
		name = strings.TrimSpace(name[:i])
	}
	return name
}
