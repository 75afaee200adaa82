package catalogue

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestInventoryParses(t *testing.T) {
	inv := Inventory()
	if len(inv) < 100 {
		t.Fatalf("%d statements, want the whole inventory (over 100)", len(inv))
	}
	for _, c := range CoverageByDocument(inv) {
		if c.Statements == 0 {
			t.Errorf("%s: no statement", c.Document.Key)
		}
		if c.Checked+c.NotJudgeable+c.Open != c.Statements {
			t.Errorf("%s: %d checked + %d not judgeable + %d open != %d statements", c.Document.Key, c.Checked, c.NotJudgeable, c.Open, c.Statements)
		}
	}
	for _, s := range inv {
		// A paraphrase is short: a long text is likely the document's own words.
		if len(s.Text) > 140 {
			t.Errorf("%s: a statement of %d characters; say it shorter, in our own words", s.ID, len(s.Text))
		}
		if (s.Status == Checked) != (len(s.Judges) > 0) {
			t.Errorf("%s: status %s with requirements %v", s.ID, s.Status, s.Judges)
		}
	}
	// A reason or note that points at another row names one that exists.
	ids := map[string]bool{}
	for _, s := range inv {
		ids[s.ID] = true
	}
	rowRef := regexp.MustCompile(`\b(?:soap|bp|ssbp|h9110|h9112|ox|ews)-[a-z0-9]+\b`)
	for _, s := range inv {
		for _, ref := range rowRef.FindAllString(s.Why+" "+s.Note, -1) {
			if !ids[ref] {
				t.Errorf("%s refers to row %s, which the inventory lacks", s.ID, ref)
			}
		}
	}
	s := inv[slices.IndexFunc(inv, func(s Statement) bool { return s.ID == "bp-r1126" })]
	if s.Source() != "WS-I BP 1.1 R1126" || s.Status != Checked || !slices.Equal(s.Judges, []string{"T3"}) {
		t.Errorf("bp-r1126 = %+v (source %q)", s, s.Source())
	}
	s = inv[slices.IndexFunc(inv, func(s Statement) bool { return s.ID == "soap-21" })]
	if s.Source() != "SOAP 1.1 §4.4" || s.Status != NotJudgeable || !strings.Contains(s.Why, "person") {
		t.Errorf("soap-21 = %+v (source %q)", s, s.Source())
	}
}

func TestParseStatementsReportsEveryProblem(t *testing.T) {
	cat := Catalogue{{ID: "T3", Level: MUST}}
	good := "id\tdocument\tsection\tlevel\tjudged\tstatement\tnote\n" +
		"a\tSOAP 1.1\t6.2\tMUST\tT3\ta Fault travels in a 500\n" +
		"b\tRFC 9110\t8.6\tMUST\topen\tContent-Length counts the content\tnone yet\n" +
		"c\tWS-I BP 1.1\tR1107\tMUST\tnot judgeable: the client's role\ta receiver reads a Fault\n"
	inv, err := ParseStatements([]byte(good), cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != 3 || inv[0].Status != Checked || inv[1].Status != Open || inv[1].Note != "none yet" ||
		inv[2].Status != NotJudgeable || inv[2].Why != "the client's role" {
		t.Errorf("parsed %+v", inv)
	}
	bad := "id\tdocument\tsection\tlevel\tjudged\tstatement\tnote\n" +
		"a\tSOAP 1.1\t6.2\tMUST\tT3\ttext\n" +
		"a\tSOAP 1.1\t6.2\tMUST\tT3\ttext\n" +
		"b\tSOAP 1.2\t6.2\tOUGHT\tT9\ttext\n" +
		"c\tRFC 9110\t8.6\tMUST\tnot judgeable:\ttext\n" +
		"d\tRFC 9110\t\tMUST\topen\t\n" +
		"e\tRFC 9110\t8.6\tMUST\ttext\n" +
		"f\tRFC 9110\t8.6\tMUST\t \ttext\n"
	_, err = ParseStatements([]byte(bad), cat)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"line 3: a appears twice", `document "SOAP 1.2"`, `level "OUGHT"`,
		"requirement T9 is not in the catalogue", `"not judgeable" needs the reason`,
		"line 6: d: the section and the statement are both needed", "line 7: 5 columns", "line 8: f: judged is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestEveryRequirementKnowsItsStatements: Default gives each requirement the statements
// that name it, and only those.
func TestEveryRequirementKnowsItsStatements(t *testing.T) {
	inv := Inventory()
	for _, r := range Default() {
		var want []string
		for _, s := range StatementsOf(inv, r.ID) {
			want = append(want, s.ID)
		}
		if !slices.Equal(r.Statements, want) {
			t.Errorf("%s: statements %v, want %v", r.ID, r.Statements, want)
		}
	}
	if r, _ := Default().Lookup("T3"); !slices.Contains(r.Statements, "bp-r1126") || !slices.Contains(r.Statements, "soap-28") {
		t.Errorf("T3 judges %v, want bp-r1126 and soap-28 among them", r.Statements)
	}
}

// TestCatalogueCitesTheDocuments is issue 32's measure: the catalogue cites a section of a
// document (a WS-I requirement number, for the Basic Profile) when one of its requirements
// judges a statement of that section. Open and not-judgeable statements do not count.
func TestCatalogueCitesTheDocuments(t *testing.T) {
	cited := map[string][]string{}
	for _, c := range CoverageByDocument(Inventory()) {
		cited[c.Document.Key] = c.Cited
	}
	for _, want := range []struct {
		docs []string
		min  int
	}{
		{[]string{"WS-I BP 1.1"}, 15},
		{[]string{"SOAP 1.1"}, 8},
		{[]string{"RFC 9110", "RFC 9112"}, 6},
		{[]string{"MS-OXWUMS"}, 15},
	} {
		var got []string
		for _, d := range want.docs {
			got = append(got, cited[d]...)
		}
		if len(got) < want.min {
			t.Errorf("%s: the catalogue cites %d sections (%s), want at least %d", strings.Join(want.docs, " and "), len(got), strings.Join(got, ", "), want.min)
		}
	}
}

func TestCoverageCitesOnlyCheckedSections(t *testing.T) {
	inv := []Statement{
		{ID: "a", Document: "SOAP 1.1", Section: "4", Status: Checked, Judges: []string{"T1"}},
		{ID: "b", Document: "SOAP 1.1", Section: "4", Status: Checked, Judges: []string{"S6"}},
		{ID: "c", Document: "SOAP 1.1", Section: "3", Status: Open},
		{ID: "d", Document: "SOAP 1.1", Section: "6.1.1", Status: NotJudgeable},
		{ID: "e", Document: "RFC 9110", Section: "8.3", Status: Checked, Judges: []string{"T2"}},
	}
	cov := CoverageByDocument(inv)
	soap := cov[slices.IndexFunc(cov, func(c Coverage) bool { return c.Document.Key == "SOAP 1.1" })]
	if soap.Statements != 4 || soap.Checked != 2 || soap.Open != 1 || soap.NotJudgeable != 1 || !slices.Equal(soap.Cited, []string{"4"}) {
		t.Errorf("SOAP 1.1 coverage %+v", soap)
	}
	if got := StatementsOf(inv, "T1"); len(got) != 1 || got[0].ID != "a" {
		t.Errorf("StatementsOf T1 = %+v", got)
	}
}
