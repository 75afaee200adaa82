package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestInterruptExitsTwoWhateverFailedBefore: Ctrl-C ends a run with exit 2 even when checks
// failed before it, as the README's exit-code table says: an interrupted run is incomplete.
func TestInterruptExitsTwoWhateverFailedBefore(t *testing.T) {
	t.Parallel()
	p, dir := newFaultProxy(t, "t2-text-plain", delayed(50*time.Millisecond)), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, stdout, stderr := startChild(ctx, t, p.args(dir, "--timeout", "5s", "--label-filter", "T2")...)
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "F") { // a failed check's progress mark
		n, err := stdout.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			t.Fatalf("the run ended before it could be interrupted:\n%s\n%s", out.String(), stderr.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	out.Write(rest)
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 2 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, want 2 and a word that the run was interrupted\n%s\n%s", code, tail(out.String()), stderr.String())
	}
}
