package schema

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// checkChars refuses a document that holds a character XML 1.0 §2.2 excludes from Char
// (U+0000, the C0 controls other than tab, LF and CR, a surrogate, U+FFFE, U+FFFF), bytes
// that are not UTF-8 or UTF-16, or an encoding this package does not read. It runs before
// libxml2 parses because libxml2 takes a NUL for the end of its input: a response that
// went on after `</soap:Envelope>\x00` was judged on its first part alone, and a NUL inside
// an attribute value was not reported at all.
//
// The document is read as UTF-8 unless its first bytes say UTF-16 (a byte-order mark, or
// "<?" in 16-bit form), as XML 1.0 appendix F describes. Those are the two encodings every
// XML processor reads (XML 1.0 §4.3.3) and the two a SOAP message may use (WS-I Simple SOAP
// Binding Profile 1.0, R1012); a document in any other, or whose declaration names another than
// its bytes are in, is refused rather than checked with the wrong rules.
//
// The violation has the line (counted at LF, as libxml2 counts) and the column (1-based, in
// characters) of the offending character; nil means the characters are fine.
func checkChars(doc []byte) *Violation {
	if len(doc) < 2 || doc[0] != '<' || doc[1] == 0 { // not the usual "<?xml" or "<soap:"
		switch {
		case bytes.HasPrefix(doc, []byte{0, 0, 0xFE, 0xFF}), bytes.HasPrefix(doc, []byte{0, 0, 0, '<'}), bytes.HasPrefix(doc, []byte{'<', 0, 0, 0}):
			return encodingViolation("the document is in UCS-4 (UTF-32)")
		case bytes.HasPrefix(doc, []byte{0x4C, 0x6F, 0xA7, 0x94}):
			return encodingViolation("the document is in EBCDIC")
		case bytes.HasPrefix(doc, []byte{0xFF, 0xFE}):
			return checkUTF16(doc, 2, binary.LittleEndian, "utf-16le")
		case bytes.HasPrefix(doc, []byte{0xFE, 0xFF}):
			return checkUTF16(doc, 2, binary.BigEndian, "utf-16be")
		case bytes.HasPrefix(doc, []byte{'<', 0, '?', 0}):
			return checkUTF16(doc, 0, binary.LittleEndian, "utf-16le")
		case bytes.HasPrefix(doc, []byte{0, '<', 0, '?'}):
			return checkUTF16(doc, 0, binary.BigEndian, "utf-16be")
		}
	}
	start := 0
	if bytes.HasPrefix(doc, []byte{0xEF, 0xBB, 0xBF}) {
		start = 3
	}
	switch enc := declaredEncoding(doc[start:]); {
	case enc == nil || bytes.EqualFold(enc, []byte("utf-8")) || bytes.EqualFold(enc, []byte("utf8")):
	case len(enc) >= 6 && bytes.EqualFold(enc[:6], []byte("utf-16")):
		// XML 1.0 §4.3.3: a fatal error. .NET writes this when it serialises to a string.
		return encodingViolation(fmt.Sprintf("the document declares encoding %q, but its bytes are not UTF-16 (no byte-order mark, no \"<?\" in 16-bit form)", enc))
	default:
		return encodingViolation(fmt.Sprintf("the document declares encoding %q", enc))
	}
	off, size := scanUTF8(doc[start:])
	if off < 0 {
		return nil
	}
	off += start
	line, col := positionUTF8(doc[start:off])
	return charViolation(line, col, describeUTF8(doc[off:off+size]))
}

// scanUTF8 returns the offset and length of the first character of doc that is not an XML
// Char or not UTF-8, or -1. Documents are nearly all ASCII markup, so it tests sixteen bytes
// at a time for one below 0x20 or above 0x7F and looks closer only at such a byte: tab, LF
// and CR land there once a line, non-ASCII text once a character. With the encoding checks
// it costs 1-2% of Validate on the sample response (BenchmarkCheckChars, BenchmarkValidate).
func scanUTF8(doc []byte) (off, size int) {
	// In (w-low)|w the top bit of a byte is set when the byte is below 0x20 (the subtraction
	// wraps) or above 0x7F. A wrapped byte borrows from the byte above it, which may then be
	// flagged wrongly; the lowest flagged byte, the one the loop needs, is always right.
	const (
		low  = 0x2020202020202020
		high = 0x8080808080808080
	)
	p := doc[:len(doc):len(doc)] // cap = len spares p = p[n:] a second length to update
	for len(p) > 0 {
		for len(p) >= 16 {
			w1, w2 := binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:])
			if ((w1-low)|w1|(w2-low)|w2)&high != 0 {
				break
			}
			p = p[16:]
		}
		for len(p) >= 8 {
			w := binary.LittleEndian.Uint64(p)
			if m := ((w - low) | w) & high; m != 0 {
				p = p[bits.TrailingZeros64(m)/8:] // the first byte that needs a look
				break
			}
			p = p[8:]
		}
		if len(p) == 0 {
			break
		}
		switch c := p[0]; {
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(p)
			// DecodeRune refuses surrogates (ED A0 80 ...) and overlong forms (C0 80) as
			// RuneError of length 1; a real U+FFFD is three bytes long.
			if (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF {
				return len(doc) - len(p), utf8SeqLen(p)
			}
			p = p[n:]
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return len(doc) - len(p), 1
		default:
			p = p[1:]
		}
	}
	return -1, 0
}

