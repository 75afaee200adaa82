package reports

import (
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// writeRunJSON writes the run as WriteJSON's report.json: the layout encoding/json gives
// runWire with two-space indentation and HTML escaping off, byte for byte, without its
// reflection and second indentation pass (writing 7 000 checks took 0.1 s, a tenth of a
// whole run; docs/PERFORMANCE.md). TestJSONWriterMatchesEncodingJSON holds the two equal;
// a field added to the model must be added here too, and that test says so.
func writeRunJSON(w io.Writer, r Run) error {
	b := make([]byte, 0, 64<<10) // written out whenever it holds 32 KiB: a run can be large
	b = appendRunJSONHead(b, r)
	b = jsonField(b, 1, "checks", false)
	if len(r.Checks) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, "[\n"...)
		for i, c := range r.Checks {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = appendCheckJSON(b, c)
			if len(b) >= 32<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		b = append(b, '\n')
		b = jsonIndent(b, 1)
		b = append(b, ']')
	}
	b = appendRunJSONTail(b, r)
	_, err := w.Write(b)
	return err
}

// appendRunJSONHead writes the run's fields before its checks; a streamed run
// (WriteSpooled) writes its checks between this and appendRunJSONTail, as writeRunJSON does.
func appendRunJSONHead(b []byte, r Run) []byte {
	b = append(b, '{')
	b = jsonField(b, 1, "format", true)
	b = appendJSONString(b, Format)
	b = jsonField(b, 1, "name", false)
	b = appendJSONString(b, r.Name)
	b = jsonField(b, 1, "target", false)
	b = appendJSONString(b, r.Target)
	b = jsonField(b, 1, "started", false)
	b = append(b, '"')
	b = r.Started.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = jsonField(b, 1, "strict", false)
	b = strconv.AppendBool(b, r.Strict)
	b = jsonField(b, 1, "harness_version", false)
	b = appendJSONString(b, r.HarnessVersion)
	b = jsonField(b, 1, "catalogue_version", false)
	b = appendJSONString(b, r.CatalogueVersion)
	for _, f := range [...]struct{ name, value string }{
		{"harness_commit", r.HarnessCommit}, {"go_version", r.GoVersion},
		{"libxml2_version", r.Libxml2Version}, {"platform", r.Platform},
	} {
		if f.value != "" {
			b = jsonField(b, 1, f.name, false)
			b = appendJSONString(b, f.value)
		}
	}
	b = jsonField(b, 1, "calls_placed", false)
	b = strconv.AppendInt(b, int64(r.CallsPlaced), 10)
	if r.MaxCalls != 0 {
		b = jsonField(b, 1, "max_calls", false)
		b = strconv.AppendInt(b, int64(r.MaxCalls), 10)
	}
	if r.Selection != nil {
		b = jsonField(b, 1, "selection", false)
		b = appendSelectionJSON(b, 2, r.Selection)
	}
	if len(r.Expectations) > 0 {
		b = jsonField(b, 1, "expectations", false)
		b = append(b, "[\n"...)
		for i := range r.Expectations {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = jsonIndent(b, 2)
			b = appendExpectationJSON(b, 3, &r.Expectations[i])
		}
		b = append(b, '\n')
		b = jsonIndent(b, 1)
		b = append(b, ']')
	}
	if r.Stopped != "" {
		b = jsonField(b, 1, "stopped", false)
		b = appendJSONString(b, r.Stopped)
	}
	if r.Retries != "" {
		b = jsonField(b, 1, "retries", false)
		b = appendJSONString(b, r.Retries)
	}
	if r.Generated != "" {
		b = jsonField(b, 1, "generated", false)
		b = appendJSONString(b, r.Generated)
	}
	return b
}

func appendRunJSONTail(b []byte, r Run) []byte {
	b = jsonField(b, 1, "duration_seconds", false)
	b = appendJSONFloat(b, durationSeconds(r.Duration))
	return append(b, "\n}\n"...)
}

func appendCheckJSON(b []byte, c Check) []byte {
	const d = 3 // depth of the check's fields: run, checks array, check
	b = jsonIndent(b, d-1)
	b = append(b, '{')
	b = jsonField(b, d, "name", true)
	b = appendJSONString(b, c.Name)
	b = jsonField(b, d, "requirements", false)
	b = appendJSONStrings(b, d, c.Requirements)
	if c.RequirementText != "" {
		b = jsonField(b, d, "requirement_text", false)
		b = appendJSONString(b, c.RequirementText)
	}
	b = jsonField(b, d, "level", false)
	b = appendJSONString(b, c.Level)
	b = jsonField(b, d, "area", false)
	b = appendJSONString(b, c.Area)
	if c.Fixture != "" {
		b = jsonField(b, d, "fixture", false)
		b = appendJSONString(b, c.Fixture)
	}
	if c.FixtureFile != "" {
		b = jsonField(b, d, "fixture_file", false)
		b = appendJSONString(b, c.FixtureFile)
	}
	if c.Scenario != "" {
		b = jsonField(b, d, "scenario", false)
		b = appendJSONString(b, c.Scenario)
	}
	b = jsonField(b, d, "verdict", false)
	b = appendJSONString(b, string(c.Verdict))
	if c.Message != "" {
		b = jsonField(b, d, "message", false)
		b = appendJSONString(b, c.Message)
	}
	if c.Expectation != nil {
		b = jsonField(b, d, "expectation", false)
		b = appendExpectationJSON(b, d+1, c.Expectation)
	}
	b = jsonField(b, d, "evidence", false)
	b = appendEvidenceJSON(b, d+1, c.Evidence)
	b = jsonField(b, d, "duration_seconds", false)
	b = appendJSONFloat(b, durationSeconds(c.Duration))
	b = append(b, '\n')
	b = jsonIndent(b, d-1)
	return append(b, '}')
}

