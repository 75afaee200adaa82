package reports

import (
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"strings"
)

// Markdown limits: GitHub takes at most 1 MiB of job summary per step, and a page past a
// few dozen groups is read in report.html anyway.
const (
	markdownGroups  = 25  // groups shown with their sample; the rest by title
	markdownMembers = 100 // other checks named per group
)

// WriteMarkdown writes the runs as a Markdown summary, for a CI page (GitHub's job
// summary) or a pull request: per run, the totals, the requirement table and the groups of
// identical violations, each with one check in full and the others named.
func WriteMarkdown(w io.Writer, runs []Run, order []string) error {
	var b strings.Builder
	for i, run := range runs {
		if i > 0 {
			b.WriteString("\n")
		}
		writeMarkdownRun(&b, run, order, len(runs) > 1)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownRun(b *strings.Builder, run Run, order []string, named bool) {
	verdict := "passed"
	if run.NotStarted() {
		title := "umconform"
		if named {
			title += " · " + run.Name
		}
		fmt.Fprintf(b, "## %s: DID NOT START\n\n%s\n\n%s against %s not run: each is reported as an error of this one cause.\n",
			mdText(title), mdText(run.Stopped), plural.Count(run.Total(), "check"), mdCode(run.Target))
		return
	}
	switch run.ExitCode() {
	case 1:
		verdict = "FAILED"
	case 2:
		verdict = "NOT JUDGED"
	}
	title := "umconform"
	if named {
		title += " · " + run.Name
	}
	fmt.Fprintf(b, "## %s: %s\n\n", mdText(title), verdict)
	fmt.Fprintf(b, "%s against %s: %s (%.1f s)\n\n", plural.Count(run.Total(), "check"), mdCode(run.Target), countsLine(run.Counts()), run.Duration.Seconds())

	b.WriteString("| Requirement | Level | Verdict | Passed | Failed | Warnings | Errors |\n|---|---|---|--:|--:|--:|--:|\n")
	for _, s := range run.ByRequirement(order) {
		v := string(s.Verdict())
		if s.Verdict() != Passed {
			v = "**" + strings.ToUpper(v) + "**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %d | %d | %d | %d |\n", mdText(s.ID), mdText(s.Level), v,
			s.Counts[Passed], s.Counts[Failed], s.Counts[Warning]+s.Counts[Info], s.Counts[Error])
	}

	groups := run.Groups(order)
	for gi, g := range groups {
		if gi == markdownGroups {
			fmt.Fprintf(b, "\n%d more groups, by title (each in full in report.html):\n\n", len(groups)-gi)
		}
		if gi >= markdownGroups {
			fmt.Fprintf(b, "- **%s** %s\n", g.Label(), mdText(g.Title()))
			continue
		}
		fmt.Fprintf(b, "\n### %s %s\n\n", g.Label(), mdText(g.Title()))
		if g.Text != "" {
			fmt.Fprintf(b, "%s: %s\n\n", mdText(strings.Join(g.Requirements, ", ")), mdText(g.Text))
		}
		sample := run.Checks[g.Checks[0]]
		lead := ""
		if len(g.Checks) > 1 {
			lead = "For example "
		}
		fmt.Fprintf(b, "%s%s\n\n", lead, mdCode(sample.Name))
		var detail strings.Builder
		writeCheckDetail(&detail, sample, g.Text == "", "")
		b.WriteString(mdFence("text", strings.TrimRight(detail.String(), "\n")))
		if ev := sample.Evidence; ev.Response != "" && !g.UnexpectedPass { // a pass's response shows nothing wrong
			lines, pretty := showResponse(ev.Response)
			how := ""
			if pretty {
				how = ", indented here for reading"
			}
			var text []string
			for _, l := range lines {
				text = append(text, l.Text)
			}
			fmt.Fprintf(b, "\n<details><summary>Response (HTTP %d)%s</summary>\n\n%s\n</details>\n", ev.Status, how, mdFence("xml", strings.Join(text, "\n")))
		}
		if others := g.Checks[1:]; len(others) > 0 {
			var names []string
			for _, k := range others[:min(len(others), markdownMembers)] {
				names = append(names, mdCode(shortName(run.Checks[k], len(g.Requirements) > 1)))
			}
			more := ""
			if len(others) > markdownMembers {
				more = fmt.Sprintf(" and %d more", len(others)-markdownMembers)
			}
			fmt.Fprintf(b, "\nAlso %s: %s%s\n", plural.Irregular(len(others), "other", "others"), strings.Join(names, ", "), more)
		}
	}
}

// mdText escapes what Markdown would read as markup in text from a check or a server.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"#", `\#`, "|", `\|`, "~", `\~`, "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCode is s as inline code, with a fence of more backticks than s holds in a row.
func mdCode(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// mdFence is s as a fenced code block, its fence longer than any run of backticks in s.
func mdFence(lang, s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + lang + "\n" + s + "\n" + fence + "\n"
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
