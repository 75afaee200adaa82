package reports

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes a report to path atomically (a temporary file renamed into place), so
// an interrupted run never leaves a half-written report where CI looks for one.
func WriteFile(path string, run Run, write func(io.Writer, Run) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	// Buffered: html/template and the XML encoder write in small pieces, one system call
	// each otherwise.
	buf := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(buf, run); err != nil {
		tmp.Close()
		return err
	}
	if err := buf.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("report file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}
