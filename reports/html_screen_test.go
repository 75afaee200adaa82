package reports

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// probeScript measures in the browser what a person sees on opening the report: the
// computed colour and the position of the verdict badges, chips and the failure index,
// where each index entry leads, which rows are folded and which response lines are
// marked. It writes its findings into the page as JSON, which --dump-dom returns. The
// report itself has no script: the test adds this one to a copy.
const probeScript = `<script>
const rect = e => e.getBoundingClientRect();
const out = {width: innerWidth, height: innerHeight};
out.badges = [...document.querySelectorAll('.badge.v-failed')].map(b => ({color: getComputedStyle(b).backgroundColor, top: rect(b).top}));
out.chips = [...document.querySelectorAll('.chip')].map(c => ({tag: c.tagName, href: c.getAttribute('href') || '', text: c.textContent, color: getComputedStyle(c).backgroundColor, top: rect(c).top}));
out.index = [...document.querySelectorAll('ul.failures a')].map(a => {
  const to = document.getElementById(a.getAttribute('href').slice(1));
  return {text: a.textContent, top: rect(a).top, bottom: rect(a).bottom,
    target: to ? to.tagName + '.' + to.className + (to.open ? ' open' : '') : '',
    evidence: to ? to.querySelectorAll('.expect, .listing').length : 0};
});
out.groups = [...document.querySelectorAll('details.check')].map(d => ({title: d.querySelector('summary').textContent, top: rect(d).top,
  marked: [...d.querySelectorAll('.sample .listing tr.mark td:nth-child(2)')].map(td => td.textContent)}));
out.notChecked = [...document.querySelectorAll('.badge')].filter(b => b.textContent === 'NOT CHECKED' && rect(b).height > 0).length;
const folded = document.querySelector('details.unchecked');
out.folded = folded ? {open: folded.open, summary: folded.querySelector('summary').textContent, rows: folded.querySelectorAll('tr').length - 1} : null;
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>`

type probe struct {
	Width, Height float64
	Badges        []struct {
		Color string
		Top   float64
	}
	Chips []struct {
		Tag, Href, Text, Color string
		Top                    float64
	}
	Index []struct {
		Text, Target string
		Top, Bottom  float64
		Evidence     int
	}
	Groups []struct {
		Title  string
		Top    float64
		Marked []string
	}
	NotChecked int
	Folded     *struct {
		Open    bool
		Summary string
		Rows    int
	}
}

// failedRed is --failed of the report's CSS as a browser computes it.
const failedRed = "rgb(207, 34, 46)"

// screenRun is htmlRun with the failures that name a node without a line number: a
// lifecycle check (a node path alone) and an EWS check (only the element and value in
// its actual field), as the suites write them.
func screenRun() Run {
	run := htmlRun()
	run.Checks = append(run.Checks,
		Check{Name: "[L2] gci-doc-request: GetCallInfo about a live call", Requirements: []string{"L2"}, Level: "MUST", Area: "lifecycle",
			Fixture: "gci-doc-request", Verdict: Failed, Duration: 40 * time.Millisecond,
			Message: "L2 (MUST) broken: EventCause is None whenever CallState is not Disconnected\n" +
				"  expected: EventCause None while the call is Connecting\n" +
				"  actual:   EventCause Other\n" +
				"  where:    /Envelope/Body/GetCallInfoResponse/GetCallInfoResponse/EventCause",
			Evidence: Evidence{Request: sampleRequest, Status: 200, Response: strings.Replace(strings.Replace(minifiedRinging, "Ringing", "Connecting", 1), ">None<", ">Other<", 1)}},
		Check{Name: "[E9] ews-gpci-doc-request: GetPhoneCallInformation about a live call", Requirements: []string{"E9"}, Level: "MUST", Area: "ews",
			Fixture: "ews-gpci-doc-request", Verdict: Failed, Duration: 30 * time.Millisecond,
			Message: "E9 (MUST) broken: ConnectionFailureCause is None whenever PhoneCallState is not Disconnected\n" +
				"  expected: ConnectionFailureCause None while the call is Connecting\n" +
				"  actual:   ConnectionFailureCause Other\n" +
				"  where:    GetPhoneCallInformation answer 1 of 1",
			Evidence: Evidence{Request: sampleRequest, Status: 200, Response: "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\n <s:Body>\n  <m:GetPhoneCallInformationResponse>\n" +
				"   <m:PhoneCallInformation>\n    <t:PhoneCallState>Connecting</t:PhoneCallState>\n    <t:ConnectionFailureCause>Other</t:ConnectionFailureCause>\n" +
				"   </m:PhoneCallInformation>\n  </m:GetPhoneCallInformationResponse>\n </s:Body>\n</s:Envelope>"}},
	)
	return run
}

