package reference

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/internal/nodesoap"
)

// TestWSDLLoadsInAMainstreamToolkit loads ?wsdl in node-soap (the most used SOAP client of
// the npm registry), lets it generate a client and calls the three operations with it: the
// WSDL's structure test cannot tell whether a toolkit can actually use it.
func TestWSDLLoadsInAMainstreamToolkit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client, err := nodesoap.Install(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	results, out, err := client.Call(ctx, srv.URL(), DefaultEntryID, DefaultDialString)
	if err != nil {
		t.Fatalf("node-soap could not use the WSDL: %v\n%s", err, out)
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
	if _, faulted := results["GetCallInfo-unknown"]["fault"]; !faulted || !strings.Contains(out, "InvalidCallIdException") {
		t.Errorf("an unknown CallId did not come back as a Fault naming InvalidCallIdException: %s", out)
	}
}
