package schema_test

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/umconform/umconform/schema"
)

// envelopeOnly is base without its final newline, so that what follows the root element
// sits on the root's line (11).
var envelopeOnly = strings.TrimSuffix(base, "\n")

// TestForbiddenCharactersAreNotWellFormed: XML 1.0 §2.2 admits no U+0000, no C0 control
// but tab, LF and CR, no surrogate and neither U+FFFE nor U+FFFF, anywhere in a document.
// libxml2 stops reading at a NUL, so a NUL after the root (or inside an attribute value)
// used to pass unnoticed; each case must be refused as not well-formed, at the line and
// column (in characters) of the offending character.
func TestForbiddenCharactersAreNotWellFormed(t *testing.T) {
	v := load(t)
	cases := []struct {
		name      string
		doc       string
		line, col int
		msg       string
	}{
		{"NUL before the root", "\x00" + base, 1, 1, "character U+0000 is not allowed"},
		{"NUL between the declaration and the root", replace(t, base, "?>\n", "?>\n\x00"), 2, 1, "U+0000"},
		{"NUL in text", replace(t, base, ">Connected<", ">Conn\x00ected<"), 6, 24, "U+0000"},
		{"NUL in an attribute value", replace(t, base, `envelope/">`, `envelope/" xmlns:x="urn:x`+"\x00"+`y">`), 2, 85, "U+0000"},
		{"NUL in a namespace name", replace(t, base, `envelope/">`, "envelope/\x00\">"), 2, 69, "U+0000"},
		{"NUL in a tag", replace(t, base, "<soap:Body>", "<soap:Body\x00>"), 3, 13, "U+0000"},
		{"NUL in a comment", replace(t, base, "<soap:Body>", "<soap:Body><!-- \x00 -->"), 3, 19, "U+0000"},
		{"NUL after the root", envelopeOnly + "\x00ok", 11, 17, "U+0000"},
		{"NUL and an element after the root", envelopeOnly + "\x00<x/>", 11, 17, "U+0000"},
		{"NUL after a trailing comment", envelopeOnly + "<!-- c -->\x00ok", 11, 27, "U+0000"},
		{"NUL on a line of its own after the root", base + "\x00", 12, 1, "U+0000"},
		{"U+0001", replace(t, base, ">None<", ">None\x01<"), 7, 25, "character U+0001 is not allowed"},
		{"U+0008 (backspace)", replace(t, base, ">None<", ">\x08None<"), 7, 21, "U+0008"},
		{"U+000B (vertical tab)", replace(t, base, "<soap:Body>", "<soap:Body>\x0b"), 3, 14, "U+000B"},
		{"U+000C (form feed) between elements", replace(t, base, "  <soap:Body>", "\x0c<soap:Body>"), 3, 1, "U+000C"},
		{"U+001F", envelopeOnly + "<!-- \x1f -->", 11, 22, "U+001F"},
		{"U+FFFE in text", replace(t, base, ">None<", ">None\uFFFE<"), 7, 25, "character U+FFFE is not allowed"},
		{"U+FFFF in text", replace(t, base, ">None<", ">None\uFFFF<"), 7, 25, "U+FFFF"},
		{"U+FFFE after the root", envelopeOnly + "<!-- \uFFFE -->", 11, 22, "U+FFFE"},
		{"encoded high surrogate", replace(t, base, ">None<", ">None\xed\xa0\x80<"), 7, 25, "bytes ED A0 80 encode the surrogate U+D800"},
		{"encoded low surrogate after the root", envelopeOnly + "<!-- \xed\xbf\xbf -->", 11, 22, "surrogate U+DFFF"},
		{"overlong NUL (C0 80)", envelopeOnly + "<!-- \xc0\x80 -->", 11, 22, "bytes C0 80 are not UTF-8"},
		{"stray continuation byte", replace(t, base, ">None<", ">\x80None<"), 7, 21, "byte 80 is not UTF-8"},
		{"truncated sequence at the end", envelopeOnly + "\xe2\x82", 11, 17, "bytes E2 82 are not UTF-8"},
		{"column counts characters, not bytes", replace(t, base, ">None<", ">é€😀\x00<"), 7, 24, "U+0000"},
		{"after a byte-order mark", "\ufeff\x00" + base, 1, 1, "U+0000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.Validate([]byte(c.doc))
			if r.Valid() {
				t.Fatalf("accepted; want a violation at line %d, column %d", c.line, c.col)
			}
			checkCharViolation(t, r, c.line, c.col, c.msg)
		})
	}
}

func checkCharViolation(t *testing.T, r schema.Result, line, col int, msg string) {
	t.Helper()
	if len(r.Violations) != 1 {
		t.Fatalf("want one violation, got %v", r.Violations)
	}
	got := r.Violations[0]
	if got.Line != line || got.Column != col || !strings.HasPrefix(got.Message, "not well-formed XML: ") ||
		!strings.Contains(got.Message, msg) || !strings.Contains(got.Message, "column") {
		t.Errorf("got line %d, column %d: %q\nwant line %d, column %d, a well-formedness message containing %q", got.Line, got.Column, got.Message, line, col, msg)
	}
}

