package schema_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/lestrrat-go/libxml2/parser"
	"github.com/lestrrat-go/libxml2/xsd"
	"github.com/umconform/umconform/schema"
)

// BenchmarkValidate is the harness's cost per response: parse, validate with locations,
// read the Body's fields, free.
func BenchmarkValidate(b *testing.B) {
	v := load(b)
	doc := []byte(base)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if r := v.Validate(doc); !r.Valid() {
			b.Fatal(r.Violations)
		}
	}
}

func BenchmarkValidateParallel(b *testing.B) {
	v := load(b)
	doc := []byte(base)
	b.SetBytes(int64(len(doc)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := v.Validate(doc); !r.Valid() {
				b.Error(r.Violations)
				return
			}
		}
	})
}

// rawSchema compiles the embedded XSD with the binding alone, the floor Validate is
// measured against.
func rawSchema(b *testing.B) *xsd.Schema {
	load(b) // initialise libxml2 once on this goroutine
	dir := b.TempDir()
	if err := os.CopyFS(dir, schema.XSD()); err != nil {
		b.Fatal(err)
	}
	s, err := xsd.ParseFromFile(filepath.Join(dir, "umconform.xsd"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Free)
	return s
}

// BenchmarkRawBinding is the binding's own parse + validate + free of the same document.
func BenchmarkRawBinding(b *testing.B) {
	s := rawSchema(b)
	p := parser.New(parser.XMLParseNoNet, parser.XMLParseNoError, parser.XMLParseNoWarning)
	doc := []byte(base)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := p.Parse(doc)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Validate(d); err != nil {
			b.Fatal(err)
		}
		d.Free()
	}
}

func BenchmarkRawBindingParallel(b *testing.B) {
	s := rawSchema(b)
	p := parser.New(parser.XMLParseNoNet, parser.XMLParseNoError, parser.XMLParseNoWarning)
	doc := []byte(base)
	b.SetBytes(int64(len(doc)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d, err := p.Parse(doc)
			if err != nil {
				b.Error(err)
				return
			}
			if err := s.Validate(d); err != nil {
				b.Error(err)
			}
			d.Free()
		}
	})
}

// BenchmarkSoak validates 100 000 documents (valid and invalid alternately) per iteration
// and reports the growth of the resident set, which holds libxml2's C memory that the Go
// GC cannot see: a missing Free shows here as hundreds of MB.
func BenchmarkSoak(b *testing.B) {
	v := load(b)
	docs := [][]byte{[]byte(base), []byte(strings.Replace(base, ">Connected<", ">Ringing<", 1)), []byte(faultDoc)}
	for range 2000 { // warm up allocator pools before the first reading
		v.Validate(docs[0])
	}
	runtime.GC()
	before := rssKB(b)
	var peak int64
	for b.Loop() {
		for i := range 100_000 {
			v.Validate(docs[i%len(docs)])
			if i%10_000 == 0 {
				peak = max(peak, rssKB(b))
			}
		}
	}
	runtime.GC()
	after := rssKB(b)
	b.ReportMetric(float64(after-before)/1024, "MB-rss-growth")
	b.ReportMetric(float64(peak)/1024, "MB-rss-peak")
}

func rssKB(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatalf("the soak measures RSS from /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	b.Fatal("VmRSS not found")
	return 0
}
