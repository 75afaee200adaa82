package reports

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// shownLine is one line of a response as the reports show it.
type shownLine struct {
	Text string
	Raw  int    // the line of the response as sent (1-based) it comes from
	Path string // node path of the element that starts on it, spelt as the schema package spells violation paths
}

// showResponse lays a response out for a person. A response with line breaks is shown as
// sent, line for line. A minified one (every element on one line, as many servers send
// them) is indented one element per line, so that a violation can be marked on the line
// of its element instead of on "line 1" for all of them; each element's bytes are shown as
// sent. Whatever does not parse as XML (an HTML error page, a cut-off excerpt) is shown as
// sent from there on. pretty tells which of the two it did.
func showResponse(resp string) (lines []shownLine, pretty bool) {
	if !minified(resp) {
		for i, l := range strings.Split(resp, "\n") {
			lines = append(lines, shownLine{Text: l, Raw: i + 1})
		}
		return lines, false
	}
	return indentXML(resp), true
}

// minified tells a response that puts several elements on one line: some line holds more
// than three start tags. An indented document holds at most two (<a><b>text</b></a>).
func minified(resp string) bool {
	for line := range strings.SplitSeq(resp, "\n") {
		n := 0
		for i := 0; i+1 < len(line); i++ {
			if c := line[i+1]; line[i] == '<' && (c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80) {
				if n++; n > 3 {
					return true
				}
			}
		}
	}
	return false
}

// rawToken is one token of a response with the bytes it was read from.
type rawToken struct {
	tok        xml.Token
	start, end int // byte offsets in the response
	elem       int // for a StartElement, its index in the element list
}

// indentXML lays resp out one element per line (see showResponse).
func indentXML(resp string) []shownLine {
	d := xml.NewDecoder(strings.NewReader(resp))
	// Shown as sent, whatever the declared encoding says: the bytes are not decoded.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	type element struct {
		name   string
		parent int // -1 for the root
	}
	var (
		toks  []rawToken
		elems []element
		stack []int
	)
	rest := 0 // where the part that did not parse starts
	for {
		start := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			if err != io.EOF {
				rest = start
			} else {
				rest = len(resp)
			}
			break
		}
		end := int(d.InputOffset())
		rt := rawToken{tok: xml.CopyToken(tok), start: start, end: end, elem: -1}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := -1
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			rt.elem = len(elems)
			elems = append(elems, element{name, parent})
			stack = append(stack, rt.elem)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
		toks = append(toks, rt)
	}

	// Paths as the schema package writes them: a 1-based index only among siblings of the
	// same name, when there are several.
	type sibKey struct {
		parent int
		name   string
	}
	count := map[sibKey]int{}
	for _, e := range elems {
		count[sibKey{e.parent, e.name}]++
	}
	seen := map[sibKey]int{}
	paths := make([]string, len(elems))
	for i, e := range elems {
		k := sibKey{e.parent, e.name}
		seen[k]++
		p := "/" + e.name
		if count[k] > 1 {
			p += "[" + strconv.Itoa(seen[k]) + "]"
		}
		if e.parent >= 0 {
			p = paths[e.parent] + p
		}
		paths[i] = p
	}

	var out []shownLine
	line, counted := 1, 0 // the raw line at offset counted
	rawLine := func(offset int) int {
		line += strings.Count(resp[counted:offset], "\n")
		counted = offset
		return line
	}
	depth := 0
	emit := func(text string, offset int, path string) {
		out = append(out, shownLine{Text: strings.Repeat("  ", depth) + text, Raw: rawLine(offset), Path: path})
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		raw := resp[t.start:t.end]
		switch t.tok.(type) {
		case xml.StartElement:
			// An element holding only text, or nothing, is one line: <CallState>Ringing</CallState>.
			if j := i + 1; j < len(toks) {
				if _, isText := toks[j].tok.(xml.CharData); isText && j+1 < len(toks) {
					j++
				}
				if _, isEnd := toks[j].tok.(xml.EndElement); isEnd {
					emit(resp[t.start:toks[j].end], t.start, paths[t.elem])
					i = j
					continue
				}
			}
			emit(raw, t.start, paths[t.elem])
			depth++
		case xml.EndElement:
			depth = max(depth-1, 0)
			if raw != "" { // "<a/>" ends without bytes of its own
				emit(raw, t.start, "")
			}
		case xml.CharData:
			if s := strings.TrimSpace(raw); s != "" {
				emit(s, t.start+strings.Index(raw, s), "")
			}
		default: // the XML declaration, comments, directives
			emit(raw, t.start, "")
		}
	}
	if rest < len(resp) {
		start := rawLine(rest)
		for k, l := range strings.Split(resp[rest:], "\n") {
			out = append(out, shownLine{Text: l, Raw: start + k})
		}
	}
	return out
}
