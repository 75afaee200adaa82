package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// helpWidth is the widest line of any help text, in columns: a terminal of 100 columns
// shows every line whole.
const helpWidth = 100

const about = `umconform checks a server's Exchange Unified Messaging phone-call operations against
their protocol, through both APIs: the UM web service (GetCallInfo, PlayOnPhone, Disconnect,
at /EWS/UM2007Legacy.asmx) and EWS (GetPhoneCallInformation, PlayOnPhone,
DisconnectPhoneCall, at /EWS/Exchange.asmx). Without a target it checks its own embedded
reference server, which serves both.
`

// writeUsage writes the top-level help: what umconform is, and its commands.
func writeUsage(w io.Writer, prog string) {
	var b strings.Builder
	b.WriteString(about)
	fmt.Fprintf(&b, "\nUsage: %s COMMAND [flags] [ARGUMENTS]\n\nCommands:\n", prog)
	col := 0
	for _, c := range commands {
		col = max(col, len(c.name)+1+len(c.synopsis))
	}
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-*s  %s\n", col, c.name+" "+c.synopsis, c.summary)
	}
	fmt.Fprintf(&b, "\nRun '%s COMMAND --help' for the flags of a command.\n"+
		"Exit codes: 0 passed, 1 the target broke a rule, 2 the command could not run or could not\n"+
		"judge (a wrong setting, an unreachable or throttling server).\n", prog)
	io.WriteString(w, fitHelp(b.String(), prog, 2+col+2))
}

// writeHelp writes c's help: its usage line, its help text and, when fs is not nil, its
// flags as fs lists them.
func (c *command) writeHelp(w io.Writer, prog string, fs *flag.FlagSet) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: umconform %s %s\n", c.name, c.synopsis)
	if c.help != "" {
		b.WriteString("\n" + c.help)
	}
	if fs != nil && hasFlags(fs) {
		b.WriteString("\nFlags:\n")
		var flags bytes.Buffer
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		b.Write(flags.Bytes())
	}
	io.WriteString(w, fitHelp(b.String(), prog, 0))
}

// writeGroupHelp writes the help of each command of a group ("fixtures lint", …), without
// their flags, which each one's --help lists.
func writeGroupHelp(w io.Writer, prog string, group []*command) {
	for i, c := range group {
		if i > 0 {
			io.WriteString(w, "\n")
		}
		c.writeHelp(w, prog, nil)
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// fitHelp makes a help text as the user sees it: the commands it names as the binary was
// invoked (prog), and each line at most helpWidth columns. A line that is longer is broken
// between words, its continuations indented as it is, or by hang columns when hang is not
// 0 (the top-level help's command list, whose summaries start there).
func fitHelp(text, prog string, hang int) string {
	if prog != "umconform" {
		text = commandHint.ReplaceAllString(text, strings.ReplaceAll(prog, "$", "$$")+" $1")
	}
	var b strings.Builder
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		wrapLine(&b, line, hang)
	}
	return b.String()
}

// commandHint matches "umconform COMMAND": a command for the user to type.
var commandHint = func() *regexp.Regexp {
	var verbs []string
	for _, c := range commands {
		verb, _, _ := strings.Cut(c.name, " ")
		verbs = append(verbs, regexp.QuoteMeta(verb))
	}
	return regexp.MustCompile(`\bumconform ((?:` + strings.Join(verbs, "|") + `)\b)`)
}()

// wrapLine writes line to b, broken at spaces into lines of at most helpWidth columns;
// the spaces within a line are kept (the top-level help aligns its summaries with them).
func wrapLine(b *strings.Builder, line string, hang int) {
	rest := strings.TrimLeft(line, " \t")
	next := line[:len(line)-len(rest)] // continuations are indented as the line is
	if hang > 0 {
		next = strings.Repeat(" ", hang)
	}
	for columns(line) > helpWidth {
		cut := breakAt(line)
		if cut < 0 {
			break // one word wider than a line: left whole
		}
		b.WriteString(strings.TrimRight(line[:cut], " ") + "\n")
		line = next + strings.TrimLeft(line[cut:], " ")
	}
	b.WriteString(line + "\n")
}

// breakAt is the last space of line before column helpWidth that ends some of its text
// (not its indent), or -1.
func breakAt(line string) int {
	for i := len(line) - 1; i > 0; i-- {
		if line[i] == ' ' && columns(line[:i]) <= helpWidth && strings.TrimLeft(line[:i], " \t") != "" {
			return i
		}
	}
	return -1
}

// columns is how many columns s takes on a terminal, tabs reaching the next multiple of 8.
func columns(s string) int {
	n := 0
	for _, r := range s {
		if r == '\t' {
			n += 8 - n%8
			continue
		}
		n++
	}
	return n
}
