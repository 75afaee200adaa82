package reports

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// writeJUnitXML writes root as encoding/xml's Encoder with two-space indentation writes
// it, byte for byte, without reflection (7 000 testcases took 0.07-0.11 s that way).
// TestJUnitWriterMatchesEncodingXML holds the two equal: a field added to the junit types
// must be added here too, and that test says so.
func writeJUnitXML(w io.Writer, root junitSuites) error {
	b := make([]byte, 0, 64<<10) // written out whenever it holds 32 KiB
	b = append(b, `<testsuites`...)
	b = xmlAttr(b, "name", root.Name)
	b = xmlIntAttr(b, "tests", root.Tests)
	b = xmlIntAttr(b, "failures", root.Failures)
	b = xmlIntAttr(b, "errors", root.Errors)
	b = xmlAttr(b, "time", root.Time)
	b = append(b, '>')
	for _, s := range root.Suites {
		b = appendJUnitSuiteStart(b, s)
		for _, c := range s.Cases {
			b = appendJUnitCase(b, c)
			if len(b) >= 32<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		b = appendJUnitSuiteEnd(b)
	}
	if len(root.Suites) > 0 {
		b = xmlLine(b, 0)
	}
	b = append(b, `</testsuites>`...)
	_, err := w.Write(b)
	return err
}

// appendJUnitSuiteStart writes a testsuite's start tag and properties; its cases follow
// (appendJUnitCase), then appendJUnitSuiteEnd. A streamed run (WriteSpooled) writes its
// suites with the same three.
func appendJUnitSuiteStart(b []byte, s junitSuite) []byte {
	b = xmlLine(b, 1)
	b = append(b, `<testsuite`...)
	b = xmlAttr(b, "name", s.Name)
	b = xmlCounts(b, s.Tests, s.Failures, s.Errors, s.Skipped)
	b = xmlAttr(b, "time", s.Time)
	b = xmlAttr(b, "timestamp", s.Timestamp)
	b = append(b, '>')
	return xmlProperties(b, 2, s.Properties)
}

func appendJUnitSuiteEnd(b []byte) []byte {
	b = xmlLine(b, 1)
	return append(b, `</testsuite>`...)
}

func appendJUnitCase(b []byte, c junitCase) []byte {
	b = xmlLine(b, 2)
	b = append(b, `<testcase`...)
	b = xmlAttr(b, "name", c.Name)
	b = xmlAttr(b, "classname", c.Classname)
	b = xmlAttr(b, "time", c.Time)
	b = append(b, '>')
	b = xmlProblem(b, "skipped", c.Skipped)
	b = xmlProblem(b, "failure", c.Failure)
	b = xmlProblem(b, "error", c.Error)
	if c.SystemOut != "" {
		b = xmlLine(b, 3)
		b = append(b, `<system-out>`...)
		b = xmlEscape(b, c.SystemOut)
		b = append(b, `</system-out>`...)
	}
	if c.Failure != nil || c.Error != nil || c.SystemOut != "" {
		b = xmlLine(b, 2) // encoding/xml ends an element on its own line only after a child
	}
	return append(b, `</testcase>`...)
}

// xmlProperties writes the properties element, present even when empty as encoding/xml
// writes a parent>child path.
func xmlProperties(b []byte, depth int, props []junitProperty) []byte {
	b = xmlLine(b, depth)
	if len(props) == 0 {
		return append(b, `<properties></properties>`...)
	}
	b = append(b, `<properties>`...)
	for _, p := range props {
		b = xmlLine(b, depth+1)
		b = append(b, `<property`...)
		b = xmlAttr(b, "name", p.Name)
		b = xmlAttr(b, "value", p.Value)
		b = append(b, `></property>`...)
	}
	b = xmlLine(b, depth)
	return append(b, `</properties>`...)
}

func xmlProblem(b []byte, tag string, p *junitProblem) []byte {
	if p == nil {
		return b
	}
	b = xmlLine(b, 3)
	b = append(b, '<')
	b = append(b, tag...)
	b = xmlAttr(b, "message", p.Message)
	b = xmlAttr(b, "type", p.Type)
	b = append(b, '>')
	b = xmlEscape(b, p.Text)
	b = append(b, "</"...)
	b = append(b, tag...)
	return append(b, '>')
}

func xmlLine(b []byte, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, "  "...)
	}
	return b
}

func xmlAttr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = xmlEscape(b, value)
	return append(b, '"')
}

// xmlCounts writes the tests, failures, errors and skipped attributes of a suite.
func xmlCounts(b []byte, tests, failures, errors, skipped int) []byte {
	b = xmlIntAttr(b, "tests", tests)
	b = xmlIntAttr(b, "failures", failures)
	b = xmlIntAttr(b, "errors", errors)
	return xmlIntAttr(b, "skipped", skipped)
}

func xmlIntAttr(b []byte, name string, n int) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '"')
}

// xmlEscape escapes s as encoding/xml does in attributes and text: the five markup
// characters, tab, newline and carriage return as character references, and what XML
// cannot hold (control characters, invalid UTF-8) as U+FFFD.
func xmlEscape(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		// Most of a report is plain ASCII: skip it a byte at a time, without decoding runes.
		if xmlPlain[s[i]] {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

// xmlPlain holds the bytes xmlEscape copies as they are: printable ASCII but for the
// five markup characters.
var xmlPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"'&<>`, rune(c))
	}
	return t
}()

// xmlChar reports whether r may appear in an XML 1.0 document (the Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
