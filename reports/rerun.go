package reports

import (
	"regexp"
	"strings"
)

// RerunCommand is the shell command that makes check c again, and no other, against the
// run's target: the run's own command (Run.Rerun: the target and the settings that reach
// it, never a secret) narrowed to the check's requirement and its exact name. "" when the
// run does not know its command (a report read back from report.json).
func RerunCommand(run Run, c Check) string {
	if run.Rerun == "" {
		return ""
	}
	cmd := run.Rerun
	if len(c.Requirements) > 0 {
		cmd += " --label-filter " + ShellQuote(strings.Join(c.Requirements, " && "))
	}
	return cmd + " --focus " + ShellQuote(regexp.QuoteMeta(c.Name)+"$")
}

// safeWord is a word a POSIX shell reads as itself.
var safeWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// ShellQuote quotes s for a POSIX shell: as it is when it is safe, else in single quotes.
func ShellQuote(s string) string {
	if safeWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
