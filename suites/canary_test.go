package suites

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
)

// TestCanaryInWorkDir: the X1 canary is written in the run's work folder (created when
// missing), readable by a target running as another user, named in the request, and
// removed by the probe's cleanup: nothing is left in, or needed from, /tmp.
func TestCanaryInWorkDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	h, err := canaryProbe(dir, callAPI{name: "UM", ask: "GetCallInfo", probeRequest: umProbeRequest, paddedRequest: umPaddedRequest})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "umconform-canary-*.txt"))
	if len(files) != 1 {
		t.Fatalf("canary files in %s: %v, want one", dir, files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("canary %s: %v, mode %v; want 0644", files[0], err, fi.Mode())
	}
	if !strings.Contains(string(h.f.Request), fileURI(files[0])) {
		t.Errorf("the request does not name %s", fileURI(files[0]))
	}
	h.cleanup()
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Errorf("canary %s still there after cleanup: %v", files[0], err)
	}
}

// fetchingServer is a SOAP server written by hand, unlike the reference: it resolves every
// external entity its request declares by fetching the URL (as a parser with network
// resolution on does), and answers every request with a Fault that quotes nothing.
func fetchingServer(t *testing.T) *httptest.Server {
	decl := regexp.MustCompile(`<!ENTITY\s+\w+\s+SYSTEM\s+"([^"]+)"`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		for _, m := range decl.FindAllSubmatch(body, -1) {
			if resp, err := http.Get(string(m[1])); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, envelopeOf(aFault))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// probeAPI is api's view of a server for the hostile requests alone.
func probeAPI(t *testing.T, name, target string) callAPI {
	u, _ := url.Parse(target)
	tr := &http.Transport{DisableCompression: true}
	RecordHeads(tr)
	t.Cleanup(tr.CloseIdleConnections)
	api := callAPI{name: name, ask: "GetCallInfo", probeRequest: umProbeRequest,
		sender: &Sender{Target: u, Client: &http.Client{Transport: tr}, Timeout: 5 * time.Second, Validator: validator(t)}}
	if name == "EWS" {
		api.ask, api.probeRequest = "GetPhoneCallInformation", ewsProbeRequest
	}
	return api
}

// TestCanaryURLProvesExpansionWithoutEcho: on both APIs, a server that fetches the URL an
// external entity names fails X1 by the canary URL probe, although it quotes nothing (the
// file probes, which need an echo, pass it); a server that refuses the DTD passes. The
// listener is gone once the probe is done.
func TestCanaryURLProvesExpansionWithoutEcho(t *testing.T) {
	safe, err := reference.NewHandler(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	safeSrv := httptest.NewServer(safe)
	t.Cleanup(safeSrv.Close)
	fetcher := fetchingServer(t)
	e := &Env{canary: canaryAt("127.0.0.1:0"), cfg: Config{WorkDir: t.TempDir()}}
	for _, c := range []struct {
		api, target string
		fails       bool
	}{
		{"UM", fetcher.URL + reference.LegacyPath, true},
		{"EWS", fetcher.URL + reference.EWSPath, true},
		{"UM", safeSrv.URL + reference.LegacyPath, false},
		{"EWS", safeSrv.URL + reference.EWSPath, false},
	} {
		t.Run(c.api+" "+c.target, func(t *testing.T) {
			api := probeAPI(t, c.api, c.target)
			h, err := e.canaryURLProbe(api)
			if err != nil {
				t.Fatal(err)
			}
			ex, o := api.sender.SendAndJudge(t.Context(), h.f, fixtures.Values{}, h.judge)
			h.cleanup()
			if o.CannotJudge || o.Pass == c.fails {
				t.Fatalf("X1 %+v (err %v), want failed %v", o, ex.Err, c.fails)
			}
			if c.fails && !strings.Contains(o.Actual, "fetched") {
				t.Errorf("X1's words: %q", o.Actual)
			}
			if c.api == "EWS" && !strings.Contains(string(h.f.Request), "<t:DateTimePrecision>&xxe;</t:DateTimePrecision>") {
				t.Errorf("the EWS probe does not refer to the entity in a header it may quote")
			}
			// The probes that need an echo miss a server that quotes nothing.
			file := wellKnownProbe("xxe-etc-passwd", "file:///etc/passwd", regexp.MustCompile(`root:[^:\r\n]*:0:0:`))
			fh, _ := file(api)
			if _, o := api.sender.SendAndJudge(t.Context(), fh.f, fixtures.Values{}, fh.judge); !o.Pass {
				t.Errorf("the file probe: %+v", o)
			}
		})
	}
	if c := e.canary; c.users != 0 || c.srv != nil {
		t.Errorf("the canary listener still runs: %d users", c.users)
	}
}
