package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/umconform/umconform/reference"
)

// playOnPhone matches the Body child of a PlayOnPhone request, with or without a prefix.
var playOnPhone = regexp.MustCompile(`<([A-Za-z_][\w.-]*:)?PlayOnPhone[\s/>]`)

// countingTarget is the reference server of profile behind a proxy that counts the
// requests it relays and the PlayOnPhone requests among them, in all and for each path
// (the UM web service's and EWS's): what a phone system sees.
type countingTarget struct {
	URL, EWSURL    string
	requests, pops atomic.Int32

	mu        sync.Mutex
	popsAtURL map[string]int // request path -> PlayOnPhone requests
}

// popsAt is the number of PlayOnPhone requests sent to path.
func (c *countingTarget) popsAt(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.popsAtURL[path]
}

func newCountingTarget(t *testing.T, profile string) *countingTarget {
	t.Helper()
	ref, err := reference.Start(context.Background(), reference.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	up, _ := url.Parse(ref.URL())
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: up.Scheme, Host: up.Host})
	c := &countingTarget{popsAtURL: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.requests.Add(1)
		if playOnPhone.Match(body) {
			c.pops.Add(1)
			c.mu.Lock()
			c.popsAtURL[r.URL.Path]++
			c.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL + up.Path
	c.EWSURL = srv.URL + reference.EWSPath
	return c
}

// targetArgs run against c as against a real server: its own number and voice mail item,
// and polling fast enough for a test.
func (c *countingTarget) args(dir string, more ...string) []string {
	return append([]string{"run", "--target", c.URL, "--dial-string", reference.DefaultDialString,
		"--entry-id", reference.DefaultEntryID, "--report-dir", dir, "--timeout", "8s",
		"--poll-interval", "10ms", "--poll-limit", "20"}, more...)
}

type reportCalls struct {
	CallsPlaced int `json:"calls_placed"`
	MaxCalls    int `json:"max_calls"`
	Checks      []struct {
		Name    string `json:"name"`
		Verdict string `json:"verdict"`
		Message string `json:"message"`
	} `json:"checks"`
}

func readReportCalls(t *testing.T, dir string) reportCalls {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r reportCalls
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCallEconomy counts, at the target, the PlayOnPhone requests a run sends: a default
// run shares one live call among the fixtures that only read it and places at most 8; the
// reports say how many; '!places-call' places none and still judges the rest; --list sends
// nothing at all.
func TestCallEconomy(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		c, dir, res := passingRun(t, "", nil, func(c *countingTarget, dir string) []string { return c.args(dir) })
		placed := int(c.pops.Load())
		t.Logf("%d PlayOnPhone requests of %d requests", placed, c.requests.Load())
		if placed > 8 || placed == 0 {
			t.Errorf("%d PlayOnPhone requests reached the target, want 1 to 8", placed)
		}
		r := readReportCalls(t, dir)
		if r.CallsPlaced != placed {
			t.Errorf("report.json says %d calls placed, the target saw %d", r.CallsPlaced, placed)
		}
		if want := "Calls placed: " + strconv.Itoa(placed) + " PlayOnPhone requests"; !strings.Contains(res.stdout, want) {
			t.Errorf("console lacks %q:\n%s", want, tail(res.stdout))
		}
		junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
		if !strings.Contains(string(junit), `name="calls.placed" value="`+strconv.Itoa(placed)+`"`) {
			t.Errorf("junit.xml lacks the calls.placed property %d", placed)
		}
	})
	t.Run("no calls", func(t *testing.T) {
		t.Parallel()
		c, dir, _ := passingRun(t, "", nil, func(c *countingTarget, dir string) []string { return c.args(dir, "--label-filter", "!places-call") })
		if n := c.pops.Load(); n != 0 {
			t.Errorf("%d PlayOnPhone requests with --label-filter '!places-call', want 0", n)
		}
		r := readReportCalls(t, dir)
		if r.CallsPlaced != 0 || len(r.Checks) < 50 {
			t.Errorf("report: %d calls placed, %d checks; want 0 calls and the checks that need none", r.CallsPlaced, len(r.Checks))
		}
	})
	t.Run("list", func(t *testing.T) {
		t.Parallel()
		c, dir := newCountingTarget(t, reference.ProfileExchange), t.TempDir()
		if res := umconform(t, nil, c.args(dir, "--list")...); res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res.stderr)
		}
		if n := c.requests.Load(); n != 0 {
			t.Errorf("--list sent %d requests to the target, want none", n)
		}
	})
}

// TestCallBudget: --max-calls caps the PlayOnPhone requests the target sees; the checks
// past the budget are reported as skipped with the reason, not failed, and the run passes.
func TestCallBudget(t *testing.T) {
	c, dir, _ := passingRun(t, ": skipped checks do not fail a run", []string{"UMCONFORM_MAX_CALLS=3"},
		func(c *countingTarget, dir string) []string { return c.args(dir) })
	if n := c.pops.Load(); n > 3 {
		t.Errorf("%d PlayOnPhone requests with a budget of 3", n)
	}
	r := readReportCalls(t, dir)
	skipped := 0
	for _, ch := range r.Checks {
		if ch.Verdict == "skipped" {
			skipped++
			if strings.Contains(ch.Message, "--second-username") || strings.Contains(ch.Message, "sends no credentials") {
				continue // an auth check, which this run without credentials cannot make (docs/AUTH.md)
			}
			if !strings.Contains(ch.Message, "--max-calls 3") {
				t.Errorf("%s: skipped with %q, want the budget named", ch.Name, ch.Message)
			}
		}
	}
	if skipped == 0 || r.MaxCalls != 3 || r.CallsPlaced != int(c.pops.Load()) {
		t.Errorf("%d skipped checks, max_calls %d, calls_placed %d (target saw %d)", skipped, r.MaxCalls, r.CallsPlaced, c.pops.Load())
	}
	junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if n := strings.Count(string(junit), "<skipped message="); n != skipped {
		t.Errorf("junit.xml has %d <skipped> testcases, report.json %d skipped checks", n, skipped)
	}
}

