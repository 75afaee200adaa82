package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
)

// The tests of this file keep the README and docs/ true: every number they state is printed
// by a run made here or computed from the code, and compared. Each failure names the file
// and line to update, so that whoever adds a check, a flag or a requirement sees which
// sentence it changed.

// docFiles are the files a reader reads: the README and every Markdown file of docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	sort.Strings(files)
	return append([]string{"README.md"}, files...)
}

// docLine is one line of a doc, with where it is.
type docLine struct {
	file string
	n    int
	text string
}

func (l docLine) String() string { return l.file + ":" + strconv.Itoa(l.n) }

// readDoc returns the lines of a doc file.
func readDoc(t *testing.T, name string) []docLine {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var lines []docLine
	for i, l := range strings.Split(string(data), "\n") {
		lines = append(lines, docLine{name, i + 1, l})
	}
	return lines
}

// proseLines are a doc's lines outside fenced code blocks.
func proseLines(lines []docLine) []docLine {
	var out []docLine
	fence := ""
	for _, l := range lines {
		trimmed := strings.TrimSpace(l.text)
		switch {
		case fence == "" && strings.HasPrefix(trimmed, "```"):
			fence = trimmed[:strings.LastIndex(trimmed, "`")+1]
		case fence != "" && trimmed == fence:
			fence = ""
		case fence == "":
			out = append(out, l)
		}
	}
	return out
}

// TestREADMEIsANewcomersPage: at most 200 lines; the first sentence names both APIs; the
// first screen shows the two commands; the exit codes are there.
func TestREADMEIsANewcomersPage(t *testing.T) {
	lines := readDoc(t, "README.md")
	if n := len(lines) - 1; n > 200 { // the last element is what follows the final newline
		t.Errorf("README.md has %d lines; keep it at most 200 and move the rest to docs/", n)
	}
	var intro strings.Builder
	for _, l := range lines[1:] {
		if strings.HasPrefix(l.text, "#") || (intro.Len() > 0 && strings.TrimSpace(l.text) == "") {
			break
		}
		intro.WriteString(l.text + " ")
	}
	first, _, _ := strings.Cut(intro.String(), "). ")
	for _, api := range []string{"UM", "EWS", "/EWS/UM2007Legacy.asmx", "/EWS/Exchange.asmx"} {
		if !strings.Contains(first, api) {
			t.Errorf("README.md's first sentence does not name %s: %q", api, first)
		}
	}
	screen := lines[:min(len(lines), 40)]
	for _, cmd := range []string{"make run", "make test"} {
		if !slices.ContainsFunc(screen, func(l docLine) bool { return strings.HasPrefix(l.text, cmd+" ") }) {
			t.Errorf("README.md's first screen (40 lines) shows no %q line", cmd)
		}
	}
	// make run writes where the Makefile says.
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^REPORT_DIR \?= (\S+)`).FindSubmatch(mk); m == nil {
		t.Error("the Makefile sets no REPORT_DIR, where make run writes the reports")
	} else if dir := string(m[1]) + "/"; !slices.ContainsFunc(screen, func(l docLine) bool { return strings.Contains(l.text, dir) }) {
		t.Errorf("README.md's first screen does not say that make run writes the reports in %s (the Makefile's REPORT_DIR)", dir)
	}
	for _, code := range []string{"| 0 |", "| 1 |", "| 2 |"} {
		if !slices.ContainsFunc(lines, func(l docLine) bool { return strings.HasPrefix(l.text, code) }) {
			t.Errorf("README.md's exit-code table has no row %s", code)
		}
	}
}

// checkedBlock is a fenced block that a `<!-- checked: ARGS -->` comment marks as the
// output of umconform ARGS.
type checkedBlock struct {
	at    docLine // the comment
	args  string
	lines []docLine
}

var checkedRE = regexp.MustCompile(`^<!-- checked: (.+?) -->$`)

func checkedBlocks(t *testing.T, name string) []checkedBlock {
	t.Helper()
	lines := readDoc(t, name)
	var blocks []checkedBlock
	for i := 0; i < len(lines); i++ {
		m := checkedRE.FindStringSubmatch(strings.TrimSpace(lines[i].text))
		if m == nil {
			continue
		}
		b := checkedBlock{at: lines[i], args: m[1]}
		if m[1] == "calls placed" { // a table, TestDocCallsTable's
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1].text, "```") {
			t.Errorf("%s: a checked comment must be followed by a fenced block", lines[i])
			continue
		}
		fence := lines[i+1].text[:strings.LastIndex(lines[i+1].text, "`")+1]
		j := i + 2
		for ; j < len(lines) && lines[j].text != fence; j++ {
			b.lines = append(b.lines, lines[j])
		}
		if j == len(lines) {
			t.Errorf("%s: the checked block is never closed", lines[i])
		}
		blocks = append(blocks, b)
		i = j
	}
	return blocks
}

