package schema

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// naiveScan is the definition scanUTF8 implements, one rune at a time.
func naiveScan(doc []byte) int {
	for i := 0; i < len(doc); {
		r, n := utf8.DecodeRune(doc[i:])
		bad := (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF ||
			(r < 0x20 && r != '\t' && r != '\n' && r != '\r')
		if bad {
			return i
		}
		i += n
	}
	return -1
}

// TestScanUTF8MatchesTheDefinition: the eight-bytes-at-a-time scan finds the same first
// offending offset as a rune-by-rune scan, wherever the offender sits in a word.
func TestScanUTF8MatchesTheDefinition(t *testing.T) {
	alphabet := []string{"a", "<", " ", "\t", "\n", "\r", "\x00", "\x01", "\x1f", "\x7f", "é", "€", "😀", "\uFFFD", "\uFFFE", "\uFFFF",
		"\xed\xa0\x80", "\xed\x9f\xbf", "\xc0\x80", "\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\xef\xbf\xbd"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		// Mostly clean ASCII runs, so that the fast path is taken and left at every offset.
		for range rng.IntN(12) {
			b.WriteString(strings.Repeat("x", rng.IntN(20)))
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		doc := []byte(b.String())
		if got, want := first(scanUTF8(doc)), naiveScan(doc); got != want {
			t.Fatalf("%q: scanUTF8 found %d, the definition %d", doc, got, want)
		}
	}
}

func first(off, _ int) int { return off }

func FuzzScanUTF8(f *testing.F) {
	for _, s := range []string{"", "<a/>", "<a>\x00</a>", "xxxxxxx\x01", "\xed\xa0\x80", "\uFFFE", "é😀"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if got, want := first(scanUTF8(doc)), naiveScan(doc); got != want {
			t.Fatalf("%q: scanUTF8 found %d, the definition %d", doc, got, want)
		}
		checkChars(doc) // never panics, whatever the bytes
	})
}

// BenchmarkCheckChars is what the character check adds to every Validate: compare with
// BenchmarkValidate (the whole parse and validation of the same document).
func BenchmarkCheckChars(b *testing.B) {
	doc, err := os.ReadFile("testdata/getcallinfo-response.xml")
	if err != nil {
		b.Fatal(err)
	}
	big := []byte(strings.Repeat(string(doc), 1<<16/len(doc)))
	for name, d := range map[string][]byte{"response": doc, "64KiB": big} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(d)))
			for b.Loop() {
				if v := checkChars(d); v != nil {
					b.Fatal(v)
				}
			}
		})
	}
}