func appendEvidenceJSON(b []byte, d int, e Evidence) []byte {
	first := true
	field := func(name string) {
		b = jsonField(b, d, name, first)
		first = false
	}
	// Each field is left out when empty or zero, as encoding/json's omitempty does.
	str := func(name, v string) {
		if v != "" {
			field(name)
			b = appendJSONString(b, v)
		}
	}
	num := func(name string, v int64) {
		if v != 0 {
			field(name)
			b = strconv.AppendInt(b, v, 10)
		}
	}
	strs := func(name string, v []string) {
		if len(v) > 0 {
			field(name)
			b = appendJSONStrings(b, d, v)
		}
	}
	b = append(b, '{')
	str("request", e.Request)
	num("status", int64(e.Status))
	str("response", e.Response)
	num("response_bytes", e.ResponseBytes)
	str("response_sha256", e.ResponseSHA256)
	strs("states", e.States)
	str("response_encoding", e.ResponseEncoding)
	num("response_wire_bytes", e.ResponseWireBytes)
	str("call_state", e.CallState)
	strs("retries", e.Retries)
	if len(e.Violations) > 0 {
		field("violations")
		b = append(b, "[\n"...)
		for i, s := range e.Violations {
			v := ParseViolation(s)
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = jsonIndent(b, d+1)
			b = append(b, '{')
			b = jsonField(b, d+2, "line", true)
			b = strconv.AppendInt(b, int64(v.Line), 10)
			if v.Path != "" {
				b = jsonField(b, d+2, "path", false)
				b = appendJSONString(b, v.Path)
			}
			b = jsonField(b, d+2, "message", false)
			b = appendJSONString(b, v.Message)
			b = append(b, '\n')
			b = jsonIndent(b, d+1)
			b = append(b, '}')
		}
		b = append(b, '\n')
		b = jsonIndent(b, d)
		b = append(b, ']')
	}
	if !first {
		b = append(b, '\n')
		b = jsonIndent(b, d-1)
	}
	return append(b, '}')
}

// appendExpectationJSON writes an expectations entry whose members sit at depth d.
func appendExpectationJSON(b []byte, d int, x *Expectation) []byte {
	b = append(b, '{')
	b = jsonField(b, d, "requirement", true)
	b = appendJSONString(b, x.Requirement)
	if x.Fixture != "" {
		b = jsonField(b, d, "fixture", false)
		b = appendJSONString(b, x.Fixture)
	}
	if x.Scenario != "" {
		b = jsonField(b, d, "scenario", false)
		b = appendJSONString(b, x.Scenario)
	}
	b = jsonField(b, d, "reason", false)
	b = appendJSONString(b, x.Reason)
	if x.Link != "" {
		b = jsonField(b, d, "link", false)
		b = appendJSONString(b, x.Link)
	}
	b = jsonField(b, d, "expires", false)
	b = appendJSONString(b, x.Expires)
	b = jsonField(b, d, "source", false)
	b = appendJSONString(b, x.Source)
	if x.Expired {
		b = jsonField(b, d, "expired", false)
		b = append(b, "true"...)
	}
	b = append(b, '\n')
	b = jsonIndent(b, d-1)
	return append(b, '}')
}

// appendSelectionJSON writes a run's selection, whose members sit at depth d.
func appendSelectionJSON(b []byte, d int, s *Selection) []byte {
	first := true
	field := func(name string) {
		b = jsonField(b, d, name, first)
		first = false
	}
	b = append(b, '{')
	if s.LabelFilter != "" {
		field("label_filter")
		b = appendJSONString(b, s.LabelFilter)
	}
	if len(s.Focus) > 0 {
		field("focus")
		b = appendJSONStrings(b, d, s.Focus)
	}
	if s.Shard != 0 {
		field("shard")
		b = strconv.AppendInt(b, int64(s.Shard), 10)
	}
	if s.Shards != 0 {
		field("shards")
		b = strconv.AppendInt(b, int64(s.Shards), 10)
	}
	if s.RerunOf != "" {
		field("rerun_of")
		b = appendJSONString(b, s.RerunOf)
	}
	if len(s.MergedFrom) > 0 {
		field("merged_from")
		b = appendJSONStrings(b, d, s.MergedFrom)
	}
	if !first {
		b = append(b, '\n')
		b = jsonIndent(b, d-1)
	}
	return append(b, '}')
}

// jsonField starts a member at depth d: a comma after the previous one unless first, a
// new line, the indentation and the quoted name.
func jsonField(b []byte, d int, name string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '\n')
	b = jsonIndent(b, d)
	b = appendJSONString(b, name)
	return append(b, ": "...)
}

func jsonIndent(b []byte, d int) []byte {
	for range d {
		b = append(b, "  "...)
	}
	return b
}

// appendJSONStrings writes an array of strings whose members sit at depth d+1; an empty or
// nil array is [] (the model never holds null arrays: withCatalogue sees to it).
func appendJSONStrings(b []byte, d int, ss []string) []byte {
	if len(ss) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, "[\n"...)
	for i, s := range ss {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = jsonIndent(b, d+1)
		b = appendJSONString(b, s)
	}
	b = append(b, '\n')
	b = jsonIndent(b, d)
	return append(b, ']')
}

// appendJSONFloat formats a float64 as encoding/json does (ES6 number formatting).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 becomes e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// jsonPlain holds the bytes appendJSONString copies as they are: printable ASCII but for
// the quote and the backslash.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString quotes s as encoding/json does with HTML escaping off: quotes and
// backslashes escaped, control characters as \b \f \n \r \t or \u00XX, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if jsonPlain[s[i]] {
			i++
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
