package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixturesLintBothAPIs: one folder holds UM and EWS recordings; lint tells them apart
// and holds each to its own API's outcomes and bindings.
func TestFixturesLintBothAPIs(t *testing.T) {
	dir := t.TempDir()
	copyFixture := func(from, id string, edit func([]byte) []byte) {
		for _, ext := range []string{".json", ".request.http"} {
			b, err := os.ReadFile(filepath.Join(from, id+ext))
			if err != nil {
				t.Fatal(err)
			}
			if ext == ".json" && edit != nil {
				b = edit(b)
			}
			if err := os.WriteFile(filepath.Join(dir, id+ext), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	copyFixture("fixtures/corpus", "gci-callid-unknown", nil)
	copyFixture("fixtures/ews", "ews-gpci-unknown-id", nil)
	lint := func() (int, string) {
		var stdout, stderr bytes.Buffer
		code := dispatch([]string{"fixtures", "lint", dir}, nil, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := lint(); code != 0 || !strings.Contains(out, "2 fixtures, no problems (1 UM, 1 EWS)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// The UM fixture expects EWS's outcome; the EWS one binds a UM CallId.
	copyFixture("fixtures/corpus", "gci-callid-unknown", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"outcome": "fault"`), []byte(`"outcome": "error"`), 1)
	})
	copyFixture("fixtures/ews", "ews-gpci-unknown-id", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"expect"`), []byte(`"bind_call_id": "x", "expect"`), 1)
	})
	code, out := lint()
	for _, want := range []string{
		`gci-callid-unknown.json: field "expect.outcome": "error" is EWS's outcome`,
		`ews-gpci-unknown-id.json: field "bind_call_id": a UM CallId binding in an EWS request`,
	} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("exit %d, want 1 saying %q:\n%s", code, want, out)
		}
	}
}
