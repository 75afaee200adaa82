package expect

import (
	"bytes"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/umconform/umconform/reports"
)

// DefaultLifetime is how long a baseline accepts the failures it lists when no expiry is
// given: long enough for a vendor to ship a fix, short enough that nobody forgets them.
const DefaultLifetime = 90 // days

// Baseline writes an expectations file that accepts every failure of run (read from
// source) until expires (YYYY-MM-DD): one entry per failing fixture or scenario and
// requirement. Checks that were already expected failures keep their entry's reason,
// link and expiry, so that adopting a new baseline does not extend an old one. Warnings,
// information and errors are not failures and get no entry. prog is the binary as the user
// invoked it, as the file's "Use:" line names it.
func Baseline(w io.Writer, run reports.Run, source, expires, prog string) error {
	type key struct{ req, fixture, scenario string }
	seen := map[key]bool{}
	var entries []*yaml.Node
	n := 0
	for _, c := range run.Checks {
		var x reports.Expectation
		switch {
		case c.Verdict == reports.Failed:
			x = reports.Expectation{Fixture: c.Fixture, Scenario: c.Scenario, Expires: expires,
				Reason: "baseline of " + source + ": " + firstLine(c.Message)}
		case c.Verdict == reports.ExpectedFailure && c.Expectation != nil:
			x = *c.Expectation
		default:
			continue
		}
		for _, id := range c.Requirements {
			if x.Requirement != "" && x.Requirement != id {
				continue // the kept entry is about another of the check's requirements
			}
			k := key{id, x.Fixture, x.Scenario}
			if seen[k] {
				continue
			}
			seen[k] = true
			entries = append(entries, entryNode(id, x))
			n++
		}
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: fmt.Sprintf(
		"umconform expectations: every failure of %s (target %s, run of %s)\n"+
			"in %s, one per requirement and fixture or scenario, each accepted until its expires.\n"+
			"Replace each reason with why the deviation is accepted (a vendor ticket, a known bug) and\n"+
			"add its link. Use: %s run --expectations FILE",
		source, run.Target, run.Started.Format(DateLayout), plural.Irregular(n, "entry", "entries"), prog)}
	doc.Content = []*yaml.Node{{Kind: yaml.SequenceNode, Content: entries}}
	if n == 0 {
		doc.Content[0].Style = yaml.FlowStyle // "[]": a valid, empty list
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing the expectations: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("writing the expectations: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// entryNode is one entry as the file holds it, members in the documented order.
func entryNode(requirement string, x reports.Expectation) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k, v, tag string) {
		if v != "" {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: tag})
		}
	}
	add("requirement", requirement, "!!str")
	add("fixture", x.Fixture, "!!str")
	add("scenario", x.Scenario, "!!str")
	add("reason", x.Reason, "!!str")
	add("link", x.Link, "!!str")
	add("expires", x.Expires, "") // plain: 2027-03-31, as a person writes it
	return m
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
