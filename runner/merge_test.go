package runner

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/reports"
)

// The same merge, run twice into the folder that holds the shards (CI's "merge
// reports/ into reports/"), succeeds both times: the second finds the first's merged
// report.json among the shards and must take it for its own output, not a third shard.
func TestMergeTwiceIntoTheInputFolder(t *testing.T) {
	dir := t.TempDir()
	started := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for k := 1; k <= 2; k++ {
		run := reports.Run{
			Name: "default", Target: "http://127.0.0.1:1/EWS/UM2007Legacy.asmx", Started: started.Add(time.Duration(k) * time.Second),
			Duration: time.Second, HarnessVersion: "v", CatalogueVersion: "c",
			Selection: &reports.Selection{Shard: k, Shards: 2},
			Checks: []reports.Check{{Name: fmt.Sprintf("[T1] f%d", k), Requirements: []string{"T1"}, Level: "MUST",
				Fixture: fmt.Sprintf("f%d", k), Verdict: reports.Passed}},
		}
		if err := reports.WriteAll(filepath.Join(dir, fmt.Sprintf("shard-%d", k)), run); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 2; i++ {
		var errs strings.Builder
		if code := Merge(MergeConfig{ReportDir: dir, Inputs: []string{dir}}, io.Discard, &errs); code != ExitOK {
			t.Fatalf("merge %d: exit %d, want 0: %s", i, code, errs.String())
		}
	}
	// A merged report named as a file is still refused: that is a user's mistake.
	var errs strings.Builder
	if code := Merge(MergeConfig{ReportDir: t.TempDir(), Inputs: []string{filepath.Join(dir, "report.json"), filepath.Join(dir, "shard-1")}}, io.Discard, &errs); code != ExitCannotRun || !strings.Contains(errs.String(), "already merged") {
		t.Errorf("a merged report named: exit %d, %q; want 2 naming it already merged", code, errs.String())
	}
}
