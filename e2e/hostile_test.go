package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A hostile target is one that a run must survive with bounded time and memory: it takes
// requests and never answers, answers a byte a second, sends gigabytes, or sends documents
// built to make a parser blow up. Each answers GET like an ASMX endpoint (a short page),
// so that the run's preflight request finds it and the run starts; only the SOAP requests
// (POST) meet the hostile behaviour.

// envOpen and envClose wrap a hostile body in a SOAP response, so that it reaches the
// parser rather than being refused for its first bytes.
const (
	envOpen  = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">`
	envClose = `</GetCallInfoResponse></soap:Body></soap:Envelope>`
)

// hostileBehaviour is one way a target misbehaves, and what a run against it must end with.
type hostileBehaviour struct {
	name  string
	serve func(w http.ResponseWriter, r *http.Request)
	// stops: the run must stop sending after a few requests in a row without a complete
	// answer and exit 2, saying so; otherwise the target answers (badly) and the run judges
	// every check, exiting 1 for what the target broke.
	stops bool
	// args narrow the run where the behaviour is about one document, not many: the parser
	// meets it on the first exchange, and a run of every fixture only takes longer.
	args []string
}

// fewFixtures is the label filter of the behaviours that need only a few exchanges.
var fewFixtures = []string{"--label-filter", "gci-doc-request || gci-callid-unknown"}

// dripBytes writes b one byte at a time, a second apart, until the client gives up.
func dripBytes(w io.Writer, flush func(), b []byte) {
	for _, c := range b {
		if _, err := w.Write([]byte{c}); err != nil {
			return
		}
		flush()
		time.Sleep(time.Second)
	}
}

// writeUntilGone writes chunk until the client closes the connection or total bytes are
// written (total < 0: forever).
func writeUntilGone(w io.Writer, chunk []byte, total int64) {
	for n := int64(0); total < 0 || n < total; n += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

var (
	gzipBombOnce sync.Once
	gzipBombBody []byte
)

// gzipBomb is a SOAP response of 1 GiB once inflated and about 1 MB on the wire: 1 024
// gzip members of 1 MiB of spaces each (RFC 1952 allows any number of members in a row).
func gzipBomb() []byte {
	gzipBombOnce.Do(func() {
		member := func(b []byte) []byte {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			return buf.Bytes()
		}
		spaces := member(bytes.Repeat([]byte(" "), 1<<20))
		var out bytes.Buffer
		out.Write(member([]byte(envOpen)))
		for range 1024 {
			out.Write(spaces)
		}
		out.Write(member([]byte(envClose)))
		gzipBombBody = out.Bytes()
	})
	return gzipBombBody
}

// billionLaughs is an entity-expansion bomb (about 3 GB expanded) in a response.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	for i := 1; i <= 9; i++ {
		prev := "lol"
		if i > 1 {
			prev = fmt.Sprintf("lol%d", i-1)
		}
		fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
	}
	b.WriteString(`]>` + strings.TrimPrefix(envOpen, `<?xml version="1.0" encoding="utf-8"?>`) + `<CallState>&lol9;</CallState>` + envClose)
	return b.String()
}

