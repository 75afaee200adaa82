package suites_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGinkgoParallelProcesses runs the suites the Ginkgo way in two processes: checks then
// record their results in Ginkgo's report (each process runs a share of the specs, the
// first writes the reports), not in the process that judged them. Every selected check
// must come back, passed.
func TestGinkgoParallelProcesses(t *testing.T) {
	dir := t.TempDir()
	// -test.run keeps the child processes from running this test again.
	cmd := exec.Command("go", "tool", "ginkgo", "-p", "--procs=2", "--label-filter=T1 || C2", ".", "--", "-test.run=^TestConformance$")
	cmd.Env = append(os.Environ(), "UMCONFORM_REPORT_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool ginkgo -p: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Checks []struct {
			Name         string   `json:"name"`
			Requirements []string `json:"requirements"`
			Verdict      string   `json:"verdict"`
			Message      string   `json:"message"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	perReq := map[string]int{}
	for _, c := range report.Checks {
		if c.Verdict != "passed" {
			t.Errorf("%s: %s: %s", c.Name, c.Verdict, c.Message)
		}
		perReq[c.Requirements[0]]++
	}
	// T1 is judged on every replayed fixture (the embedded corpus has over 40), C2 on a few.
	if perReq["T1"] < 40 || perReq["C2"] == 0 || len(perReq) != 2 {
		t.Errorf("checks per requirement %v: want T1 on every fixture, C2 on some, nothing else", perReq)
	}
}
