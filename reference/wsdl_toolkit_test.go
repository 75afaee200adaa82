package reference

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWSDLLoadsInAMainstreamToolkit loads ?wsdl in node-soap (the most used SOAP client of
// the npm registry), lets it generate a client and calls the three operations with it: the
// WSDL's structure test cannot tell whether a toolkit can actually use it. make test has
// Node.js and npm (Debian's packages are installed when missing); the package is pinned by
// testdata/wsdl-client/package-lock.json.
func TestWSDLLoadsInAMainstreamToolkit(t *testing.T) {
	out, results := runNodeSoap(t, "check.mjs", (*Server).URL)
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

// runNodeSoap runs a client script of testdata/wsdl-client with node-soap against a fresh
// reference server, at the endpoint endpoint names, and returns its output and its JSON
// lines by their "op".
func runNodeSoap(t *testing.T, script string, endpoint func(*Server) string) ([]byte, map[string]map[string]any) {
	t.Helper()
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
	dir := nodeSoap(ctx, t, npm)
	srv, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	run := exec.CommandContext(ctx, node, script, endpoint(srv), DefaultEntryID, DefaultDialString)
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node-soap could not use the WSDL (%s): %v\n%s", script, err, out)
	}
	lines := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			lines[line["op"].(string)] = line
		}
	}
	return out, lines
}

// nodeSoap installs the pinned node-soap once per test process into a folder holding the
// client scripts of testdata/wsdl-client, and returns the folder: the UM and EWS toolkit
// tests share one npm ci.
func nodeSoap(ctx context.Context, t *testing.T, npm string) string {
	t.Helper()
	nodeSoapOnce.Do(func() {
		dir, err := os.MkdirTemp("", "umconform-node-soap-")
		if err != nil {
			nodeSoapErr = err
			return
		}
		files, _ := filepath.Glob(filepath.Join("testdata", "wsdl-client", "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
			}
			if err != nil {
				nodeSoapErr = err
				return
			}
		}
		install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			nodeSoapErr = fmt.Errorf("npm ci: %v\n%s", err, out)
		}
		nodeSoapDir = dir
	})
	if nodeSoapErr != nil {
		t.Fatal(nodeSoapErr)
	}
	return nodeSoapDir
}

var (
	nodeSoapOnce sync.Once
	nodeSoapDir  string
	nodeSoapErr  error
)