func hostileBehaviours() []hostileBehaviour {
	xml := func(w http.ResponseWriter) { w.Header().Set("Content-Type", "text/xml; charset=utf-8") }
	var attrs strings.Builder
	for i := range 50_000 {
		fmt.Fprintf(&attrs, ` a%d=""`, i)
	}
	attributes := envOpen + "<a" + attrs.String() + "/>" + envClose
	return []hostileBehaviour{
		{name: "never-answers", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // takes the request and waits until the client gives up
		}},
		{name: "drips-body-1-byte-per-second", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			w.Header().Set("Content-Length", "100000")
			dripBytes(w, w.(http.Flusher).Flush, []byte(envOpen+strings.Repeat(" ", 100000-len(envOpen))))
		}},
		{name: "drips-headers-1-byte-per-second", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			dripBytes(buf, func() { buf.Flush() }, []byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 10\r\n\r\n<a></a>   "))
		}},
		{name: "9-MiB-of-headers", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n")
			line := "X-Padding: " + strings.Repeat("x", 1000) + "\r\n"
			for range 9 << 20 / len(line) {
				if _, err := buf.WriteString(line); err != nil {
					return
				}
			}
			buf.WriteString("Content-Length: 7\r\n\r\n<a></a>")
			buf.Flush()
		}},
		{name: "2-GiB-with-content-length", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			w.Header().Set("Content-Length", fmt.Sprint(int64(2)<<30))
			writeUntilGone(w, bytes.Repeat([]byte("<a>x</a>"), 8192), 2<<30)
		}},
		{name: "endless-chunked", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			writeUntilGone(w, bytes.Repeat([]byte("<a>x</a>"), 8192), -1)
		}},
		{name: "gzip-bomb", stops: true, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipBomb())
		}},
		{name: "nested-a-million-deep", serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w) // 3 MB: within the read limit, so it reaches the parser
			w.Write([]byte(envOpen + strings.Repeat("<a>", 1_000_000)))
		}},
		{name: "900-000-elements-wide", args: fewFixtures, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			w.Write([]byte(envOpen + strings.Repeat("<a/>", 900_000) + envClose))
		}},
		{name: "50-000-attributes", args: fewFixtures, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			w.Write([]byte(attributes))
		}},
		{name: "entity-bomb", args: fewFixtures, serve: func(w http.ResponseWriter, r *http.Request) {
			xml(w)
			w.Write([]byte(billionLaughs()))
		}},
		{name: "entity-bomb-utf-16", args: fewFixtures, serve: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml; charset=utf-16")
			// UTF-16 hides "<!DOCTYPE" from a byte scan; libxml2 sees it.
			w.Write(utf16LE(strings.Replace(billionLaughs(), `encoding="utf-8"`, `encoding="utf-16"`, 1)))
		}},
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// startHostile serves b's behaviour to POSTs and a short page to GETs, counting the POSTs.
func startHostile(t testing.TB, b hostileBehaviour, posts *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body>UM2007Legacy web service</body></html>")
			return
		}
		posts.Add(1)
		io.Copy(io.Discard, r.Body)
		b.serve(w, r)
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

var (
	builtOnce   sync.Once
	builtPath   string
	builtErr    error
	peakOnce    sync.Once
	peakRSSPath string
	peakErr     error
)

