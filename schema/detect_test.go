package schema_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

// TestAutoJudgesEachMessageAgainstItsAPI: with For(Auto), the documentation's EWS examples
// (all six: three requests, three responses) validate against the EWS schema and the UM
// samples against the UM one, with nobody naming the API. The UM-only validator refuses
// the EWS PlayOnPhone request (the defect this fixes: "ItemId: This element is not
// expected").
func TestAutoJudgesEachMessageAgainstItsAPI(t *testing.T) {
	auto := load(t, schema.For(schema.Auto))
	um := load(t)
	cases := map[string]schema.API{
		"ews/playonphone-request.xml":              schema.EWS,
		"ews/playonphone-response.xml":             schema.EWS,
		"ews/getphonecallinformation-request.xml":  schema.EWS,
		"ews/getphonecallinformation-response.xml": schema.EWS,
		"ews/disconnectphonecall-request.xml":      schema.EWS,
		"ews/disconnectphonecall-response.xml":     schema.EWS,
		"getcallinfo-request.xml":                  schema.UM,
		"getcallinfo-response.xml":                 schema.UM,
		"playonphone-request.xml":                  schema.UM,
	}
	for file, want := range cases {
		doc, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		r := auto.ValidateAs(doc, schema.KindAuto)
		if !r.Valid() || r.API != want {
			t.Errorf("%s: valid %v, judged as %q, want %q: %v", file, r.Valid(), r.API, want, r.Violations)
		}
	}
	doc, err := os.ReadFile("testdata/ews/playonphone-request.xml")
	if err != nil {
		t.Fatal(err)
	}
	if r := um.Validate(doc); r.Valid() || !strings.Contains(r.Violations[0].Message, "ItemId") {
		t.Errorf("the UM schema accepted the EWS PlayOnPhone: %v", r.Violations)
	}
}

// TestAutoStillFindsViolations: auto-detection picks the schema, it does not soften it. An
// EWS PlayOnPhone without its DialString and an EWS response with an unknown
// PhoneCallState are refused, against the EWS schema.
func TestAutoStillFindsViolations(t *testing.T) {
	auto := load(t, schema.For(schema.Auto))
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cut := func(b []byte, from, to string) []byte {
		i, j := bytes.Index(b, []byte(from)), bytes.Index(b, []byte(to))
		if i < 0 || j < i {
			t.Fatalf("cut %q..%q not found", from, to)
		}
		return append(bytes.Clone(b[:i]), b[j+len(to):]...)
	}
	cases := map[string]struct {
		doc  []byte
		api  schema.API
		want string
	}{
		"EWS PlayOnPhone without DialString": {cut(read("ews/playonphone-request.xml"), "<m:DialString>", "</m:DialString>"), schema.EWS, "DialString"},
		"EWS state outside the enumeration":  {bytes.Replace(read("ews/getphonecallinformation-response.xml"), []byte(">Connected<"), []byte(">Ringing<"), 1), schema.EWS, "Ringing"},
	}
	for name, c := range cases {
		r := auto.ValidateAs(c.doc, schema.KindAuto)
		if r.Valid() || r.API != c.api || !strings.Contains(r.Violations[0].Message, c.want) {
			t.Errorf("%s: valid %v, judged as %q: %v", name, r.Valid(), r.API, r.Violations)
		}
	}
}
