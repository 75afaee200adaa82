// Package catalogue holds the requirement catalogue that suites, reports and fixtures name.
package catalogue

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// Level is how much a requirement weighs in a verdict.
type Level string

// The levels of RFC 2119 that the catalogue uses.
const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
	MAY    Level = "MAY"
)

// Requirement is one catalogue entry.
type Requirement struct {
	ID     string
	Level  Level
	Area   string
	Text   string
	Source string
	// Untestable, when set, says why no broken server can trip the requirement; the
	// kill-matrix check then accepts that no reference profile breaks it.
	Untestable string
	// Statements are the IDs of the inventory's statements (statements.tsv) that this
	// requirement judges: the public rules it answers for, traceable to their sources.
	Statements []string
}

// EWS says whether the requirement is about EWS's phone-call operations (/EWS/Exchange.asmx):
// their IDs start with E. Each sits in the area of its UM twin (E8, like L1, is lifecycle),
// so that an area holds both APIs' rules; the API a check was made against is its label.
func (r Requirement) EWS() bool { return strings.HasPrefix(r.ID, "E") }

// Catalogue is the list of requirements in file order.
type Catalogue []Requirement

//go:embed requirements.tsv
var requirementsTSV []byte

// Version identifies this catalogue in reports: bump it when a requirement is added or
// its text or level changes.
const Version = "2026-12-07.5"

// Default returns the embedded catalogue, each requirement with the inventory's statements
// it judges. It panics only if an embedded file is broken, which the package's tests rule
// out.
func Default() Catalogue {
	c := requirementsOnly()
	for _, s := range Inventory() {
		for _, id := range s.Judges {
			for i := range c {
				if c[i].ID == id {
					c[i].Statements = append(c[i].Statements, s.ID)
				}
			}
		}
	}
	return c
}

// requirementsOnly parses the embedded requirements.tsv alone: the inventory is checked
// against it.
func requirementsOnly() Catalogue {
	c, err := Parse(requirementsTSV)
	if err != nil {
		panic(fmt.Sprintf("embedded requirements.tsv: %v", err))
	}
	return c
}

var areas = []string{"transport", "schema", "callid", "playonphone", "lifecycle", "robustness", "replay", "auth", "generated"}

// Parse reads a catalogue in the requirements.tsv format and reports every problem at once.
func Parse(data []byte) (Catalogue, error) {
	rows, problems, err := readTSV(data, []string{"id", "level", "area", "requirement", "source", "untestable"}, "catalogue")
	if err != nil {
		return nil, err
	}
	var c Catalogue
	seen := map[string]bool{}
	for _, row := range rows {
		n, cols := row.n, row.cols
		r := Requirement{ID: cols[0], Level: Level(cols[1]), Area: cols[2], Text: cols[3], Source: cols[4], Untestable: cols[5]}
		switch {
		case r.ID == "" || strings.ContainsAny(r.ID, "/&|!,() \t"):
			problems = append(problems, fmt.Sprintf("line %d: id %q is empty or holds a character a Ginkgo label cannot", n, r.ID))
		case seen[r.ID]:
			problems = append(problems, fmt.Sprintf("line %d: id %s appears twice; IDs are never reused", n, r.ID))
		}
		if r.Level != MUST && r.Level != SHOULD && r.Level != MAY {
			problems = append(problems, fmt.Sprintf("line %d: %s: level %q is not MUST, SHOULD or MAY", n, r.ID, r.Level))
		}
		if !slices.Contains(areas, r.Area) {
			problems = append(problems, fmt.Sprintf("line %d: %s: area %q is not one of %s", n, r.ID, r.Area, strings.Join(areas, ", ")))
		}
		if r.Text == "" || r.Source == "" {
			problems = append(problems, fmt.Sprintf("line %d: %s: the requirement text and its source are both needed", n, r.ID))
		}
		seen[r.ID] = true
		c = append(c, r)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("catalogue has %d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return c, nil
}

// Lookup returns the requirement with the given ID.
func (c Catalogue) Lookup(id string) (Requirement, bool) {
	for i := range c { // by index: a Requirement is a dozen strings, copied per step
		if c[i].ID == id {
			return c[i], true
		}
	}
	return Requirement{}, false
}

// IDs returns every requirement ID in catalogue order.
func (c Catalogue) IDs() []string {
	ids := make([]string, len(c))
	for i, r := range c {
		ids[i] = r.ID
	}
	return ids
}
