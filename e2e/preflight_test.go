package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/umconform/umconform/reference"
)

// TestPreflightNamesTheWrongSetting: the run tries the user's settings before any check.
// A target that refuses the entry id or the dial string, the credentials or has no SOAP
// endpoint at the URL stops the run with exit 2 and one line naming the setting and what
// the target answered: not a failed check, and at most one PlayOnPhone per API.
func TestPreflightNamesTheWrongSetting(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     []string
		ews      bool
		want     []string
		maxPops  int32
		wantPops int32
	}{
		{"entry id", []string{"--entry-id", "not-a-voice-mail-item"}, false,
			[]string{`--entry-id "not-a-voice-mail-item"`, "InvalidObjectIdException", "voice mail item"}, 1, 1},
		{"dial string", []string{"--dial-string", "no-such-number"}, false,
			[]string{`--dial-string "no-such-number"`, "DialingRulesException", "dial plan"}, 1, 1},
		{"entry id, both APIs", []string{"--entry-id", "not-a-voice-mail-item"}, true,
			[]string{`--entry-id "not-a-voice-mail-item": the UM endpoint refused it`, `--entry-id "not-a-voice-mail-item": the EWS endpoint refused it`, "ErrorInvalidIdMalformed"}, 2, 2},
		{"entry id, no calls placed", []string{"--entry-id", "not-a-voice-mail-item", "--label-filter", "!places-call"}, false,
			nil, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tg, dir := newCountingTarget(t, reference.ProfileExchange), t.TempDir()
			args := tg.args(dir, c.args...)
			if c.ews {
				args = append(args, "--target", "ref="+tg.URL, "--ews-target", "ref="+strings.TrimSuffix(tg.URL, reference.LegacyPath)+reference.EWSPath)
				args = keepLastTarget(args)
			}
			res := umconform(t, nil, args...)
			if n := tg.pops.Load(); n > c.maxPops || n < c.wantPops {
				t.Errorf("%d PlayOnPhone requests reached the target, want %d", n, c.wantPops)
			}
			if c.want == nil { // no PlayOnPhone, so nothing refuses the entry id: the run goes on
				if res.code != 0 {
					t.Errorf("exit %d, want 0\n%s\n%s", res.code, tail(res.stdout), res.stderr)
				}
				return
			}
			if res.code != 2 {
				t.Errorf("exit %d, want 2\n%s\n%s", res.code, tail(res.stdout), res.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			if strings.Contains(res.stdout, "FAILED") || strings.Contains(res.stdout, "failed") {
				t.Errorf("a check was blamed:\n%s", tail(res.stdout))
			}
			if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
				t.Error("a report was written for a run that checked nothing")
			}
		})
	}
}

// keepLastTarget keeps the last --target of args: the EWS case names the target to pair it.
func keepLastTarget(args []string) []string {
	var out []string
	last := -1
	for i := range args {
		if args[i] == "--target" {
			last = i
		}
	}
	for i := 0; i < len(args); i++ {
		if args[i] == "--target" && i != last {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// TestPreflightCredentialsAndEndpoint: a 401 or 403, or a URL answering an HTML page, is the
// user's setting: exit 2 naming it, with or without calls, and no PlayOnPhone where the
// filter places none.
func TestPreflightCredentialsAndEndpoint(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		ct     string
		filter string
		want   string
	}{
		{"401", 401, "text/html", "", "--username: the UM endpoint refused it: HTTP 401"},
		{"403 without calls", 403, "text/html", "!places-call", "--username: the UM endpoint refused it: HTTP 403"},
		{"no SOAP endpoint", 404, "text/html", "", "--target: the UM endpoint refused it"},
		{"no SOAP endpoint without calls", 200, "text/html", "!places-call", "no SOAP endpoint there"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var pops, reqs atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reqs.Add(1)
				b := make([]byte, 1<<16)
				n, _ := r.Body.Read(b)
				if playOnPhone.Match(b[:n]) {
					pops.Add(1)
				}
				w.Header().Set("Content-Type", c.ct)
				w.WriteHeader(c.status)
				w.Write([]byte("<html><body>IIS</body></html>"))
			}))
			defer srv.Close()
			dir := t.TempDir()
			args := []string{"run", "--target", srv.URL + reference.LegacyPath, "--dial-string", "1", "--entry-id", "x", "--report-dir", dir}
			if c.filter != "" {
				args = append(args, "--label-filter", c.filter)
			}
			res := umconform(t, nil, args...)
			if res.code != 2 || !strings.Contains(res.stderr, c.want) {
				t.Errorf("exit %d, want 2 and %q\n%s", res.code, c.want, res.stderr)
			}
			if want := int32(map[bool]int{true: 0, false: 1}[c.filter != ""]); pops.Load() != want {
				t.Errorf("%d PlayOnPhone requests, want %d", pops.Load(), want)
			}
			if n := reqs.Load(); n > 3 {
				t.Errorf("%d requests reached the target, want at most 3 (a GET, the pre-flight)", n)
			}
		})
	}
}