// splitArgs splits a command line on spaces, keeping what single quotes hold together.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	in, has := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, has = !in, true
		case r == ' ' && !in:
			if has {
				args = append(args, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if has {
		args = append(args, cur.String())
	}
	return args
}

var (
	normPort     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	normDuration = regexp.MustCompile(`\b\d+(\.\d+)? ?(ms|µs|s)\b`)
	normID       = regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`)
	normMarks    = regexp.MustCompile(`^(Running \d+ specs: )\S+`)
)

// normalize leaves out of a line what differs from run to run: ports, durations, call ids,
// the marks of passed and failed specs, the report folder.
func normalize(s, reportDir string) string {
	if reportDir != "" {
		s = strings.ReplaceAll(s, reportDir, "reports")
	}
	// A hint names the binary as invoked: bin/umconform for a user, umconform in the tests.
	s = strings.ReplaceAll(s, "bin/umconform ", "umconform ")
	s = normPort.ReplaceAllString(s, "127.0.0.1:PORT")
	s = normID.ReplaceAllString(s, "ID")
	s = normDuration.ReplaceAllString(s, "DURATION")
	s = normMarks.ReplaceAllString(s, "${1}MARKS")
	return strings.TrimRight(s, " \t")
}

// docRuns makes the runs the docs show, each once.
type docRuns struct {
	t    *testing.T
	mu   sync.Mutex
	out  map[string]string
	serv string // the base URL of a reference server, started on first need
}

func (d *docRuns) output(b checkedBlock) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if out, ok := d.out[b.args]; ok {
		return out, nil
	}
	args := splitArgs(b.args)
	dir := d.t.TempDir()
	summary := ""
	for i := range args {
		switch {
		case strings.Contains(args[i], "{serve}"):
			if d.serv == "" {
				ref, err := reference.Start(context.Background(), reference.Options{})
				if err != nil {
					return "", err
				}
				d.t.Cleanup(func() { ref.Close() })
				d.serv = strings.TrimSuffix(ref.URL(), reference.LegacyPath)
			}
			args[i] = strings.ReplaceAll(args[i], "{serve}", d.serv)
		case args[i] == "{entry-id}":
			args[i] = reference.DefaultEntryID
		case args[i] == "--summary-md" && i+1 < len(args):
			summary = filepath.Join(dir, "summary.md")
			args[i+1] = summary
		}
	}
	if args[0] == "run" {
		args = append(args, "--report-dir", filepath.Join(dir, "reports"))
	}
	res := umconform(d.t, nil, args...)
	out := res.stdout
	if summary != "" {
		data, err := os.ReadFile(summary)
		if err != nil {
			return "", fmt.Errorf("umconform %s (exit %d) wrote no summary: %v\n%s", b.args, res.code, err, res.stderr)
		}
		out = string(data)
	}
	var norm []string
	for _, l := range strings.Split(out, "\n") {
		norm = append(norm, normalize(l, filepath.Join(dir, "reports")))
	}
	d.out[b.args] = strings.Join(norm, "\n")
	return d.out[b.args], nil
}

// TestDocOutputs: every block of output the README and docs/ show is what the run it names
// prints now: each line of the block, in order, is a line of the run's output ("..."
// stands for lines left out; a line ending in "..." for the rest of that line).
func TestDocOutputs(t *testing.T) {
	runs := &docRuns{t: t, out: map[string]string{}}
	blocks := 0
	for _, name := range docFiles(t) {
		for _, b := range checkedBlocks(t, name) {
			blocks++
			out, err := runs.output(b)
			if err != nil {
				t.Errorf("%s: %v", b.at, err)
				continue
			}
			compareBlock(t, b, strings.Split(out, "\n"))
		}
	}
	if blocks < 4 {
		t.Errorf("found %d checked output blocks in the docs; the README's and USING.md's runs are gone?", blocks)
	}
}

func compareBlock(t *testing.T, b checkedBlock, got []string) {
	t.Helper()
	next := 0
	for _, l := range b.lines {
		want := normalize(l.text, "")
		trimmed := strings.TrimSpace(want)
		if trimmed == "..." || strings.HasPrefix(trimmed, "| ... |") {
			continue
		}
		prefix := strings.HasSuffix(want, "...")
		want = strings.TrimSuffix(want, "...")
		found := -1
		for i := next; i < len(got); i++ {
			if got[i] == want || (prefix && strings.HasPrefix(got[i], want)) {
				found = i
				break
			}
		}
		if found < 0 {
			t.Errorf("%s: `umconform %s` prints no such line (after the block's previous lines); the doc says\n\t%s\n%s",
				l, b.args, l.text, closest(got, want))
			continue
		}
		next = found + 1
	}
}

// closest names the line of got that is want with other numbers, or else begins like want,
// to show what to write instead.
func closest(got []string, want string) string {
	digits := regexp.MustCompile(`\d+`)
	shape := digits.ReplaceAllString(want, "#")
	for _, g := range got {
		if digits.ReplaceAllString(g, "#") == shape {
			return "\tthe run prints\n\t" + g
		}
	}
	for _, g := range got { // the same words with other numbers, and more after them
		if n := min(len(shape), 40); len(shape) > 8 && strings.HasPrefix(digits.ReplaceAllString(g, "#"), shape[:n]) {
			return "\tthe run prints\n\t" + g
		}
	}
	for n := min(len(want), 24); n >= 4; n -= 4 {
		for _, g := range got {
			if strings.HasPrefix(g, want[:n]) {
				return "\tthe run prints\n\t" + g
			}
		}
	}
	return "\tand nothing that begins like it"
}

// TestDocNumbers: the counts the docs state are the code's.
func TestDocNumbers(t *testing.T) {
	count := func(fsys fs.FS) int {
		c, err := fixtures.Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return len(c)
	}
	broken, legal := 0, 0
	for _, p := range reference.Profiles() {
		switch {
		case len(p.Breaks) > 0:
			broken++
		case p.Name != reference.ProfileExchange:
			legal++
		}
	}
	claims := []struct {
		re   *regexp.Regexp
		want []int
		what string
	}{
		{regexp.MustCompile(`(\d+) exchanges of the UM web service and\s+(\d+) of EWS`), []int{count(fixtures.Embedded()), count(fixtures.EmbeddedEWS())},
			"the embedded UM and EWS corpora hold"},
		{regexp.MustCompile(`(\d+) legal variants`), []int{legal}, "umconform serve --list-profiles lists legal variants:"},
		{regexp.MustCompile(`(\d+) broken profiles`), []int{broken}, "umconform serve --list-profiles lists broken profiles:"},
	}
	seen := make([]int, len(claims))
	for _, name := range docFiles(t) {
		if name == "docs/PERFORMANCE-HISTORY.md" {
			continue // dated measurements, history
		}
		lines := proseLines(readDoc(t, name))
		for i, l := range lines {
			text := l.text
			if i+1 < len(lines) { // a claim may wrap onto the next line
				text += "\n" + lines[i+1].text
			}
			for c, claim := range claims {
				m := claim.re.FindStringSubmatch(text)
				if m == nil || strings.Index(text, m[0]) > len(l.text) {
					continue
				}
				seen[c]++
				for k, want := range claim.want {
					if got, _ := strconv.Atoi(m[k+1]); got != want {
						t.Errorf("%s says %q; %s %d", l, m[0], claim.what, want)
					}
				}
			}
		}
	}
	for c, n := range seen {
		if n == 0 {
			t.Errorf("no doc states %q any more: remove the claim from this test", claims[c].re)
		}
	}
}

// TestDocAreaTable: the README's table of areas gives each area of the catalogue with its
// requirement IDs, as ranges (`L1–L8, E8–E12`), neither more nor fewer.
func TestDocAreaTable(t *testing.T) {
	cat := catalogue.Default()
	ids := map[string][]string{}
	for _, id := range cat.IDs() {
		r, _ := cat.Lookup(id)
		ids[r.Area] = append(ids[r.Area], id)
	}
	row := regexp.MustCompile(`^\| ([a-z-]+) \| ([A-Z][A-Z0-9–, ]*) \|`)
	part := regexp.MustCompile(`^([A-Z]+)(\d+)(?:–([A-Z]+)(\d+))?$`)
	seen := map[string]bool{}
	for _, l := range readDoc(t, "README.md") {
		m := row.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		area := m[1]
		seen[area] = true
		var said []string
		for _, p := range strings.Split(m[2], ",") {
			r := part.FindStringSubmatch(strings.TrimSpace(p))
			if r == nil || (r[3] != "" && r[3] != r[1]) {
				t.Errorf("%s: %q is no requirement ID nor a range of them (E8–E12)", l, p)
				continue
			}
			from, _ := strconv.Atoi(r[2])
			to := from
			if r[4] != "" {
				to, _ = strconv.Atoi(r[4])
			}
			for n := from; n <= to; n++ {
				said = append(said, r[1]+strconv.Itoa(n))
			}
		}
		have := ids[area]
		if len(have) == 0 {
			t.Errorf("%s: the catalogue has no area %q", l, area)
			continue
		}
		slices.Sort(said)
		want := slices.Clone(have)
		slices.Sort(want)
		if !slices.Equal(said, want) {
			t.Errorf("%s: area %s has the requirements %v in the catalogue; the README's row says %v", l, area, have, said)
		}
	}
	for area := range ids {
		if !seen[area] {
			t.Errorf("README.md's \"What it checks\" table has no row for area %s (%v)", area, ids[area])
		}
	}
}

// TestDocRequirementIDs: every requirement ID the docs name is in the catalogue.
func TestDocRequirementIDs(t *testing.T) {
	cat := catalogue.Default()
	letters := map[string]bool{}
	for _, id := range cat.IDs() {
		letters[strings.TrimRight(id, "0123456789")] = true
	}
	idRE := regexp.MustCompile(`\b([A-Z]{1,2})([1-9]\d?)\b`)
	for _, name := range docFiles(t) {
		for _, l := range readDoc(t, name) {
			for _, m := range idRE.FindAllStringSubmatch(l.text, -1) {
				if !letters[m[1]] {
					continue
				}
				if _, ok := cat.Lookup(m[0]); !ok {
					t.Errorf("%s names requirement %s, which the catalogue does not have", l, m[0])
				}
			}
		}
	}
}

// TestDocLabelFilters: every --label-filter example selects some check.
func TestDocLabelFilters(t *testing.T) {
	filterRE := regexp.MustCompile(`--label-filter(?: |=)('[^']*'|[^\s'` + "`" + `)]+)`)
	seen := map[string]docLine{}
	for _, name := range docFiles(t) {
		if name == "docs/PERFORMANCE-HISTORY.md" {
			continue // history, of runs over generated fixtures
		}
		for _, l := range readDoc(t, name) {
			if strings.Contains(l.text, "--fixtures") {
				continue // selects fixtures of a folder the docs do not have
			}
			for _, m := range filterRE.FindAllStringSubmatch(l.text, -1) {
				expr := strings.Trim(m[1], "'")
				if expr == "EXPR" {
					continue // a placeholder
				}
				if _, ok := seen[expr]; !ok {
					seen[expr] = l
				}
			}
		}
	}
	if len(seen) < 3 {
		t.Fatalf("found only %d label filters in the docs", len(seen))
	}
	for expr, l := range seen {
		if n := listedChecks(t, "--label-filter", expr); n == 0 {
			t.Errorf("%s: --label-filter %q selects no check", l, expr)
		}
	}
}

// helpFlag is one flag of `umconform run --help`.
type helpFlag struct{ env, def string }

func runHelpFlags(t *testing.T) map[string]helpFlag {
	t.Helper()
	res := umconform(t, nil, "run", "--help")
	out := res.stdout + res.stderr
	// A flag's description may wrap, even inside "(env X)" or "(default X)": read each
	// flag's lines as one text.
	texts := map[string]string{}
	flagRE := regexp.MustCompile(`^  -(\S+)`)
	var cur string
	for _, l := range strings.Split(out, "\n") {
		if m := flagRE.FindStringSubmatch(l); m != nil {
			cur = m[1]
		}
		if cur != "" {
			texts[cur] += " " + strings.TrimSpace(l)
		}
	}
	envRE := regexp.MustCompile(`\(env (UMCONFORM_[A-Z_]+)\)`)
	defRE := regexp.MustCompile(`\(default "?([^")]*)"?\)$`)
	flags := map[string]helpFlag{}
	for name, text := range texts {
		var f helpFlag
		if m := envRE.FindStringSubmatch(text); m != nil {
			f.env = m[1]
		}
		if m := defRE.FindStringSubmatch(strings.TrimSpace(text)); m != nil {
			f.def = m[1]
		}
		flags[name] = f
	}
	if len(flags) < 10 {
		t.Fatalf("umconform run --help lists %d flags:\n%s", len(flags), out)
	}
	return flags
}

// TestDocFlagTables: the flag tables of the docs (a header `| flag | env |`) list every flag
// of `umconform run --help` once, with the variable and default the help gives, and no
// flag it lacks.
func TestDocFlagTables(t *testing.T) {
	flags := runHelpFlags(t)
	flagRE := regexp.MustCompile("`(--?[a-z][a-z-]*)")
	rows := map[string]docLine{}
	for _, name := range docFiles(t) {
		withDefault := false
		in := false
		for _, l := range readDoc(t, name) {
			// An escaped pipe (`none\|basic`) is part of its cell.
			row := strings.ReplaceAll(strings.TrimSpace(l.text), `\|`, "\x00")
			cells := strings.Split(strings.Trim(row, "|"), "|")
			switch {
			case strings.HasPrefix(l.text, "| flag | env |"):
				in, withDefault = true, len(cells) > 2 && strings.TrimSpace(cells[2]) == "default"
				continue
			case !strings.HasPrefix(l.text, "|"):
				in = false
			}
			if !in || strings.HasPrefix(l.text, "|---") {
				continue
			}
			for _, m := range flagRE.FindAllStringSubmatch(cells[0], -1) {
				name := strings.TrimLeft(m[1], "-")
				if prev, dup := rows[name]; dup {
					t.Errorf("%s: flag --%s is listed again (first at %s)", l, name, prev)
				}
				rows[name] = l
				f, ok := flags[name]
				if !ok {
					t.Errorf("%s: flag --%s is not a flag of umconform run (run --help)", l, name)
					continue
				}
				if f.env != "" && !strings.Contains(cells[1], f.env) {
					t.Errorf("%s: flag --%s: the env column should name %s", l, name, f.env)
				}
				if withDefault && f.def != "" && !strings.Contains(cells[2], f.def) {
					t.Errorf("%s: flag --%s: the default column should say %s, as run --help does", l, name, f.def)
				}
			}
		}
	}
	for name, f := range flags {
		if _, ok := rows[name]; !ok {
			t.Errorf("flag --%s (env %s) of umconform run is in no flag table of the docs (docs/USING.md: `umconform run` flags)", name, f.env)
		}
	}
}

// TestDocCommandsTable: USING.md's table of commands lists every command of
// `umconform --help`, and none it lacks.
func TestDocCommandsTable(t *testing.T) {
	res := umconform(t, nil, "--help")
	help := res.stdout + res.stderr
	if _, after, ok := strings.Cut(help, "\nCommands:\n"); ok {
		help = after
	}
	cmdRE := regexp.MustCompile(`(?m)^  (?:umconform )?([a-z]+)\b`)
	want := map[string]bool{}
	for _, m := range cmdRE.FindAllStringSubmatch(help, -1) {
		want[m[1]] = true
	}
	if len(want) < 5 {
		t.Fatalf("umconform --help lists %d commands", len(want))
	}
	rowRE := regexp.MustCompile("^\\| `umconform ([a-z]+)")
	got := map[string]bool{}
	for _, l := range readDoc(t, "docs/USING.md") {
		if m := rowRE.FindStringSubmatch(l.text); m != nil {
			got[m[1]] = true
			if !want[m[1]] {
				t.Errorf("%s: umconform %s is no command of umconform --help", l, m[1])
			}
		}
	}
	for c := range want {
		if !got[c] {
			t.Errorf("docs/USING.md's table of commands has no row for umconform %s", c)
		}
	}
}

// TestDocCallsTable: the table of PlayOnPhone requests in USING.md is what a proxy in front
// of the reference server counts, per API, for each run it names.
func TestDocCallsTable(t *testing.T) {
	var table []docLine
	lines := readDoc(t, "docs/USING.md")
	for i, l := range lines {
		if strings.TrimSpace(l.text) == "<!-- checked: calls placed -->" {
			for _, r := range lines[i+1:] {
				if !strings.HasPrefix(r.text, "|") {
					break
				}
				table = append(table, r)
			}
		}
	}
	if len(table) < 4 {
		t.Fatal("docs/USING.md has no table after <!-- checked: calls placed -->")
	}
	runs := []struct {
		row  string // what the row's first cell holds
		args func(c *countingTarget, dir string) []string
	}{
		{"places-call", func(c *countingTarget, dir string) []string {
			return c.bothArgs(dir, "--label-filter", "!places-call")
		}},
		{"the UM web service alone", func(c *countingTarget, dir string) []string { return c.args(dir) }},
		{"EWS alone", func(c *countingTarget, dir string) []string { return c.ewsArgs(dir) }},
		{"both APIs", func(c *countingTarget, dir string) []string { return c.bothArgs(dir) }},
	}
	for _, r := range table[2:] {
		cells := strings.Split(strings.Trim(r.text, "|"), "|")
		if len(cells) != 3 {
			t.Errorf("%s: want three cells: the run, UM and EWS PlayOnPhone requests", r)
			continue
		}
		i := slices.IndexFunc(runs, func(run struct {
			row  string
			args func(c *countingTarget, dir string) []string
		}) bool {
			return strings.Contains(cells[0], run.row)
		})
		if i < 0 {
			t.Errorf("%s: no run of this test makes the row %q: add it to TestDocCallsTable", r, cells[0])
			continue
		}
		c := newCountingTarget(t, "")
		dir := t.TempDir()
		if res := umconform(t, nil, runs[i].args(c, dir)...); res.code != 0 {
			t.Errorf("%s: the run exits %d\n%s", r, res.code, tail(res.stdout))
			continue
		}
		for k, p := range []string{reference.LegacyPath, reference.EWSPath} {
			want := strings.TrimSpace(cells[k+1])
			if got := c.popsAt(p); strconv.Itoa(got) != want && !(want == "–" && got == 0) {
				t.Errorf("%s: %s: the table says %s PlayOnPhone requests to %s; the target counted %d", r, strings.TrimSpace(cells[0]), want, p, got)
			}
		}
	}
}

// TestDocLinks: every relative link of the README and docs/ leads to a file that exists
// and, with an anchor, to a heading of it; and every mention of a docs/ file anywhere in the
// repository names one that exists.
func TestDocLinks(t *testing.T) {
	linkRE := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headings := map[string]map[string]bool{}
	anchorsOf := func(name string) map[string]bool {
		if a, ok := headings[name]; ok {
			return a
		}
		a := map[string]bool{}
		count := map[string]int{}
		for _, l := range proseLines(readDoc(t, name)) {
			if m := headingRE.FindStringSubmatch(l.text); m != nil {
				id := anchor(m[1])
				if n := count[id]; n > 0 { // GitHub numbers a repeated heading's anchor
					a[id+"-"+strconv.Itoa(n)] = true
				} else {
					a[id] = true
				}
				count[id]++
			}
		}
		headings[name] = a
		return a
	}
	for _, name := range docFiles(t) {
		for _, l := range proseLines(readDoc(t, name)) {
			for _, m := range linkRE.FindAllStringSubmatch(l.text, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file, frag, _ := strings.Cut(target, "#")
				if file == "" {
					file = name
				} else {
					file = path.Join(path.Dir(name), file)
				}
				if _, err := os.Stat(file); err != nil {
					t.Errorf("%s links %s, which does not exist", l, target)
					continue
				}
				if frag != "" && strings.HasSuffix(file, ".md") && !anchorsOf(file)[frag] {
					t.Errorf("%s links %s: %s has no heading #%s", l, target, file, frag)
				}
			}
		}
	}
	docRE := regexp.MustCompile(`docs/[A-Za-z0-9_-]+\.md`)
	for _, name := range repoFiles(t) {
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		sc.Buffer(nil, len(data)+1)
		for n := 1; sc.Scan(); n++ {
			for _, doc := range docRE.FindAllString(sc.Text(), -1) {
				if _, err := os.Stat(doc); err != nil {
					t.Errorf("%s:%d names %s, which does not exist (the docs are README.md and %v)", name, n, doc, docFiles(t)[1:])
				}
			}
		}
	}
}

// TestDocTestNames: every test, benchmark or fuzz function the docs name exists, so that a
// reader can run it.
func TestDocTestNames(t *testing.T) {
	have := map[string]bool{}
	funcRE := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Z0-9]\w*)\(`)
	for _, name := range repoFiles(t) {
		if !strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for _, m := range funcRE.FindAllSubmatch(data, -1) {
			have[string(m[1])] = true
		}
	}
	nameRE := regexp.MustCompile(`(?:^|[^\w/-])((?:Test|Benchmark|Fuzz)[A-Z0-9]\w*)`)
	for _, name := range docFiles(t) {
		if name == "docs/PERFORMANCE-HISTORY.md" {
			continue // history may name what was renamed since
		}
		for _, l := range readDoc(t, name) {
			for _, m := range nameRE.FindAllStringSubmatch(l.text, -1) {
				if !have[m[1]] {
					t.Errorf("%s names %s, which no _test.go file defines", l, m[1])
				}
			}
		}
	}
}

// TestPerformanceCommandsExist: each command of PERFORMANCE.md runs something that exists:
// a bench script, a package, the benchmarks and tests it selects.
func TestPerformanceCommandsExist(t *testing.T) {
	scriptRE := regexp.MustCompile(`\bbench/[\w-]+\.sh\b`)
	pkgRE := regexp.MustCompile(`(?:^|\s)(\.(?:/[\w/]*)?)(?:\s|$)`)
	benchRE := regexp.MustCompile(`-bench '?([^'\s]+)'?`)
	runRE := regexp.MustCompile(`-run '?([^'\s]+)'?`)
	commands := 0
	for _, l := range readDoc(t, "docs/PERFORMANCE.md") {
		for _, s := range scriptRE.FindAllString(l.text, -1) {
			commands++
			if _, err := os.Stat(s); err != nil {
				t.Errorf("%s runs %s, which does not exist", l, s)
			}
		}
		if !strings.Contains(l.text, "go test") {
			continue
		}
		commands++
		// The package is the last operand that is a path ("-bench ." is a pattern).
		var m []string
		if all := pkgRE.FindAllStringSubmatch(l.text, -1); len(all) > 0 {
			m = all[len(all)-1]
		}
		if m == nil {
			t.Errorf("%s: a go test command with no package", l)
			continue
		}
		funcs := testFuncs(t, m[1])
		for _, sel := range []*regexp.Regexp{benchRE, runRE} {
			s := sel.FindStringSubmatch(l.text)
			if s == nil || s[1] == "^$" || s[1] == "." {
				continue
			}
			re, err := regexp.Compile(s[1])
			if err != nil {
				t.Errorf("%s: %q is no regexp: %v", l, s[1], err)
				continue
			}
			for _, alt := range strings.Split(s[1], "|") {
				altRE, err := regexp.Compile(alt)
				if err != nil {
					altRE = re
				}
				if !slices.ContainsFunc(funcs, func(f string) bool { return altRE.MatchString(f) }) {
					t.Errorf("%s: %q selects no test or benchmark of %s", l, alt, m[1])
				}
			}
		}
	}
	if commands < 5 {
		t.Errorf("docs/PERFORMANCE.md gives %d commands; every figure needs the command that measures it", commands)
	}
}

