package generate

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

var testValues = Values{CallID: UnknownID(UM, DefaultSeed), PhoneCallID: UnknownID(EWS, DefaultSeed), EntryID: "AAMkADk=", DialString: "+15550100"}

func generateAll(t *testing.T, api API, seed int64) []Request {
	t.Helper()
	rs, err := Generate(api, Options{Seed: seed, Values: testValues})
	if err != nil {
		t.Fatalf("Generate(%s): %v", api, err)
	}
	return rs
}

// TestEveryOperatorIsAppliedToBothAPIs: each operator the schemas give a place to is
// applied in each API (the UM schema has no enumeration and neither schema a maxLength, so
// those operators have nowhere to go), and each of the six operations gets requests.
func TestEveryOperatorIsAppliedToBothAPIs(t *testing.T) {
	for api, want := range map[API][]Operator{
		UM:  {Drop, Repeat, UnknownElement, UnknownAttribute, WrongType, Empty, MinLength, Long, Nil, ForeignNamespace, Reorder},
		EWS: {Drop, Repeat, UnknownElement, UnknownAttribute, WrongType, OutsideEnum, Empty, Long, Nil, ForeignNamespace, Reorder},
	} {
		ops, operations := map[Operator]int{}, map[string]int{}
		for _, r := range generateAll(t, api, DefaultSeed) {
			ops[r.Operator]++
			operations[r.Operation]++
		}
		for _, o := range want {
			if ops[o] == 0 {
				t.Errorf("%s: no request made by %s", api, o)
			}
		}
		if len(operations) != 3 {
			t.Errorf("%s: requests for %v, want its three operations", api, operations)
		}
	}
}

var fixtureID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestIDsAreOperatorAndPath: IDs are unique fixture IDs made of the operation, the operator
// and the path, whatever the seed.
func TestIDsAreOperatorAndPath(t *testing.T) {
	ids := map[string]bool{}
	for _, api := range []API{UM, EWS} {
		for _, r := range generateAll(t, api, DefaultSeed) {
			if !fixtureID.MatchString(r.ID) || ids[r.ID] || !strings.Contains(r.ID, "-"+string(r.Operator)) {
				t.Errorf("ID %q: not a unique fixture ID naming its operator %s", r.ID, r.Operator)
			}
			ids[r.ID] = true
		}
	}
	for _, id := range []string{"gen-gci-drop-callid", "gen-dc-nil-callid", "gen-pop-reorder", "gen-ews-gpci-nil-phonecallid",
		"gen-ews-dpc-empty-phonecallid-attr-id", "gen-ews-gpci-outside-enumeration-header-requestserverversion-attr-version"} {
		if !ids[id] {
			t.Errorf("no request %s", id)
		}
	}
	var other []string
	for _, api := range []API{UM, EWS} {
		for _, r := range generateAll(t, api, 99) {
			other = append(other, r.ID)
		}
	}
	if len(other) != len(ids) || slices.ContainsFunc(other, func(id string) bool { return !ids[id] }) {
		t.Errorf("seed 99 generates other IDs than the default seed")
	}
}

// TestSeedVariesValuesOnly: the same seed writes the same bytes; another writes other
// values into some requests, and the same operator at the same path.
func TestSeedVariesValuesOnly(t *testing.T) {
	for _, api := range []API{UM, EWS} {
		a, b, c := generateAll(t, api, DefaultSeed), generateAll(t, api, DefaultSeed), generateAll(t, api, 7)
		changed := 0
		for i := range a {
			if !bytes.Equal(a[i].Body, b[i].Body) {
				t.Errorf("%s: two generations with one seed differ", a[i].ID)
			}
			if a[i].ID != c[i].ID || a[i].Operator != c[i].Operator || a[i].Path != c[i].Path {
				t.Errorf("%s: seed 7 made %s at %s instead", a[i].ID, c[i].Operator, c[i].Path)
			}
			if !bytes.Equal(a[i].Body, c[i].Body) {
				changed++
			}
		}
		if changed == 0 {
			t.Errorf("%s: seed 7 changed no request", api)
		}
	}
	if UnknownID(UM, 1) == UnknownID(UM, 2) || UnknownID(UM, 1) != UnknownID(UM, 1) {
		t.Error("UnknownID does not follow its seed")
	}
}

// TestValidRequestsAreValidAndMutationsBreakWhatTheySay: the instance each operation starts
// from is valid under its API's schema, so every refusal is the operator's doing; the
// structural operators always break the schema, and libxml2 places the break where the
// operator struck.
func TestValidRequestsAreValidAndMutationsBreakWhatTheySay(t *testing.T) {
	for _, op := range Operations {
		set, err := schemaSetFor(op.API)
		if err != nil {
			t.Fatal(err)
		}
		d, err := set.element(xml.Name{Space: messagesNamespace, Local: op.Name})
		if err != nil {
			t.Fatal(err)
		}
		valid := request{op: instantiate(d, valuesFor(op.API, testValues))}
		if op.API == EWS {
			hd, _ := set.element(xml.Name{Space: typesNamespace, Local: "RequestServerVersion"})
			valid.header = instantiate(hd, valuesFor(op.API, testValues))
		}
		v, _ := validatorFor(op.API)
		if res := v.ValidateAs(render(op.API, valid), schema.KindRequest); !res.Valid() {
			t.Errorf("%s %s: the valid request is invalid: %v\n%s", op.API, op.Name, res.Violations, render(op.API, valid))
		}
	}
	structural := []Operator{Drop, Repeat, UnknownElement, UnknownAttribute, WrongType, Nil, ForeignNamespace, Reorder, OutsideEnum}
	for _, api := range []API{UM, EWS} {
		for _, r := range generateAll(t, api, DefaultSeed) {
			if slices.Contains(structural, r.Operator) && r.SchemaValid {
				t.Errorf("%s: %s left the request valid:\n%s", r.ID, r.Operator, r.Body)
			}
		}
	}
}

// TestPlayOnPhoneNeverDialsAnotherNumber: in every PlayOnPhone request, whatever the seed,
// every DialString (whatever its namespace or nesting) holds the run's number or nothing.
func TestPlayOnPhoneNeverDialsAnotherNumber(t *testing.T) {
	for _, api := range []API{UM, EWS} {
		for _, seed := range []int64{DefaultSeed, 1, 2, 3, 12345} {
			for _, r := range generateAll(t, api, seed) {
				if r.Operation != "PlayOnPhone" {
					continue
				}
				for _, text := range dialTexts(t, r.Body) {
					if text != "" && text != testValues.DialString {
						t.Errorf("%s (seed %d): a DialString holds %q, not the run's %s", r.ID, seed, text, testValues.DialString)
					}
				}
			}
		}
	}
}

// dialTexts returns the text of every element inside or named DialString.
func dialTexts(t *testing.T, body []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	var out []string
	depth := 0 // inside a DialString
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local == "DialString" || depth > 0 {
				if depth == 0 {
					b.Reset()
				}
				depth++
			}
		case xml.EndElement:
			if depth > 0 {
				depth--
				if depth == 0 {
					out = append(out, strings.TrimSpace(b.String()))
				}
			}
		case xml.CharData:
			if depth > 0 {
				b.Write(x)
			}
		}
	}
	return out
}
