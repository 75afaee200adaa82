package reports

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteAllWritesEveryReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	if err := WriteAll(dir, sampleRun()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// No temporary file left behind: each report was renamed into place.
	if want := []string{"junit.xml", "report.html", "report.json"}; !slices.Equal(names, want) {
		t.Errorf("report folder holds %q, want %q", names, want)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, raw)
}

func TestWriteAllReportsAnUnwritableFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(file, sampleRun()); err == nil {
		t.Error("writing into a file instead of a folder succeeded")
	}
}
