package catalogue

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// row is one data line of a catalogue file: its line number and its columns.
type row struct {
	n    int
	cols []string
}

// readTSV reads the rows of one of the catalogue's tab-separated files (requirements.tsv,
// statements.tsv): '#' lines and blank lines are comments, the first other line is the
// header, which must be header, and the last column may be left out. It returns the
// problems of the file's shape, each naming its line; what names the file in a read error.
func readTSV(data []byte, header []string, what string) ([]row, []string, error) {
	var (
		rows     []row
		problems []string
		seen     = false
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if !seen {
			seen = true
			if strings.Join(cols, ",") != strings.Join(header, ",") {
				problems = append(problems, fmt.Sprintf("line %d: header is %q, want %s", n, cols, strings.Join(header, ", ")))
			}
			continue
		}
		if len(cols) == len(header)-1 {
			cols = append(cols, "") // the last column is optional
		}
		if len(cols) != len(header) {
			problems = append(problems, fmt.Sprintf("line %d: %d columns, want %d or %d separated by tabs", n, len(cols), len(header)-1, len(header)))
			continue
		}
		rows = append(rows, row{n, cols})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", what, err)
	}
	return rows, problems, nil
}