// TestAllowedCharactersStillPass: every other character of Char is legal, wherever the
// schema allows text, in UTF-8 and in UTF-16.
func TestAllowedCharactersStillPass(t *testing.T) {
	v := load(t)
	text := "Le numéro composé n'est pas valide — 電話番号 😀 \U0010FFFD \uE000\uF8FF\uFFFD \uFEFF \u007F\u0085\u009F \uD7FF tab\tCR\rLF\n end"
	doc := replace(t, faultDoc, "The call identifier isn't valid.", text)
	doc = replace(t, doc, "<soap:Body>", "<soap:Body><!-- \U0001F600 \uFFFD -->")
	cases := map[string][]byte{
		"UTF-8":                   []byte(doc),
		"UTF-8 with BOM":          []byte("\ufeff" + doc),
		"UTF-8 declared UTF8":     []byte(replace(t, doc, `encoding="utf-8"`, `encoding="UTF8"`)),
		"no encoding declaration": []byte(replace(t, doc, ` encoding="utf-8"`, "")),
		"UTF-16LE with BOM":       encodeUTF16(replace(t, doc, "utf-8", "utf-16"), binary.LittleEndian, true),
		"UTF-16BE with BOM":       encodeUTF16(replace(t, doc, "utf-8", "utf-16"), binary.BigEndian, true),
		"UTF-16LE without BOM":    encodeUTF16(replace(t, doc, "utf-8", "UTF-16LE"), binary.LittleEndian, false),
		"UTF-16BE without BOM":    encodeUTF16(replace(t, doc, "utf-8", "utf-16"), binary.BigEndian, false),
		"CRLF and tabs":           []byte(strings.NewReplacer("\n", "\r\n", "  ", "\t").Replace(base)),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			r := v.Validate(raw)
			if !r.Valid() {
				t.Fatalf("rejected: %v", r.Violations)
			}
			if got, _ := r.Value("faultstring"); name != "CRLF and tabs" && got != strings.ReplaceAll(text, "\r", "\n") {
				t.Errorf("faultstring = %q, want %q", got, text)
			}
		})
	}
}

// TestForbiddenCharactersInUTF16: in UTF-16 every character has zero bytes, so the check
// reads code units, not bytes; a NUL character is caught, the encoding's zero bytes are not.
func TestForbiddenCharactersInUTF16(t *testing.T) {
	v := load(t)
	doc := replace(t, envelopeOnly, "utf-8", "utf-16")
	cases := []struct {
		name      string
		doc       string
		extra     []byte // raw code units appended after the encoded document
		line, col int
		msg       string
	}{
		{"NUL after the root", doc + "<!-- c -->\x00ok", nil, 11, 27, "character U+0000 is not allowed"},
		{"NUL in text", replace(t, doc, ">None<", ">No\x00ne<"), nil, 7, 23, "U+0000"},
		{"column counts a surrogate pair once", replace(t, doc, ">None<", ">😀é\x01<"), nil, 7, 23, "U+0001"},
		{"U+FFFE", replace(t, doc, ">None<", ">None\uFFFE<"), nil, 7, 25, "U+FFFE"},
		{"U+FFFF after the root", doc + "\uFFFF", nil, 11, 17, "U+FFFF"},
		{"lone high surrogate after the root", doc, []byte{0x00, 0xD8, 'x', 0}, 11, 17, "the surrogate U+D800 stands alone"},
		{"lone high surrogate at the end", doc, []byte{0x3D, 0xD8}, 11, 17, "the surrogate U+D83D stands alone"},
		{"lone low surrogate", doc, []byte{0x00, 0xDC}, 11, 17, "the surrogate U+DC00 stands alone"},
		{"odd number of bytes", doc, []byte{'x'}, 11, 17, "odd number of bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			le := append(encodeUTF16(c.doc, binary.LittleEndian, true), c.extra...)
			r := v.Validate(le)
			if r.Valid() {
				t.Fatal("accepted")
			}
			checkCharViolation(t, r, c.line, c.col, c.msg)
			if c.extra == nil { // the same document big-endian
				checkCharViolation(t, v.Validate(encodeUTF16(c.doc, binary.BigEndian, true)), c.line, c.col, c.msg)
			}
		})
	}
}

// TestOtherEncodingsAreRefused: a document in another encoding than UTF-8 or UTF-16, or
// whose declaration names another encoding than its bytes are in, is refused as a whole:
// checking its characters with the rules of UTF-8 would be wrong.
func TestOtherEncodingsAreRefused(t *testing.T) {
	v := load(t)
	cases := map[string][]byte{
		"ISO-8859-1":                    []byte(replace(t, base, "utf-8", "ISO-8859-1")),
		"ISO-8859-1 with a NUL after":   []byte(replace(t, envelopeOnly, "utf-8", "ISO-8859-1") + "\x00ok"),
		"windows-1252 in single quotes": []byte(replace(t, base, `encoding="utf-8"`, `encoding='windows-1252'`)),
		"UTF-16 declared on 8-bit":      []byte(replace(t, base, "utf-8", "utf-16")),
		"UTF-16BE declared in UTF-16LE": encodeUTF16(replace(t, base, "utf-8", "UTF-16BE"), binary.LittleEndian, true),
		"UCS-4":                         append([]byte{0, 0, 0, '<'}, "rest"...),
		"EBCDIC":                        {0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40},
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			r := v.Validate(raw)
			if r.Valid() || len(r.Violations) != 1 {
				t.Fatalf("want one violation, got %v", r.Violations)
			}
			if m := r.Violations[0].Message; !strings.HasPrefix(m, "not well-formed XML: ") || !strings.Contains(m, "reads UTF-8 and UTF-16") {
				t.Errorf("got %q", m)
			}
		})
	}
}

func encodeUTF16(s string, order binary.AppendByteOrder, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}
