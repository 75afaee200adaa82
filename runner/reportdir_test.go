package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWritableReportDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := writableReportDir(dir); err != nil {
		t.Fatalf("a missing folder: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the check left %v in %s", left, dir)
	}
	// Under a regular file nothing can be created, even by root (a read-only mount is
	// the container case; the empty-root test in package main covers that one).
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := writableReportDir(filepath.Join(file, "reports"))
	if err == nil || !strings.Contains(err.Error(), "--report-dir") {
		t.Errorf("a folder under a file: %v, want an error naming --report-dir", err)
	}
	if err := writableReportDir(""); err != nil {
		t.Errorf("no report folder: %v", err)
	}
}
