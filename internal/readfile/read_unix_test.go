//go:build unix

package readfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadPipe: a FIFO is read as a stream from the descriptor already open; opening it a
// second time would wait for a writer that has gone.
func TestReadPipe(t *testing.T) {
	name := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString("from a pipe")
		f.Close()
	}()
	got, err := Read(name, 100)
	if err != nil || string(got) != "from a pipe" {
		t.Errorf("Read(fifo) = %q, %v", got, err)
	}
}
