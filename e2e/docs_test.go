package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/runner"
)

// protocolDoc is the project's home for protocol facts; every citation in the repository
// points there or to a public source.
const protocolDoc = "docs/PROTOCOL.md"

// requirementMapHeading introduces the table that maps each catalogue requirement to its
// public source and to the section of protocolDoc that explains it.
const requirementMapHeading = "## Requirement map"

// privateNotes is the prefix of the notes this project was first written from. They are
// not part of the repository, so a user who clones it cannot follow a citation of them.
// Built from two parts so that this file does not cite them itself.
var privateNotes = "shared" + "/"

// repoFiles lists the files a clone holds: git's index when this is a git work tree,
// otherwise every file under the current directory. Neither .git nor .ci (CI machinery)
// is part of the project's text.
func repoFiles(t *testing.T) []string {
	t.Helper()
	skip := func(name string) bool {
		return name == ".git" || name == ".ci" || strings.HasPrefix(name, ".git/") || strings.HasPrefix(name, ".ci/")
	}
	var files []string
	if out, err := exec.Command("git", "ls-files", "-z").Output(); err == nil {
		for _, name := range strings.Split(string(out), "\x00") {
			if name != "" && !skip(name) {
				files = append(files, name)
			}
		}
		return files
	}
	// Not a git work tree (an unpacked archive): walk, leaving out what .gitignore keeps
	// out of a clone (the binary and the reports a run writes).
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		slash := filepath.ToSlash(path)
		if skip(slash) || slash == "bin" || slash == runner.DefaultReportDir || slash == "reports/testdata/artifacts" || d.Name() == "node_modules" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, slash)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing the repository's files: %v", err)
	}
	return files
}

// TestNoCitationOfPrivateNotes: no file of the repository cites the private notes; facts
// from them live in docs/PROTOCOL.md, in the project's own words, with public sources.
func TestNoCitationOfPrivateNotes(t *testing.T) {
	files := repoFiles(t)
	if len(files) < 10 {
		t.Fatalf("found only %d files (%v): not the repository root?", len(files), files)
	}
	needle := []byte(privateNotes)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Contains(data, needle) {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, len(data)+1)
		for n := 1; sc.Scan(); n++ {
			if bytes.Contains(sc.Bytes(), needle) {
				line := sc.Text()
				if len(line) > 160 {
					i := strings.Index(line, privateNotes)
					line = "..." + line[max(0, i-60):min(len(line), i+80)] + "..."
				}
				t.Errorf("%s:%d cites %q, which a clone does not have; cite %s (a section) or the public source instead: %s",
					name, n, privateNotes, protocolDoc, line)
			}
		}
	}
}

// mapRow is one row of the requirement map.
type mapRow struct {
	line                      int
	id, level, source, places string
}

// requirementMap reads the rows of the table under requirementMapHeading.
func requirementMap(t *testing.T, doc string) []mapRow {
	t.Helper()
	var rows []mapRow
	in := false
	for n, line := range strings.Split(doc, "\n") {
		switch {
		case strings.TrimSpace(line) == requirementMapHeading:
			in = true
			continue
		case in && strings.HasPrefix(line, "## "):
			return rows
		case !in || !strings.HasPrefix(line, "|"):
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) < 5 || cells[0] == "ID" || strings.Trim(cells[0], "-: ") == "" {
			continue // header or separator
		}
		rows = append(rows, mapRow{line: n + 1, id: strings.Trim(cells[0], "`"), level: cells[1],
			source: cells[len(cells)-2], places: cells[len(cells)-1]})
	}
	if !in {
		t.Fatalf("%s has no %q section", protocolDoc, requirementMapHeading)
	}
	return rows
}

// anchor is GitHub's anchor for a Markdown heading: lower case, punctuation dropped,
// spaces turned into hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	headingRE = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	localLink = regexp.MustCompile(`\]\(#([^)]+)\)`)
)

// TestProtocolDocMapsEveryRequirement: docs/PROTOCOL.md's requirement map has one row per
// catalogue requirement, at the catalogue's level, with a public source and a link to a
// section of the document that exists, and no row for a requirement the catalogue lacks.
// Every link inside the document leads to one of its headings.
func TestProtocolDocMapsEveryRequirement(t *testing.T) {
	data, err := os.ReadFile(protocolDoc)
	if err != nil {
		t.Fatalf("the protocol facts the harness relies on must be in %s: %v", protocolDoc, err)
	}
	doc := string(data)
	anchors := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(doc, -1) {
		anchors[anchor(m[1])] = true
	}

	for _, l := range localLink.FindAllStringSubmatch(doc, -1) {
		if !anchors[l[1]] {
			t.Errorf("%s links #%s, which is no heading of it", protocolDoc, l[1])
		}
	}

	cat := catalogue.Default()
	seen := map[string]int{}
	for _, r := range requirementMap(t, doc) {
		where := protocolDoc + ":" + strconv.Itoa(r.line)
		req, ok := cat.Lookup(r.id)
		if !ok {
			t.Errorf("%s: requirement %q is not in the catalogue (catalogue/requirements.tsv)", where, r.id)
			continue
		}
		if prev, dup := seen[r.id]; dup {
			t.Errorf("%s: %s is mapped twice (first on line %d)", where, r.id, prev)
		}
		seen[r.id] = r.line
		if r.level != string(req.Level) {
			t.Errorf("%s: %s has level %q, the catalogue says %s", where, r.id, r.level, req.Level)
		}
		if r.source == "" {
			t.Errorf("%s: %s names no source", where, r.id)
		}
		links := localLink.FindAllStringSubmatch(r.places, -1)
		if len(links) == 0 {
			t.Errorf("%s: %s links no section of %s that explains it", where, r.id, protocolDoc)
		}
		for _, l := range links {
			if !anchors[l[1]] {
				t.Errorf("%s: %s links #%s, which is no heading of %s", where, r.id, l[1], protocolDoc)
			}
		}
	}
	for _, id := range cat.IDs() {
		if _, ok := seen[id]; !ok {
			t.Errorf("catalogue requirement %s has no row in %s's %q table", id, protocolDoc, requirementMapHeading)
		}
	}
}
