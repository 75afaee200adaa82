package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/nodesoap"
	"github.com/umconform/umconform/reference"
)

// recordEWSWithNodeSoap records node-soap, a WSDL-driven client, through "umconform
// record" against the reference server's EWS endpoint: it reads the WSDL (and the schema
// it imports) through the recorder, then places a call with PlayOnPhone, asks about it,
// ends it, and asks about an unknown call. It returns the recording's folder.
func recordEWSWithNodeSoap(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client, err := nodesoap.Install(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := reference.Start(ctx, reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "recorded")
	rc := startRecorderChild(t, "--upstream", srv.URL(), "--out", out)
	results, nodeOut, err := client.Run(ctx, "check-ews.mjs", "http://"+rc.addr+reference.EWSPath, reference.DefaultEntryID, reference.DefaultDialString)
	if err != nil {
		t.Fatalf("node-soap through the recorder: %v\n%s", err, nodeOut)
	}
	if r, _ := results["GetPhoneCallInformation"]["result"].(map[string]any); r["ResponseCode"] != "NoError" {
		t.Fatalf("node-soap's GetPhoneCallInformation through the recorder: %s", nodeOut)
	}
	rc.cmd.Process.Signal(syscall.SIGINT)
	if code := rc.wait(t); code != 0 {
		t.Fatalf("record exit %d\n%s", code, rc.stdout.String())
	}
	log := rc.stdout.String()
	for _, want := range []string{
		"GET " + reference.EWSPath + "?wsdl from ",
		"pointed at http://" + rc.addr,
		"stopped: 4 fixtures written",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the recorder's log does not say %q:\n%s", want, log)
		}
	}
	return out
}

// TestEWSUpgradeStory is the upgrade workflow for EWS, end to end: a WSDL-driven EWS
// client (node-soap) is recorded through "umconform record" against one server; the
// recording lints clean; "run --fixtures" replays it against a correct server (exit 0)
// and against one broken in the way the recording catches (an unknown PhoneCallId
// answered Success: exit 1, on E5 of the recorded exchange); "compare" of the two runs
// names the regression (exit 1).
func TestEWSUpgradeStory(t *testing.T) {
	out := recordEWSWithNodeSoap(t)
	corpus, err := fixtures.LoadDir(out)
	if err != nil {
		t.Fatalf("the recording does not load: %v", err)
	}
	var unknown string // the recorded GetPhoneCallInformation of an unknown call
	for _, f := range corpus {
		if f.API() != fixtures.EWS {
			t.Errorf("%s (%s) is not told as EWS", f.ID, f.Operation())
		}
		if f.Operation() == "GetPhoneCallInformation" && f.Expect.Outcome == fixtures.Error {
			unknown = f.ID
		}
		if strings.Contains(string(f.Request), reference.DefaultEntryID) || strings.Contains(string(f.Request), reference.DefaultDialString) {
			t.Errorf("%s keeps the ItemId or the dialled number", f.ID)
		}
	}
	if unknown == "" {
		t.Fatalf("no recorded error for the unknown PhoneCallId among %d fixtures", len(corpus))
	}
	if res := umconform(t, nil, "fixtures", "lint", out); res.code != 0 {
		t.Fatalf("lint exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// Only the recording's checks: the embedded corpus has its own proofs.
	base, broken := t.TempDir(), t.TempDir()
	res := umconform(t, nil, "run", "--fixtures", out, "--focus", "rec-", "--report-dir", base)
	if res.code != 0 {
		t.Fatalf("replay against the reference server: exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	replayed := 0
	for _, c := range readJUnit(t, base).cases() {
		if strings.Contains(c.Name, "rec-") {
			replayed++
		}
	}
	if replayed < len(corpus) {
		t.Fatalf("%d checks replayed the %d recorded exchanges", replayed, len(corpus))
	}
	res = umconform(t, nil, "run", "--fixtures", out, "--focus", "rec-", "--profile", "e5-unknown-id-succeeds", "--report-dir", broken)
	if res.code != 1 {
		t.Fatalf("replay against the broken profile: exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	failed := map[string]bool{}
	for _, c := range readJUnit(t, broken).cases() {
		if c.Failure != nil {
			failed[c.Name] = true
		}
	}
	caught := false
	for name := range failed {
		if strings.Contains(name, unknown) && strings.Contains(name, "E5") {
			caught = true
		}
	}
	if !caught {
		t.Errorf("no E5 failure on %s; failed: %v", unknown, failed)
	}

	res = umconform(t, nil, "compare", filepath.Join(base, "report.json"), filepath.Join(broken, "report.json"))
	if res.code != 1 || !strings.Contains(res.stdout, unknown) || !strings.Contains(strings.ToLower(res.stdout), "regression") {
		t.Errorf("compare: exit %d, want 1 naming the regression of %s\n%s\n%s", res.code, unknown, res.stdout, res.stderr)
	}
	t.Logf("compare:\n%s", res.stdout)

	// One host, both APIs: a target given as the host alone replays the EWS recordings
	// against its /EWS/Exchange.asmx. Given only the UM endpoint, the EWS recordings have
	// nowhere to go: each is a broken fixture naming the fix (exit 2), none is dropped.
	srv, err := reference.Start(context.Background(), reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host := strings.TrimSuffix(srv.URL(), reference.LegacyPath)
	real := []string{"--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID, "--fixtures", out, "--focus", "rec-"}
	res = umconform(t, nil, append([]string{"run", "--target", host, "--report-dir", t.TempDir()}, real...)...)
	if res.code != 0 {
		t.Errorf("replay against --target %s: exit %d, want 0\n%s\n%s", host, res.code, res.stdout, res.stderr)
	}
	res = umconform(t, nil, append([]string{"run", "--target", srv.URL(), "--report-dir", t.TempDir()}, real...)...)
	if res.code != 2 || !strings.Contains(res.stdout+res.stderr, "has no EWS endpoint") || !strings.Contains(res.stdout+res.stderr, "--target https://HOST") {
		t.Errorf("EWS recordings for a UM-only target: exit %d, want 2 saying there is no EWS endpoint\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}