// passingRun starts a counting target in front of the reference server, runs umconform
// against it with the arguments args gives for the target and a new report folder, and
// stops the test unless the run exits 0: each call-economy case counts what a passing run
// sent. why says why exit 0 is expected when it is not obvious.
func passingRun(t *testing.T, why string, env []string, args func(c *countingTarget, dir string) []string) (*countingTarget, string, childResult) {
	t.Helper()
	c, dir := newCountingTarget(t, reference.ProfileExchange), t.TempDir()
	res := umconform(t, env, args(c, dir)...)
	if res.code != 0 {
		t.Fatalf("exit %d, want 0%s\n%s\n%s", res.code, why, tail(res.stdout), res.stderr)
	}
	return c, dir, res
}

// bothArgs run against c's UM web service and its EWS endpoint together.
func (c *countingTarget) bothArgs(dir string, more ...string) []string {
	return c.args(dir, append([]string{"--ews-target", c.EWSURL}, more...)...)
}

// ewsArgs run against c's EWS endpoint alone.
func (c *countingTarget) ewsArgs(dir string) []string {
	return []string{"run", "--ews-target", c.EWSURL, "--dial-string", reference.DefaultDialString,
		"--entry-id", reference.DefaultEntryID, "--report-dir", dir, "--timeout", "8s",
		"--poll-interval", "10ms", "--poll-limit", "20"}
}

// TestCallEconomyBothAPIs counts, at the target, the PlayOnPhone requests of a run against
// both APIs, for each path: each API sends 1 to 8 by default (and EWS alone 1 to 8 too),
// none with '!places-call', and --max-calls caps the two together.
func TestCallEconomyBothAPIs(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		c, dir, _ := passingRun(t, "", nil, func(c *countingTarget, dir string) []string { return c.bothArgs(dir) })
		um, ews := c.popsAt(reference.LegacyPath), c.popsAt(reference.EWSPath)
		t.Logf("PlayOnPhone requests: UM %d, EWS %d, of %d requests", um, ews, c.requests.Load())
		for api, n := range map[string]int{"UM": um, "EWS": ews} {
			if n < 1 || n > 8 {
				t.Errorf("%d %s PlayOnPhone requests reached the target, want 1 to 8", n, api)
			}
		}
		if r := readReportCalls(t, dir); r.CallsPlaced != um+ews {
			t.Errorf("report.json says %d calls placed, the target saw %d", r.CallsPlaced, um+ews)
		}
	})
	t.Run("ews only", func(t *testing.T) {
		t.Parallel()
		c, _, _ := passingRun(t, "", nil, func(c *countingTarget, dir string) []string { return c.ewsArgs(dir) })
		um, ews := c.popsAt(reference.LegacyPath), c.popsAt(reference.EWSPath)
		t.Logf("PlayOnPhone requests: EWS %d, of %d requests", ews, c.requests.Load())
		if um != 0 || ews < 1 || ews > 8 {
			t.Errorf("PlayOnPhone requests: UM %d, EWS %d; want none to UM and 1 to 8 to EWS", um, ews)
		}
	})
	t.Run("no calls", func(t *testing.T) {
		t.Parallel()
		c, dir, _ := passingRun(t, "", nil, func(c *countingTarget, dir string) []string { return c.bothArgs(dir, "--label-filter", "!places-call") })
		if um, ews := c.popsAt(reference.LegacyPath), c.popsAt(reference.EWSPath); um+ews != 0 {
			t.Errorf("PlayOnPhone requests with --label-filter '!places-call': UM %d, EWS %d; want none", um, ews)
		}
		if r := readReportCalls(t, dir); r.CallsPlaced != 0 || len(r.Checks) < 100 {
			t.Errorf("report: %d calls placed, %d checks; want 0 calls and the checks of both APIs that need none", r.CallsPlaced, len(r.Checks))
		}
	})
	// The budget is the run's, not each API's: 5 is fewer than either API places alone, so
	// a budget counted per API would let 10 through.
	t.Run("budget", func(t *testing.T) {
		t.Parallel()
		c, dir, _ := passingRun(t, ": skipped checks do not fail a run", nil, func(c *countingTarget, dir string) []string { return c.bothArgs(dir, "--max-calls", "5") })
		um, ews := c.popsAt(reference.LegacyPath), c.popsAt(reference.EWSPath)
		if um+ews > 5 || um == 0 || ews == 0 {
			t.Errorf("PlayOnPhone requests with --max-calls 5: UM %d, EWS %d; want 5 at most together, some to each", um, ews)
		}
		r := readReportCalls(t, dir)
		skipped := 0
		for _, ch := range r.Checks {
			if ch.Verdict == "skipped" {
				skipped++
			}
		}
		if r.CallsPlaced != um+ews || r.MaxCalls != 5 || skipped == 0 {
			t.Errorf("report: %d calls placed (target saw %d), max_calls %d, %d skipped checks", r.CallsPlaced, um+ews, r.MaxCalls, skipped)
		}
	})
}
