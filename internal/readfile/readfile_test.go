package readfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit int64
		want  string
	}{
		{100, "0123456789"},
		{10, "0123456789"},
		{4, "01234"}, // limit+1 bytes: the caller sees the file is over its limit
	} {
		got, err := Read(name, tc.limit)
		if err != nil || string(got) != tc.want {
			t.Errorf("Read(limit %d) = %q, %v; want %q", tc.limit, got, err, tc.want)
		}
	}
	if got, err := Read(filepath.Join(dir, "empty"), 10); err == nil {
		t.Errorf("a missing file: %q, no error", got)
	} else if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("a missing file: %v; want a not-exist error naming it", err)
	}
	if _, err := Read(dir, 10); err == nil {
		t.Error("a folder read without error")
	}
}
