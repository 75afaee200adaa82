// Package nodesoap drives node-soap, the most used SOAP client of the npm registry, for the
// tests that must show a WSDL-reading toolkit at work: that it can use the reference
// server's WSDL, and that its calls go through the recorder.
//
// It needs Node.js and npm (make test installs Debian's packages when they are missing) and
// the npm registry or npm's cache; the package is pinned by client/package-lock.json.
package nodesoap

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed client/package.json client/package-lock.json client/check.mjs client/check-ews.mjs
var client embed.FS

// Client is node-soap installed in a folder.
type Client struct {
	node, dir string
}

// Install writes the pinned client into dir (an empty folder, such as t.TempDir()) and
// installs node-soap there with npm ci.
func Install(ctx context.Context, dir string) (*Client, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node not found: run make test, which installs Node.js and npm when they are missing")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, errors.New("npm not found: run make test, which installs Node.js and npm when they are missing")
	}
	for _, f := range []string{"package.json", "package-lock.json", "check.mjs", "check-ews.mjs"} {
		b, err := client.ReadFile("client/" + f)
		if err != nil {
			return nil, fmt.Errorf("nodesoap: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return nil, fmt.Errorf("nodesoap: %w", err)
		}
	}
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("npm ci: %w\n%s", err, out)
	}
	return &Client{node: node, dir: dir}, nil
}

// Results holds what node-soap returned for each call, keyed by "PlayOnPhone",
// "GetCallInfo", "Disconnect" and "GetCallInfo-unknown" (a made-up CallId); each value has
// "result" (the parsed answer) or "fault".
type Results map[string]map[string]any

// Call loads serviceURL?wsdl, lets node-soap generate a client from it, and calls
// PlayOnPhone(entryID, dialString), then GetCallInfo and Disconnect of the CallId it
// returned, then GetCallInfo of an unknown CallId. It returns the results and node's
// whole output, for messages; err says when node-soap could not load the WSDL or a call
// failed outright.
func (c *Client) Call(ctx context.Context, serviceURL, entryID, dialString string) (Results, string, error) {
	return c.Run(ctx, "check.mjs", serviceURL, entryID, dialString)
}

// Run runs one of the client's scripts against serviceURL and collects its JSON lines:
// check.mjs (what Call runs) or check-ews.mjs, the EWS endpoint's PlayOnPhone,
// GetPhoneCallInformation and DisconnectPhoneCall through its WSDL.
func (c *Client) Run(ctx context.Context, script, serviceURL, entryID, dialString string) (Results, string, error) {
	run := exec.CommandContext(ctx, c.node, script, serviceURL, entryID, dialString)
	run.Dir = c.dir
	out, err := run.CombinedOutput()
	results := Results{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if op, ok := line["op"].(string); ok {
			results[op] = line
		}
	}
	if err != nil {
		return results, string(out), fmt.Errorf("node-soap: %w", err)
	}
	return results, string(out), nil
}
