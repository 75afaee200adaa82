package reference

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umconform/umconform/internal/nodesoap"
)

// TestWSDLLoadsInAMainstreamToolkit loads ?wsdl in node-soap (the most used SOAP client of
// the npm registry), lets it generate a client and calls the three operations with it: the
// WSDL's structure test cannot tell whether a toolkit can actually use it.
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
	if _, faulted := results["GetCallInfo-unknown"]["fault"]; !faulted || !strings.Contains(out, "InvalidCallIdException") {
		t.Errorf("an unknown CallId did not come back as a Fault naming InvalidCallIdException: %s", out)
	}
}

// runNodeSoap runs a node-soap client script (internal/nodesoap) against a fresh reference
// server, at the endpoint endpoint names, and returns its output and its results by "op".
func runNodeSoap(t *testing.T, script string, endpoint func(*Server) string) (string, nodesoap.Results) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client := installNodeSoap(ctx, t)
	srv, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	results, out, err := client.Run(ctx, script, endpoint(srv), DefaultEntryID, DefaultDialString)
	if err != nil {
		t.Fatalf("node-soap could not use the WSDL (%s): %v\n%s", script, err, out)
	}
	return out, results
}

// installNodeSoap installs the pinned node-soap once per test process: the UM and EWS
// toolkit tests share one npm ci.
func installNodeSoap(ctx context.Context, t *testing.T) *nodesoap.Client {
	t.Helper()
	nodeSoapOnce.Do(func() {
		if nodeSoapDir, nodeSoapErr = os.MkdirTemp("", "umconform-node-soap-"); nodeSoapErr == nil {
			nodeSoapClient, nodeSoapErr = nodesoap.Install(ctx, nodeSoapDir)
		}
	})
	if nodeSoapErr != nil {
		t.Fatal(nodeSoapErr)
	}
	return nodeSoapClient
}

var (
	nodeSoapOnce   sync.Once
	nodeSoapDir    string
	nodeSoapClient *nodesoap.Client
	nodeSoapErr    error
)
