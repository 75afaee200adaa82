package schema

import (
	"regexp"
	"strconv"
	"strings"
)

// lastErrorLine finds the line in the binding's rendering of libxml2's last parser error,
// which looks like "... (line 3, column 7): message" in some versions and "line 3" in others.
var lastErrorLine = regexp.MustCompile(`(?i)line[ :=]*(\d+)`)

// parserNoise is libxml2's "Entity: line 3: parser error : " preamble, whose line is
// already in Violation.Line.
var parserNoise = regexp.MustCompile(`Entity: line \d+: parser error : `)

func parseViolation(err error) Violation {
	msg := err.Error()
	v := Violation{Line: 1}
	if m := lastErrorLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			v.Line = n
		}
	}
	msg = strings.TrimPrefix(msg, "failed to create parse input: ")
	msg = strings.TrimPrefix(msg, "failed to read document from memory: ")
	msg = parserNoise.ReplaceAllString(msg, "")
	v.Message = "not well-formed XML: " + trimMessage(msg)
	return v
}

// trimMessage drops the newline libxml2 ends its messages with.
func trimMessage(s string) string { return strings.TrimSpace(s) }

func droppedMessage(n int) string {
	return "and " + strconv.Itoa(n) + " more violations not listed (limit 1000 per document)"
}