// utf8SeqLen is how many bytes of b to show for a bad sequence: its lead byte and the
// continuation bytes that follow it, at most four.
func utf8SeqLen(b []byte) int {
	n := 1
	for n < len(b) && n < 4 && b[n]&0xC0 == 0x80 {
		n++
	}
	return n
}

// positionUTF8 is the line and column just after prefix: lines counted at LF, the column
// in characters, both 1-based.
func positionUTF8(prefix []byte) (line, col int) {
	last := bytes.LastIndexByte(prefix, '\n')
	return 1 + bytes.Count(prefix, []byte{'\n'}), 1 + utf8.RuneCount(prefix[last+1:])
}

func describeUTF8(seq []byte) string {
	r, n := utf8.DecodeRune(seq)
	if r != utf8.RuneError || n != 1 {
		return describeRune(r)
	}
	hex := fmt.Sprintf("% X", seq)
	// ED A0..BF xx is how CESU-8 and careless encoders write a UTF-16 surrogate.
	if len(seq) == 3 && seq[0] == 0xED && seq[1] >= 0xA0 {
		s := rune(seq[0]&0x0F)<<12 | rune(seq[1]&0x3F)<<6 | rune(seq[2]&0x3F)
		return fmt.Sprintf("bytes %s encode the surrogate U+%04X, which is not a character: XML 1.0 §2.2 excludes it and UTF-8 cannot carry it", hex, s)
	}
	if len(seq) == 1 {
		return fmt.Sprintf("byte %s is not UTF-8 (the document declares no other encoding)", hex)
	}
	return fmt.Sprintf("bytes %s are not UTF-8 (the document declares no other encoding)", hex)
}

// checkUTF16 checks a document in UTF-16 whose text starts at offset start (after the
// byte-order mark, if any).
func checkUTF16(doc []byte, start int, order binary.ByteOrder, name string) *Violation {
	if enc := declaredEncoding(asciiOfUTF16(doc[start:], order)); enc != nil && !bytes.EqualFold(enc, []byte("utf-16")) && !bytes.EqualFold(enc, []byte(name)) {
		return encodingViolation(fmt.Sprintf("the document is in UTF-16 but declares encoding %q", enc))
	}
	line, col := 1, 1
	for i := start; i < len(doc); i += 2 {
		if i+1 == len(doc) {
			return charViolation(line, col, "the document ends in the middle of a UTF-16 code unit (an odd number of bytes)")
		}
		u := order.Uint16(doc[i:])
		switch {
		case u < 0x20 && u != '\t' && u != '\n' && u != '\r', u == 0xFFFE, u == 0xFFFF:
			return charViolation(line, col, describeRune(rune(u)))
		case u >= 0xD800 && u < 0xDC00: // a high surrogate needs a low one after it
			if i+3 >= len(doc) || order.Uint16(doc[i+2:])&0xFC00 != 0xDC00 {
				return charViolation(line, col, fmt.Sprintf("the surrogate U+%04X stands alone: UTF-16 pairs it with a low surrogate, and alone it is no character (XML 1.0 §2.2)", u))
			}
			i += 2
		case u >= 0xDC00 && u < 0xE000:
			return charViolation(line, col, fmt.Sprintf("the surrogate U+%04X stands alone: UTF-16 pairs it after a high surrogate, and alone it is no character (XML 1.0 §2.2)", u))
		case u == '\n':
			line, col = line+1, 0
		}
		col++
	}
	return nil
}

// asciiOfUTF16 renders the start of a UTF-16 document as bytes, enough to read its XML
// declaration; characters outside ASCII become 0xFF.
func asciiOfUTF16(doc []byte, order binary.ByteOrder) []byte {
	var out []byte
	for i := 0; i+1 < len(doc) && len(out) < 256; i += 2 {
		u := order.Uint16(doc[i:])
		if u >= utf8.RuneSelf {
			u = 0xFF
		}
		out = append(out, byte(u))
		if u == '>' {
			break
		}
	}
	return out
}

// declaredEncoding returns the encoding named in doc's XML declaration, or nil when there
// is none or it cannot be read (libxml2 then reports the broken declaration).
func declaredEncoding(doc []byte) []byte {
	if len(doc) < 6 || !bytes.HasPrefix(doc, []byte("<?xml")) || !isSpace(doc[5]) {
		return nil
	}
	decl := doc[:min(len(doc), 256)]
	if end := bytes.IndexByte(decl, '>'); end >= 0 {
		decl = decl[:end]
	}
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return nil
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return nil
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	if end < 0 {
		return nil
	}
	return rest[1 : 1+end]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func describeRune(r rune) string {
	return fmt.Sprintf("character U+%04X is not allowed in XML (XML 1.0 §2.2 Char)", r)
}

func charViolation(line, col int, what string) *Violation {
	return &Violation{Line: line, Column: col, Message: fmt.Sprintf("not well-formed XML: line %d, column %d: %s", line, col, what)}
}

func encodingViolation(what string) *Violation {
	return &Violation{Line: 1, Column: 1, Message: "not well-formed XML: " + what +
		"; this validator reads UTF-8 and UTF-16, the encodings a SOAP message may use (WS-I Simple SOAP Binding Profile 1.0 R1012) and every XML processor must read (XML 1.0 §4.3.3)"}
}
