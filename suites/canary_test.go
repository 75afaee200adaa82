package suites

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umconform/umconform/api"
)

// TestCanaryInWorkDir: the X1 canary is written in the run's work folder (created when
// missing), readable by a target running as another user, named in the request, and
// removed by the probe's cleanup: nothing is left in, or needed from, /tmp.
func TestCanaryInWorkDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	h, err := canaryProbe(dir, callAPI{id: api.UM, ask: "GetCallInfo", probeRequest: umProbeRequest, paddedRequest: umPaddedRequest})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "umconform-canary-*.txt"))
	if len(files) != 1 {
		t.Fatalf("canary files in %s: %v, want one", dir, files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("canary %s: %v, mode %v; want 0644", files[0], err, fi.Mode())
	}
	if !strings.Contains(string(h.f.Request), fileURI(files[0])) {
		t.Errorf("the request does not name %s", fileURI(files[0]))
	}
	h.cleanup()
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Errorf("canary %s still there after cleanup: %v", files[0], err)
	}
}