// TestHTMLFirstScreen opens the report of a failing run in Chromium at 1400x900 and
// measures what a person sees before scrolling: every FAILED badge red, the failures
// listed on the first screen, each entry leading to its open group with its evidence,
// the failed chip a link, the requirements no check reached folded away, and the node
// each failure names marked in its response, whatever way its message names it.
func TestHTMLFirstScreen(t *testing.T) {
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	if err := WriteHTML(&page, screenRun()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts, "first-screen.html")
	if err := os.WriteFile(path, []byte(strings.Replace(page.String(), "</body>", probeScript+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := browser(t, path, "--window-size=1400,900", "--dump-dom")
	m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe script left no result:\n%s", dom)
	}
	var p probe
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p); err != nil {
		t.Fatalf("probe: %v\n%s", err, m[1])
	}
	// Headless Chromium keeps part of the window for its (invisible) frame, as a browser
	// window keeps part for its bars: the first screen is the viewport that is left.
	if p.Width != 1400 || p.Height > 900 || p.Height < 700 {
		t.Fatalf("the viewport is %vx%v, want 1400 wide in a 1400x900 window", p.Width, p.Height)
	}
	if len(p.Badges) == 0 {
		t.Fatal("no FAILED badge")
	}
	for i, b := range p.Badges {
		if b.Color != failedRed {
			t.Errorf("FAILED badge %d is %s, want red %s", i, b.Color, failedRed)
		}
	}
	var failedChip bool
	for _, c := range p.Chips {
		if strings.HasSuffix(c.Text, " failed") {
			failedChip = true
			if c.Tag != "A" || !strings.HasPrefix(c.Href, "#run0-group") || c.Color != failedRed || c.Top > p.Height {
				t.Errorf("the failed chip must be a red link on the first screen: %+v", c)
			}
		}
	}
	if !failedChip {
		t.Error("no failed chip")
	}
	if len(p.Index) != len(p.Groups) || len(p.Index) < 6 {
		t.Fatalf("the failure index lists %d entries for %d groups", len(p.Index), len(p.Groups))
	}
	for _, e := range p.Index {
		if e.Bottom > p.Height {
			t.Errorf("%q is below the first screen (%v px of %v)", e.Text, e.Bottom, p.Height)
		}
		if strings.HasPrefix(e.Text, "FAILED") && (!strings.HasPrefix(e.Target, "DETAILS.check failed") || !strings.HasSuffix(e.Target, " open") || e.Evidence == 0) {
			t.Errorf("%q must lead to its open group with its evidence: %s, %d evidence blocks", e.Text, e.Target, e.Evidence)
		}
	}
	if p.Groups[0].Top > p.Height {
		t.Errorf("the first failure starts at %v px, below the first screen", p.Groups[0].Top)
	}
	if p.NotChecked != 0 || p.Folded == nil || p.Folded.Open || p.Folded.Rows < 10 || !strings.Contains(p.Folded.Summary, "not checked") {
		t.Errorf("the requirements not checked must be folded: %d shown, folded %+v", p.NotChecked, p.Folded)
	}
	wantMarked := map[string]string{"L2 (MUST)": "<EventCause>Other</EventCause>", "E9 (MUST)": "<t:ConnectionFailureCause>Other</t:ConnectionFailureCause>",
		"S2 (MUST) broken by 3": "<CallState>Ringing</CallState>"}
	for prefix, want := range wantMarked {
		found := false
		for _, g := range p.Groups {
			if strings.Contains(g.Title, prefix) {
				found = true
				if len(g.Marked) != 1 || strings.TrimSpace(g.Marked[0]) != want {
					t.Errorf("%s: marked %q, want the line %q", g.Title, g.Marked, want)
				}
			}
		}
		if !found {
			t.Errorf("no group %q", prefix)
		}
	}
	shot, err := filepath.Abs(filepath.Join(artifacts, "first-screen.png"))
	if err != nil {
		t.Fatal(err)
	}
	browser(t, path, "--screenshot="+shot, "--window-size=1400,900")
}
