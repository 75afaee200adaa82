package runner

import (
	"errors"
	"fmt"
	"os"
)

// writableReportDir creates the report folder when it is missing and proves that a file
// can be written in it, before the run contacts anything: a read-only folder (a
// container's read-only root with no volume mounted at /reports, say) would otherwise be
// found only when the reports are written, after every check was made.
func writableReportDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report folder %s: %w; pass --report-dir a writable folder (in a container, mount a volume there)", dir, err)
	}
	f, err := os.CreateTemp(dir, ".umconform-write-check-*")
	if err != nil {
		return fmt.Errorf("report folder %s is not writable: %w; pass --report-dir a writable folder (in a container, mount a volume there)", dir, err)
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}
