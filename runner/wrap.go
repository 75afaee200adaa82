package runner

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// consoleWidth is the width the commands' tables fit: a terminal's 100 columns, which
// leaves room for a scroll bar or a tmux pane's border.
const consoleWidth = 100

// wrap breaks text into lines of at most width runes of text each, the lines after the
// first starting with indent (the caller's first line has a prefix as wide); a word
// longer than a line stands alone.
func wrap(text string, width int, indent string) []string {
	var (
		lines []string
		line  strings.Builder
		n     int
	)
	for word := range strings.FieldsSeq(text) {
		w := len([]rune(word))
		if n > 0 && n+1+w > width {
			lines = append(lines, line.String())
			line.Reset()
			line.WriteString(indent)
			n = 0
		}
		if n > 0 {
			line.WriteByte(' ')
			n++
		}
		line.WriteString(word)
		n += w
	}
	if n > 0 || len(lines) == 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// holdsFixture says whether folder dir, or one below it, holds a .json file: an empty
// --fixtures folder is a wrong setting, not a broken fixture.
func holdsFixture(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
