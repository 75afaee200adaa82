// Package termsafe escapes the control characters of text bound for a terminal or a log.
//
// A target's bytes reach the console (a response excerpt, a violation quoting a value,
// a header in a log line). A terminal acts on the control sequences among them: ESC[31m
// colours the rest of the output, ESC]0;…BEL sets the window's title, ESC]52 writes the
// clipboard, CR overwrites what was printed. CI logs that render ANSI do the same. Every
// such byte is written as a Go escape (\x1b, \r, \u009b) instead, so a person reads what
// was sent and the terminal acts on none of it.
package termsafe

import (
	"io"
	"unicode/utf8"
)

// Escape returns s with every control character (C0 but tab and newline, DEL, C1) and
// every byte that is not UTF-8 written as a Go escape. Text without any is returned as is.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+16), s, i))
}

// firstUnsafe is the index of the first byte Escape would change, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r >= 0x80 && r <= 0x9f {
			return i
		}
		i += size
	}
	return -1
}

// appendEscaped appends s to b, escaping from index from on (s[:from] is safe).
func appendEscaped(b []byte, s string, from int) []byte {
	b = append(b, s[:from]...)
	for i := from; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r':
				b = append(b, `\r`...)
			case c < 0x20 && c != '\n' && c != '\t' || c == 0x7f:
				b = append(b, `\x`...)
				b = append(b, hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\x`...)
			b = append(b, hex[c>>4], hex[c&0xf])
		case r >= 0x80 && r <= 0x9f: // C1: 0x9b is CSI to a terminal as ESC[ is
			b = append(b, `\u00`...)
			b = append(b, hex[r>>4], hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

const hex = "0123456789abcdef"

// Writer escapes what it writes to w as Escape does. Each Write is escaped on its own: a
// rune split across two writes is escaped byte by byte, which loses no byte.
type Writer struct{ w io.Writer }

// NewWriter returns a Writer onto w; a Writer already is one and is returned as it is.
func NewWriter(w io.Writer) io.Writer {
	if _, ok := w.(Writer); ok {
		return w
	}
	return Writer{w}
}

// Unwrap returns the writer underneath: for a caller that writes terminal controls of its
// own (the run's status line) and escapes every other byte itself.
func (t Writer) Unwrap() io.Writer { return t.w }

// Write writes p escaped, and reports p's length written when all of it was.
func (t Writer) Write(p []byte) (int, error) {
	s := string(p)
	i := firstUnsafe(s)
	if i < 0 {
		return t.w.Write(p)
	}
	if _, err := t.w.Write(appendEscaped(make([]byte, 0, len(p)+16), s, i)); err != nil {
		return 0, err
	}
	return len(p), nil
}