// testFuncs lists the test, benchmark and fuzz functions of the package in dir.
func testFuncs(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if len(files) == 0 {
		t.Errorf("%s holds no test files", dir)
	}
	funcRE := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)\w*)\(`)
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range funcRE.FindAllSubmatch(data, -1) {
			names = append(names, string(m[1]))
		}
	}
	return names
}

// namedConsts are the constants one Go file declares.
type namedConsts struct {
	file   string
	consts map[string]ast.Expr
}

var (
	fileConstsOnce sync.Once
	fileConsts     []namedConsts // of every non-test Go file of the repository
)

// codeConst finds the constant name among the repository's non-test Go files and evaluates
// it: integer literals, the operators << * / + -, other constants and time's units (in
// nanoseconds). Found twice with different values, or not at all, the test fails: the
// constant moved or was renamed, and the claim below must follow it.
func codeConst(t *testing.T, name string) (int64, error) {
	t.Helper()
	fileConstsOnce.Do(func() {
		for _, file := range repoFiles(t) {
			if !strings.HasSuffix(file, ".go") || strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
			if err != nil {
				continue
			}
			consts := map[string]ast.Expr{}
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[n.Name] = vs.Values[i]
						}
					}
				}
			}
			fileConsts = append(fileConsts, namedConsts{file, consts})
		}
	})
	var found []int64
	for _, fc := range fileConsts {
		file, consts := fc.file, fc.consts
		if e, ok := consts[name]; ok {
			v, err := evalConst(e, consts)
			if err != nil {
				return 0, fmt.Errorf("%s: const %s: %v", file, name, err)
			}
			found = append(found, v)
		}
	}
	switch {
	case len(found) == 0:
		return 0, fmt.Errorf("no Go file declares const %s", name)
	case slices.Min(found) != slices.Max(found):
		return 0, fmt.Errorf("const %s is declared with different values: %v", name, found)
	}
	return found[0], nil
}

func evalConst(e ast.Expr, consts map[string]ast.Expr) (int64, error) {
	units := map[string]int64{"Nanosecond": 1, "Microsecond": 1e3, "Millisecond": 1e6, "Second": 1e9, "Minute": 60e9, "Hour": 3600e9}
	switch e := e.(type) {
	case *ast.BasicLit:
		return strconv.ParseInt(e.Value, 0, 64)
	case *ast.ParenExpr:
		return evalConst(e.X, consts)
	case *ast.Ident:
		if v, ok := consts[e.Name]; ok {
			return evalConst(v, consts)
		}
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Name == "time" {
			if u, ok := units[e.Sel.Name]; ok {
				return u, nil
			}
		}
	case *ast.BinaryExpr:
		a, err := evalConst(e.X, consts)
		if err != nil {
			return 0, err
		}
		b, err := evalConst(e.Y, consts)
		if err != nil {
			return 0, err
		}
		switch e.Op {
		case token.SHL:
			return a << b, nil
		case token.MUL:
			return a * b, nil
		case token.QUO:
			return a / b, nil
		case token.ADD:
			return a + b, nil
		case token.SUB:
			return a - b, nil
		}
	}
	return 0, fmt.Errorf("cannot evaluate %T", e)
}

// TestDocLimits: the limits the docs state are the constants the code uses.
func TestDocLimits(t *testing.T) {
	words := map[string]int64{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
	claims := []struct {
		re     string // the claim, its number in a group; spaces match any white space
		konst  string
		add    int64 // added to the constant (a count of retries is one less than of sends)
		divide int64 // the constant in the doc's unit
	}{
		{`a response body is read up to (\d+) MiB`, "maxResponseBytes", 0, 1 << 20},
		{`its headers up to\s+(\d+) KiB`, "MaxResponseHeaderBytes", 0, 1 << 10},
		{`a document with more than (\d+) ` + "`<`", "DefaultMaxMarkup", 0, 1},
		{`keeps the first (\d+) KiB of its request`, "keptRequestBytes", 0, 1 << 10},
		{`keeps the first (\d+) KiB of its request and response`, "keptBodyBytes", 0, 1 << 10},
		{`read on for up to (\w+) times`, "lateGraceFactor", 0, 1},
		{`After \*\*(\w+) exchanges in\s+a row\*\*`, "breakerLimit", 0, 1},
		{`after\s+(\w+) late answers in a row`, "breakerLimit", 0, 1},
		{`if (\w+) exchanges in a row end throttled`, "breakerLimit", 0, 1},
		{`Each request is sent at most (\w+) times`, "maxRetries", 1, 1},
		{`a wait longer than\s+(\d+) s,`, "maxWait", 0, 1e9},
		{`or past (\d+) minutes of waits`, "waitBudget", 0, 60e9},
		{`a (\d+) MiB request`, "oversizedBytes", 0, 1 << 20},
		{`(\d+) days from today`, "DefaultLifetime", 0, 1},
		{`expires in (\d+) days`, "DefaultLifetime", 0, 1},
	}
	docs := map[string]string{}
	for _, name := range docFiles(t) {
		if name == "docs/PERFORMANCE-HISTORY.md" {
			continue // history
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = string(data)
	}
	for _, c := range claims {
		re := regexp.MustCompile(strings.ReplaceAll(c.re, " ", `\s+`))
		v, err := codeConst(t, c.konst)
		if err != nil {
			t.Errorf("the claim %q: %v", c.re, err)
			continue
		}
		want := (v + c.add) / c.divide
		said := 0
		for name, doc := range docs {
			for _, m := range re.FindAllStringSubmatchIndex(doc, -1) {
				said++
				n, ok := words[doc[m[2]:m[3]]]
				if !ok {
					n, _ = strconv.ParseInt(doc[m[2]:m[3]], 10, 64)
				}
				if n != want {
					line := strings.Count(doc[:m[0]], "\n") + 1
					t.Errorf("%s:%d says %q; the code's %s makes it %d", name, line, doc[m[0]:m[1]], c.konst, want)
				}
			}
		}
		if said == 0 {
			t.Errorf("no doc says %q any more: remove the claim from TestDocLimits, or say it again", c.re)
		}
	}
}

// TestDevelopingLayout: the layout table of docs/DEVELOPING.md names paths that exist and
// every Go package of the repository (those under bench/ and testdata folders by their
// folder), and the picture above it shows each package the table names.
func TestDevelopingLayout(t *testing.T) {
	var picture strings.Builder
	listed := map[string]docLine{}
	in, fence := "", false
	pathRE := regexp.MustCompile("`([^`]+)`")
	for _, l := range readDoc(t, "docs/DEVELOPING.md") {
		switch {
		case strings.HasPrefix(l.text, "## "):
			in = strings.TrimPrefix(l.text, "## ")
		case strings.HasPrefix(l.text, "```"):
			fence = !fence
		case in == "The picture" && fence:
			picture.WriteString(l.text + "\n")
		case in == "Layout" && strings.HasPrefix(l.text, "| `"):
			cell := strings.Split(strings.Trim(l.text, "|"), "|")[0]
			for _, m := range pathRE.FindAllStringSubmatch(cell, -1) {
				p := strings.TrimSuffix(m[1], "/")
				listed[p] = l
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s names %s, which does not exist: draw the layout as it is", l, m[1])
				}
			}
		}
	}
	if picture.Len() == 0 || len(listed) < 10 {
		t.Fatalf("docs/DEVELOPING.md has no picture (## The picture) or no layout table (## Layout)")
	}
	packages := map[string]bool{}
	for _, f := range repoFiles(t) {
		if strings.HasSuffix(f, ".go") {
			packages[path.Dir(f)] = true
		}
	}
	for dir := range packages {
		top, _, _ := strings.Cut(dir, "/")
		_, exact := listed[dir]
		_, topListed := listed[top]
		if dir != "." && !exact && !(topListed && (top == "bench" || strings.Contains(dir, "/testdata"))) {
			t.Errorf("the Go package %s/ is in no row of docs/DEVELOPING.md's layout table", dir)
		}
	}
	// Every file or folder of the repository the page names in code spans exists, but for
	// what a build writes (a root folder .gitignore names, such as dist/).
	ignore, err := os.ReadFile(".gitignore")
	if err != nil {
		t.Fatal(err)
	}
	fileRE := regexp.MustCompile("`((?:[a-z0-9_.-]+/)+(?:[a-z0-9_.-]+\\.(?:go|sh|tsv|md|json))?)`")
	for _, l := range readDoc(t, "docs/DEVELOPING.md") {
		for _, m := range fileRE.FindAllStringSubmatch(l.text, -1) {
			top, _, _ := strings.Cut(m[1], "/")
			if slices.Contains(strings.Split(string(ignore), "\n"), "/"+top+"/") {
				continue
			}
			if _, err := os.Stat(m[1]); err != nil {
				t.Errorf("%s names %s, which does not exist", l, m[1])
			}
		}
	}
	for p, l := range listed {
		if packages[p] && p != "." && !strings.Contains(picture.String(), p+"/") {
			t.Errorf("%s lists %s/, which the picture above it does not show", l, p)
		}
	}
}