// builtBinary is umconform built as users build it: the test binary runs with the race
// detector under "make test", which multiplies memory use, so peak RSS is measured on a
// real build. UMCONFORM_HOSTILE_BINARY names another build to measure instead (an older
// commit's, to compare).
func builtBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("UMCONFORM_HOSTILE_BINARY"); bin != "" {
		return bin
	}
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "umconform-hostile-")
		if err != nil {
			builtErr = err
			return
		}
		builtPath = filepath.Join(dir, "umconform")
		out, err := exec.Command("go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			builtErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		peakRSSPath = filepath.Join(dir, "peakrss")
		if out, err := exec.Command("go", "build", "-o", peakRSSPath, "./e2e/testdata/peakrss").CombinedOutput(); err != nil {
			builtErr = fmt.Errorf("go build ./e2e/testdata/peakrss: %v\n%s", err, out)
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtPath
}

// peakRSS is the path of testdata/peakrss, built with the harness by builtBinary.
func peakRSS(t testing.TB) string {
	t.Helper()
	builtBinary(t)
	if peakRSSPath == "" { // UMCONFORM_HOSTILE_BINARY named the harness: build peakrss alone
		peakOnce.Do(func() {
			dir, err := os.MkdirTemp("", "umconform-peakrss-")
			if err == nil {
				peakRSSPath = filepath.Join(dir, "peakrss")
				var out []byte
				if out, err = exec.Command("go", "build", "-o", peakRSSPath, "./e2e/testdata/peakrss").CombinedOutput(); err != nil {
					err = fmt.Errorf("go build ./e2e/testdata/peakrss: %v\n%s", err, out)
				}
			}
			peakErr = err
		})
		if peakErr != nil {
			t.Fatal(peakErr)
		}
	}
	return peakRSSPath
}

// removeBuiltBinary removes what builtBinary built; TestMain calls it.
func removeBuiltBinary() {
	if builtPath != "" {
		os.RemoveAll(filepath.Dir(builtPath))
	}
	if peakRSSPath != "" {
		os.RemoveAll(filepath.Dir(peakRSSPath))
	}
}

// hostileRun is what one run against a hostile target did.
type hostileRun struct {
	code           int
	stdout, stderr string
	wall           time.Duration
	maxRSS         int64 // bytes, the child's peak resident set (getrusage)
	posts          int32
}

// runHostile runs the built umconform against b's target.
func runHostile(t testing.TB, bin string, b hostileBehaviour, dir string, args ...string) hostileRun {
	t.Helper()
	var posts atomic.Int32
	srv := startHostile(t, b, &posts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The child's peak memory is measured by peakrss, a small process between this one and
	// the harness (testdata/peakrss says why).
	rssFile := filepath.Join(t.TempDir(), "peak-rss")
	cmd := exec.CommandContext(ctx, peakRSS(t), append([]string{rssFile, bin, "run", "--target", srv.URL + "/EWS/UM2007Legacy.asmx",
		"--dial-string", "+15550100", "--entry-id", "AAMk", "--report-dir", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	run := hostileRun{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String(), posts: posts.Load()}
	if ee, ok := err.(*exec.ExitError); ok {
		run.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	raw, err := os.ReadFile(rssFile)
	if err != nil {
		t.Fatalf("%s: the child's peak memory was not measured: %v", b.name, err)
	}
	if run.maxRSS, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
		t.Fatalf("%s: peak memory %q: %v", b.name, raw, err)
	}
	return run
}

// ownFault is how a scenario's check that erred on its own request names the fault (the
// HTTP probes', H1 and H2, as a replayed request's: no complete response).
var ownFault = regexp.MustCompile(`(?:not followed to its end|was not placed|were not followed|not followed until it was disconnected|no complete response).*: (?:timeout|truncated|reset|other|tls): `)

// maxHostileRSS is the peak resident memory a run may reach against any target: a normal
// run peaks near 100 MiB, and a CI container of 512 MiB must hold it with room to spare.
const maxHostileRSS = 256 << 20

// TestHostileTargets runs the harness against each hostile behaviour: every run ends with
// the exit code it owes, a JUnit file with every planned check and a report.json that
// validates, within maxHostileRSS of memory; against a target that stopped answering, the
// run stops sending after a few requests and says why. The wall time against each, with
// the issue's --timeout 3s, is BenchmarkHostileTargets's.
func TestHostileTargets(t *testing.T) {
	bin := builtBinary(t)
	planned := map[string]int{} // checks a run plans, by its arguments
	argsOf := func(b hostileBehaviour) []string { return append([]string{"--timeout", "500ms"}, b.args...) }
	for _, b := range hostileBehaviours() {
		if key := strings.Join(argsOf(b), " "); planned[key] == 0 {
			planned[key] = listedChecks(t, append([]string{"--target", "http://127.0.0.1:1/EWS/UM2007Legacy.asmx", "--dial-string", "+15550100", "--entry-id", "AAMk"}, argsOf(b)...)...)
		}
	}
	for _, b := range hostileBehaviours() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel() // most of them wait on timeouts
			args := argsOf(b)
			want := planned[strings.Join(args, " ")]
			dir := t.TempDir()
			run := runHostile(t, bin, b, dir, args...)
			t.Logf("%s: exit %d in %v, peak RSS %d MiB, %d POSTs", b.name, run.code, run.wall.Round(time.Millisecond), run.maxRSS>>20, run.posts)
			if run.maxRSS == 0 || run.maxRSS > maxHostileRSS {
				t.Errorf("peak RSS %d MiB, want at most %d MiB", run.maxRSS>>20, maxHostileRSS>>20)
			}
			j := readJUnit(t, dir)
			if len(j.cases()) != want {
				t.Errorf("JUnit has %d checks, want every one of the %d planned", len(j.cases()), want)
			}
			validateReportFile(t, filepath.Join(dir, "report.json"))
			var report struct{ Stopped string }
			if raw, err := os.ReadFile(filepath.Join(dir, "report.json")); err != nil || json.Unmarshal(raw, &report) != nil {
				t.Fatalf("report.json: %v", err)
			}
			if !b.stops {
				if run.code != 1 || report.Stopped != "" || j.Failures == 0 {
					t.Errorf("exit %d with %d failures (stopped %q); want 1: the target answered, and broke requirements\n%s", run.code, j.Failures, report.Stopped, tail(run.stdout))
				}
				return
			}
			if run.code != 2 || !strings.Contains(report.Stopped, "the target stopped answering: 5 ") {
				t.Errorf("exit %d, stopped %q; want 2 and the reason\n%s\n%s", run.code, report.Stopped, tail(run.stdout), run.stderr)
			}
			if !strings.Contains(run.stdout, "The run stopped sending requests: the target stopped answering") {
				t.Errorf("the console does not say why the run stopped:\n%s", tail(run.stdout))
			}
			// Five requests in a row without an answer stop the run; none is sent after,
			// whatever the suite (a few may have been in flight at once).
			if run.posts > 10 {
				t.Errorf("%d requests reached a target that had stopped answering", run.posts)
			}
			// Every check not judged on one of the exchanges before the run stopped names why.
			// The scenarios that follow calls start with the replay: their first requests
			// are among those before the run stopped, and their checks err naming that
			// request's fault, or X5 fails on it: an answer that never came in time.
			judgedBefore := map[string]bool{}
			var scenarios []string // lifecycle and robustness checks that name no cause
			for _, c := range j.cases() {
				switch {
				case c.Error != nil && strings.Contains(c.Error.Text, "the target stopped answering"):
				case c.prop("fixture") == "" && c.Error != nil && ownFault.MatchString(c.Error.Text):
				case c.prop("fixture") == "" && c.Failure != nil && strings.HasPrefix(c.Name, "[X5]") && strings.Contains(c.Failure.Text, "timeout"):
				case c.prop("fixture") == "":
					scenarios = append(scenarios, c.Name)
				default:
					judgedBefore[c.prop("fixture")] = true
				}
			}
			if len(judgedBefore) > 5 || len(scenarios) > 0 {
				t.Errorf("checks of %d fixtures and %d scenario checks do not name the cause, want only those of the 5 requests before the run stopped; scenarios: %.300q",
					len(judgedBefore), len(scenarios), scenarios)
			}
		})
	}
}

// BenchmarkHostileTargets measures a whole run of every check against each hostile target
// with --timeout 3s (goal: at most 60 s and 256 MiB): wall seconds and peak RSS in MiB per
// run. go test -run '^$' -bench HostileTargets -benchtime 1x . (make bench runs it).
func BenchmarkHostileTargets(b *testing.B) {
	bin := builtBinary(b)
	for _, h := range hostileBehaviours() {
		b.Run(h.name, func(b *testing.B) {
			var wall time.Duration
			var rss int64
			for range b.N {
				run := runHostile(b, bin, h, b.TempDir(), "--timeout", "3s") // every check, as a user runs it
				wall += run.wall
				rss = max(rss, run.maxRSS)
			}
			b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/run")
			b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
		})
	}
}
