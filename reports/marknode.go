package reports

import (
	"regexp"
	"strings"
)

// A check's message names the node it is about in one of three ways: "response line N
// PATH" (a schema violation; newCheckView marks it), a node path alone
// ("/Envelope/Body/GetCallInfoResponse/GetCallInfoResponse/EventCause", the lifecycle's
// judges), or only the element and its value in the actual field ("EventCause Other",
// "ConnectionFailureCause Other", the EWS judges and the cross-API story). namedNodeLine
// finds the shown line of such a node, so that every check naming a node has it marked,
// not only schema violations.
var (
	wherePath   = regexp.MustCompile(`(?:^|\s)(/[^\s]+)`)
	actualNode  = regexp.MustCompile(`^([A-Z][A-Za-z]*)\s+'?([^\s']+)`)
	nodePrefix  = regexp.MustCompile(`/[^/:\[]+:`)
	nodeIndices = regexp.MustCompile(`\[\d+\]`)
)

// namedNodeLine is the index in lines of the node where or actual names, and the note to
// show under it; -1 when they name none that the response shows.
func namedNodeLine(lines []shownLine, where, actual string) (int, string) {
	local := func(p string) string { return nodeIndices.ReplaceAllString(nodePrefix.ReplaceAllString(p, "/"), "") }
	var name, value, note string
	if m := wherePath.FindStringSubmatch(where); m != nil {
		path := local(m[1])
		for i, l := range lines {
			if l.Path != "" && local(l.Path) == path {
				return i, "where: " + where
			}
		}
		name, note = path[strings.LastIndexByte(path, '/')+1:], "where: "+where
	} else if m := actualNode.FindStringSubmatch(actual); m != nil {
		name, value, note = m[1], m[2], "actual: "+actual
	}
	if name == "" {
		return -1, ""
	}
	tag := regexp.MustCompile(`<(?:[\w.-]+:)?` + regexp.QuoteMeta(name) + `[\s/>]`)
	first := -1
	for i, l := range lines {
		if !tag.MatchString(l.Text) {
			continue
		}
		if value == "" || strings.Contains(l.Text, ">"+value+"<") {
			return i, note
		}
		if first < 0 {
			first = i
		}
	}
	return first, note
}
