package catalogue

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// Document is one public document whose statements the inventory lists.
type Document struct {
	Key   string // as the statements.tsv document column writes it
	Title string
}

// Documents are the documents of the inventory, in the order reports list them. The
// inventory takes the statements that bind what a server sends: SOAP 1.1 sections 3, 4 and
// 6; the WS-I Basic Profile's message, fault and HTTP requirements and the Simple SOAP
// Binding Profile's serialization ones that it moved there; RFC 9110 and 9112 on framing,
// fields, content and status codes; MS-OXWUMS sections 2 and 3 in the server's role; the
// Microsoft Learn pages of the three EWS operations.
var Documents = []Document{
	{"SOAP 1.1", "Simple Object Access Protocol 1.1, W3C Note 08 May 2000"},
	{"WS-I BP 1.1", "WS-I Basic Profile 1.1"},
	{"WS-I SSBP 1.0", "WS-I Simple SOAP Binding Profile 1.0"},
	{"RFC 9110", "HTTP Semantics"},
	{"RFC 9112", "HTTP/1.1"},
	{"MS-OXWUMS", "Voice Mail Settings Web Service Protocol"},
	{"Learn EWS", "Microsoft Learn, EWS operations GetPhoneCallInformation, PlayOnPhone, DisconnectPhoneCall"},
}

// Status says how the catalogue deals with a statement.
type Status string

// The three statuses of a statement.
const (
	Checked      Status = "checked"       // requirements of the catalogue judge it
	NotJudgeable Status = "not judgeable" // nothing a server sends can show it broken (why says why)
	Open         Status = "open"          // a server's answers could show it broken, and no check looks yet
)

// Statement is one row of the inventory: a statement of a public document that binds a
// server's answers, in our own words, and what judges it.
type Statement struct {
	ID       string
	Document string // a Documents key
	Section  string // section number, or the WS-I requirement number
	Level    Level  // as the document says it
	Text     string // a paraphrase, never the document's words
	Status   Status
	Judges   []string // the requirement IDs that judge it (Checked only)
	Why      string   // why it cannot be judged, or why it is still open
	Note     string   // how far the requirements cover it, or what differs
}

// Source names the statement's place: document and section ("SOAP 1.1 §4.4", "WS-I BP 1.1
// R1126", "Learn EWS, DisconnectPhoneCall operation").
func (s Statement) Source() string {
	switch {
	case strings.Contains(s.Section, " "): // a page title
		return s.Document + ", " + s.Section
	case strings.HasPrefix(s.Section, "R"):
		return s.Document + " " + s.Section
	}
	return s.Document + " §" + s.Section
}

//go:embed statements.tsv
var statementsTSV []byte

// Inventory returns the embedded statement inventory. It panics only if the embedded file
// is broken, which the package's tests rule out.
func Inventory() []Statement {
	s, err := ParseStatements(statementsTSV, requirementsOnly())
	if err != nil {
		panic(fmt.Sprintf("embedded statements.tsv: %v", err))
	}
	return s
}

// The judged column's prefixes for the statements no requirement judges.
const (
	notJudgeablePrefix = "not judgeable:"
	openWord           = "open"
)

// ParseStatements reads an inventory in the statements.tsv format and reports every problem
// at once; each requirement a statement names must be in cat.
func ParseStatements(data []byte, cat Catalogue) ([]Statement, error) {
	rows, problems, err := readTSV(data, []string{"id", "document", "section", "level", "judged", "statement", "note"}, "statements")
	if err != nil {
		return nil, err
	}
	var out []Statement
	seen := map[string]bool{}
	for _, row := range rows {
		n, cols := row.n, row.cols
		s := Statement{ID: cols[0], Document: cols[1], Section: cols[2], Level: Level(cols[3]), Text: cols[5], Note: cols[6]}
		where := fmt.Sprintf("line %d: %s", n, s.ID)
		switch {
		case s.ID == "" || strings.ContainsAny(s.ID, " ,"):
			problems = append(problems, fmt.Sprintf("line %d: statement id %q is empty or holds a space or comma", n, s.ID))
		case seen[s.ID]:
			problems = append(problems, fmt.Sprintf("%s appears twice; statement IDs are never reused", where))
		}
		seen[s.ID] = true
		if !slices.ContainsFunc(Documents, func(d Document) bool { return d.Key == s.Document }) {
			problems = append(problems, fmt.Sprintf("%s: document %q is not one of the inventory's", where, s.Document))
		}
		if s.Level != MUST && s.Level != SHOULD && s.Level != MAY {
			problems = append(problems, fmt.Sprintf("%s: level %q is not MUST, SHOULD or MAY", where, s.Level))
		}
		if s.Section == "" || s.Text == "" {
			problems = append(problems, fmt.Sprintf("%s: the section and the statement are both needed", where))
		}
		problems = append(problems, s.judged(cols[4], cat, where)...)
		out = append(out, s)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("statement inventory has %d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return out, nil
}

// judged reads the judged column into s and returns its problems.
func (s *Statement) judged(col string, cat Catalogue, where string) []string {
	switch {
	case strings.HasPrefix(col, notJudgeablePrefix):
		s.Status, s.Why = NotJudgeable, strings.TrimSpace(strings.TrimPrefix(col, notJudgeablePrefix))
		if s.Why == "" {
			return []string{where + ": \"not judgeable\" needs the reason after the colon"}
		}
		return nil
	case col == openWord || strings.HasPrefix(col, openWord+":"):
		s.Status, s.Why = Open, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(col, openWord), ":"))
		return nil
	}
	s.Status, s.Judges = Checked, strings.Fields(col)
	if len(s.Judges) == 0 {
		return []string{where + `: judged is empty; name requirements, "not judgeable: why" or "open"`}
	}
	var problems []string
	for _, id := range s.Judges {
		if _, ok := cat.Lookup(id); !ok {
			problems = append(problems, fmt.Sprintf("%s: requirement %s is not in the catalogue (requirements.tsv)", where, id))
		}
	}
	return problems
}

// StatementsOf returns the statements requirement id judges, in inventory order.
func StatementsOf(inv []Statement, id string) []Statement {
	var out []Statement
	for _, s := range inv {
		if slices.Contains(s.Judges, id) {
			out = append(out, s)
		}
	}
	return out
}

// Coverage counts one document's statements by status.
type Coverage struct {
	Document                                Document
	Statements, Checked, NotJudgeable, Open int
	// Cited lists the document's sections (or WS-I requirement numbers) that the catalogue
	// cites: those of the statements a requirement judges, each once, in inventory order.
	Cited []string
}

// CoverageByDocument counts, for each document of Documents, its statements: how many a
// requirement checks, how many cannot be judged from outside, how many are open.
//
// A section counts as cited by the catalogue when a requirement judges a statement of it.
// The requirements' own source column names sections too, but as free text for readers;
// the inventory says which requirement judges what, so it is the one measure.
func CoverageByDocument(inv []Statement) []Coverage {
	out := make([]Coverage, len(Documents))
	for i, d := range Documents {
		c := Coverage{Document: d}
		for _, s := range inv {
			if s.Document != d.Key {
				continue
			}
			c.Statements++
			switch s.Status {
			case Checked:
				c.Checked++
				if !slices.Contains(c.Cited, s.Section) {
					c.Cited = append(c.Cited, s.Section)
				}
			case NotJudgeable:
				c.NotJudgeable++
			case Open:
				c.Open++
			}
		}
		out[i] = c
	}
	return out
}
