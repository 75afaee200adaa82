package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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

// Group is the checks that did not pass in the same way: one verdict and the same
// expected and actual text once the fixture's name is taken out. A broken requirement
// (failed, warning, info) groups per requirement; any other verdict (a check not judged,
// not run, ...) groups across requirements, since its cause is the run's, not a rule's:
// a dead target is one group, not one per requirement.
type Group struct {
	Verdict      Verdict
	Requirements []string // every requirement its checks prove, in catalogue order
	Level        string   // the first check's level
	Text         string   // the requirement's text, when the message states it
	Summary      string   // what went wrong, in one line
	Checks       []int    // indices into Run.Checks: the sample (a replayed fixture if any), then the others in run order
}

// Title is the group in one line: "S2 (MUST) broken by 30 checks: CallState 'Ringing' is
// not one of the 8 values".
func (g Group) Title() string {
	n := plural(len(g.Checks), "check", "checks")
	ids := strings.Join(g.Requirements, ", ")
	if len(g.Requirements) > 6 {
		ids = strings.Join(g.Requirements[:5], ", ") + fmt.Sprintf(", … (%d requirements)", len(g.Requirements))
	}
	if broken(g.Verdict) {
		return fmt.Sprintf("%s (%s) broken by %s: %s", ids, g.Level, n, g.Summary)
	}
	if ids == "" { // a check about no requirement: a broken fixture
		return fmt.Sprintf("%s: %s", n, g.Summary)
	}
	return fmt.Sprintf("%s, %s: %s", ids, n, g.Summary)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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

// Groups gathers the run's checks that did not pass into groups of identical violations:
// worst verdict first, then in the order of order (the catalogue's IDs; others after, by
// name), then by first appearance. The console, the Markdown summary and the HTML report
// all show these groups.
func (r Run) Groups(order []string) []Group {
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	rank := func(id string) (int, string) {
		if p, ok := pos[id]; ok {
			return p, ""
		}
		return len(order), id
	}
	index := map[string]int{}
	var groups []Group
	for k, c := range r.Checks {
		if c.Verdict == Passed {
			continue
		}
		key, summary := groupKey(c)
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			m := parseMessage(c.Message)
			text := ""
			if _, after, ok := strings.Cut(m.Headline, " broken: "); ok && len(m.Fields) > 0 {
				text = after
			}
			groups = append(groups, Group{Verdict: c.Verdict, Level: c.Level, Text: text, Summary: summary})
		}
		g := &groups[i]
		g.Checks = append(g.Checks, k)
		for _, id := range c.Requirements {
			if !slices.Contains(g.Requirements, id) {
				g.Requirements = append(g.Requirements, id)
			}
		}
	}
	for i := range groups {
		// The sample is the first replayed fixture if there is one: a person can replay
		// it alone (--label-filter FIXTURE-ID) and read its recording.
		g := &groups[i]
		if j := slices.IndexFunc(g.Checks, func(k int) bool { return r.Checks[k].Fixture != "" }); j > 0 {
			sample := g.Checks[j]
			copy(g.Checks[1:j+1], g.Checks[:j])
			g.Checks[0] = sample
		}
		slices.SortStableFunc(groups[i].Requirements, func(a, b string) int {
			pa, na := rank(a)
			pb, nb := rank(b)
			return cmp.Or(cmp.Compare(pa, pb), strings.Compare(na, nb))
		})
	}
	slices.SortStableFunc(groups, func(a, b Group) int {
		pa, na := rank(first(a.Requirements))
		pb, nb := rank(first(b.Requirements))
		return cmp.Or(cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict)), strings.Compare(string(a.Verdict), string(b.Verdict)),
			cmp.Compare(pa, pb), strings.Compare(na, nb), cmp.Compare(a.Checks[0], b.Checks[0]))
	})
	return groups
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// groupKey is what makes two checks the same violation, and the group's one-line summary.
// A broken requirement is keyed by its requirements and its expected and actual text,
// not where it was seen (a line number differs from response to response); any other
// verdict by its message less its requirement ID. The check's own fixture is taken out of
// either, since it is what differs between the members.
func groupKey(c Check) (key, summary string) {
	m := parseMessage(c.Message)
	var text string
	if expected, actual := m.get("expected"), m.get("actual"); broken(c.Verdict) && (expected != "" || actual != "") {
		text, summary = expected+"\n"+actual, actual
	} else {
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
	}
	text = withoutWord(withoutWord(text, c.FixtureFile), c.Fixture)
	summary = withoutWord(withoutWord(summary, c.FixtureFile), c.Fixture)
	key = string(c.Verdict) + "\x00" + text
	if broken(c.Verdict) {
		key = strings.Join(c.Requirements, " ") + "\x00" + key
	}
	return key, summary
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
