package schema_test

import (
	"os"
	"testing"

	"github.com/umconform/umconform/schema"
)

// BenchmarkValidateAuto measures validation that tells the API from each message
// (umconform validate's default) against a validator of one API, on a UM and an EWS
// document: the message is parsed once either way, so the cost should stay that of one
// schema's validation.
func BenchmarkValidateAuto(b *testing.B) {
	um, err := os.ReadFile("testdata/getcallinfo-response.xml")
	if err != nil {
		b.Fatal(err)
	}
	ews, err := os.ReadFile("testdata/ews/getphonecallinformation-response.xml")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		api  schema.API
		doc  []byte
	}{{"um/fixed", schema.UM, um}, {"um/auto", schema.Auto, um}, {"ews/fixed", schema.EWS, ews}, {"ews/auto", schema.Auto, ews}} {
		b.Run(c.name, func(b *testing.B) {
			v := load(b, schema.For(c.api))
			b.SetBytes(int64(len(c.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if r := v.Validate(c.doc); !r.Valid() {
					b.Fatal(r.Violations)
				}
			}
		})
	}
}
