package reference

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWSDLLoadsInAMainstreamToolkit loads ?wsdl in node-soap (the most used SOAP client of
// the npm registry), lets it generate a client and calls the three operations with it: the
// WSDL's structure test cannot tell whether a toolkit can actually use it. make test has
// Node.js and npm (Debian's packages are installed when missing); the package is pinned by
// testdata/wsdl-client/package-lock.json.
func TestWSDLLoadsInAMainstreamToolkit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: run make test, which installs Node.js and npm when they are missing")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("npm not found: run make test, which installs Node.js and npm when they are missing")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "check.mjs"} {
		b, err := os.ReadFile(filepath.Join("testdata", "wsdl-client", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}

	srv, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	run := exec.CommandContext(ctx, node, "check.mjs", srv.URL(), DefaultEntryID, DefaultDialString)
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node-soap could not use the WSDL: %v\n%s", err, out)
	}
	results := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			results[line["op"].(string)] = line
		}
	}
	pop, _ := results["PlayOnPhone"]["result"].(map[string]any)
	if id, _ := pop["PlayOnPhoneResponse"].(string); id == "" {
		t.Errorf("PlayOnPhone through node-soap returned no CallId: %s", out)
	}
	info, _ := results["GetCallInfo"]["result"].(map[string]any)
	inner, _ := info["GetCallInfoResponse"].(map[string]any)
	if state, _ := inner["CallState"].(string); state == "" || inner["EventCause"] != "None" {
		t.Errorf("GetCallInfo through node-soap: %s", out)
	}
	if _, ok := results["Disconnect"]; !ok {
		t.Errorf("Disconnect through node-soap failed: %s", out)
	}
	if _, faulted := results["GetCallInfo-unknown"]["fault"]; !faulted || !strings.Contains(string(out), "InvalidCallIdException") {
		t.Errorf("an unknown CallId did not come back as a Fault naming InvalidCallIdException: %s", out)
	}
}
