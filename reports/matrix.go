package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/umconform/umconform/catalogue"
)

// Matrix is the requirement × target view of several runs: a vendor comparison.
type Matrix struct {
	Format           string          `json:"format"`
	CatalogueVersion string          `json:"catalogue_version"`
	Targets          []MatrixTarget  `json:"targets"`
	Requirements     []MatrixRequire `json:"requirements"`
}

// MatrixTarget is one column: a target and where its own reports are.
type MatrixTarget struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Report string `json:"report"` // NAME/report.json, relative to the matrix
}

// MatrixRequire is one row: a requirement and its verdict on each target (absent when no
// check of it ran there).
type MatrixRequire struct {
	ID       string             `json:"id"`
	Level    string             `json:"level"`
	Text     string             `json:"text"`
	Verdicts map[string]Verdict `json:"verdicts"`
}

// matrixFormat names the layout of matrix.json.
const matrixFormat = "umconform-matrix/1"

// NewMatrix builds the matrix of runs (each Run.Name names its target) over the catalogue.
func NewMatrix(runs []Run, cat catalogue.Catalogue) Matrix {
	m := Matrix{Format: matrixFormat, CatalogueVersion: catalogue.Version}
	for _, run := range runs {
		m.Targets = append(m.Targets, MatrixTarget{Name: run.Name, Target: run.Target, Report: run.Name + "/report.json"})
	}
	for _, r := range cat {
		row := MatrixRequire{ID: r.ID, Level: string(r.Level), Text: r.Text, Verdicts: map[string]Verdict{}}
		for _, run := range runs {
			for _, s := range run.ByRequirement([]string{r.ID}) {
				if s.ID == r.ID {
					row.Verdicts[run.Name] = s.Verdict()
				}
			}
		}
		m.Requirements = append(m.Requirements, row)
	}
	return m
}

// WriteMatrix writes matrix.json and matrix.html for several runs into dir, atomically.
func WriteMatrix(dir string, runs []Run) error {
	cat := catalogue.Default()
	m := NewMatrix(runs, cat)
	jsonPath := filepath.Join(dir, "matrix.json")
	if err := WriteFile(jsonPath, Run{}, func(w io.Writer, _ Run) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(m)
	}); err != nil {
		return fmt.Errorf("writing %s: %w", jsonPath, err)
	}
	htmlPath := filepath.Join(dir, "matrix.html")
	if err := WriteFile(htmlPath, Run{}, func(w io.Writer, _ Run) error { return writeHTML(w, runs, cat) }); err != nil {
		return fmt.Errorf("writing %s: %w", htmlPath, err)
	}
	return nil
}

// WriteMatrixTable writes the matrix for a console: a row per requirement, a column per target.
func WriteMatrixTable(w io.Writer, runs []Run, cat catalogue.Catalogue) error {
	m := NewMatrix(runs, cat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"REQUIREMENT", "LEVEL"}
	for _, t := range m.Targets {
		head = append(head, strings.ToUpper(t.Name))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range m.Requirements {
		cells := []string{r.ID, r.Level}
		for _, t := range m.Targets {
			v, ok := r.Verdicts[t.Name]
			if !ok {
				v = "-"
			}
			cells = append(cells, strings.ToUpper(string(v)))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
