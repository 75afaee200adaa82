package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchRun is shaped like bench/run.sh's N = 1 000 run: seven passing checks per
// exchange, the T1 check of each keeping the request and response as evidence.
func benchRun(exchanges int) Run {
	reqs := []struct{ id, area string }{{"C1", "callid"}, {"S1", "schema"}, {"S2", "schema"}, {"S3", "schema"}, {"T1", "transport"}, {"T2", "transport"}, {"X5", "robustness"}}
	run := Run{Name: "reference", Target: "http://127.0.0.1:34043/EWS/UM2007Legacy.asmx (embedded reference server, profile exchange)",
		Started: time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC), Duration: 7 * time.Second, HarnessVersion: "(devel)", CatalogueVersion: "2026-11-27.3"}
	request := "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCallInfo xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><CallId>MDlkZjllZGMtNGUyMy00NzA5LWJkYWYtN2JlMjBjYjBhZTU2</CallId></GetCallInfo></soap:Body></soap:Envelope>"
	response := "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCallInfoResponse xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></soap:Body></soap:Envelope>"
	for i := range exchanges {
		fixture := fmt.Sprintf("bench-%06d-gci-doc-request", i)
		for _, r := range reqs {
			c := Check{Name: fmt.Sprintf("[%s] %s: The documentation's request, with a live CallId", r.id, fixture),
				Requirements: []string{r.id}, Level: "MUST", Area: r.area, Fixture: fixture,
				FixtureFile: "/tmp/umconform-bench/fixtures-1000/" + fixture + ".json", Verdict: Passed, Duration: 1373 * time.Nanosecond}
			if r.id == "T1" {
				c.Evidence = Evidence{Request: request, Status: 200, Response: response}
			}
			run.Checks = append(run.Checks, c)
		}
	}
	return run
}

// BenchmarkWriteAll writes the three reports of a 7 000-check run, as a run of 1 000
// exchanges does after its last check.
func BenchmarkWriteAll(b *testing.B) {
	run := benchRun(1000)
	dir := b.TempDir()
	for b.Loop() {
		if err := WriteAll(dir, run); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJUnit(b *testing.B) { benchWriter(b, WriteJUnit) }
func BenchmarkWriteJSON(b *testing.B)  { benchWriter(b, WriteJSON) }
func BenchmarkWriteHTML(b *testing.B)  { benchWriter(b, WriteHTML) }

func benchWriter(b *testing.B, write func(w io.Writer, run Run) error) {
	run := benchRun(1000)
	for b.Loop() {
		if err := write(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMergeFourShards merges four shards of 2 500 exchanges each (17 500 checks a
// shard, 70 000 in all) as umconform merge does: read the four report.json files, merge
// them, write junit.xml, report.json and report.html. Its parts are timed on their own too.
func BenchmarkMergeFourShards(b *testing.B) {
	dir := b.TempDir()
	shards := shardsOf(benchRun(10_000), 4, func(c Check) int { return exchangeOf(c) % 4 })
	var paths []string
	for _, p := range shards {
		path := filepath.Join(dir, p.Path)
		if err := WriteFile(path, p.Run, WriteJSON); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, path)
	}
	read := func() []Part {
		parts := make([]Part, len(paths))
		for i, path := range paths {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			run, err := ReadJSON(f)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			parts[i] = Part{Path: path, Run: run}
		}
		return parts
	}
	out := filepath.Join(dir, "merged")
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			merged, err := Merge(read())
			if err != nil {
				b.Fatal(err)
			}
			if err := WriteAll(out, merged); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			read()
		}
	})
	parts := read()
	b.Run("merge", func(b *testing.B) {
		for b.Loop() {
			if _, err := Merge(parts); err != nil {
				b.Fatal(err)
			}
		}
	})
	merged, _ := Merge(parts)
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			if err := WriteAll(out, merged); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// exchangeOf is the number of the exchange a benchRun check judges.
func exchangeOf(c Check) int {
	n, err := strconv.Atoi(strings.TrimPrefix(c.Fixture, "bench-")[:6])
	if err != nil {
		panic(err)
	}
	return n
}

// benchExchanges is the size of the reports BenchmarkCompareFiles and BenchmarkMergeFiles
// generate: 10 000 exchanges (70 000 checks), and 100 000 with
// UMCONFORM_BENCH_EXCHANGES=100000 (700 000 checks, about 450 MB of report.json each).
func benchExchanges(b *testing.B) int {
	n := 10_000
	if s := os.Getenv("UMCONFORM_BENCH_EXCHANGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("UMCONFORM_BENCH_EXCHANGES=%q: want a number of exchanges", s)
		}
	}
	return n
}

// writeBenchReport writes report.json of n exchanges shaped like benchRun's into dir,
// through a spool and WriteSpooled as a run writes it, so that generating a large report
// does not hold it; change alters a check per thousand, pick keeps some exchanges only.
func writeBenchReport(b *testing.B, dir string, n int, sel *Selection, change bool, pick func(int) bool) string {
	sp, err := NewSpool()
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	for chunk := 0; chunk < n; chunk += 1000 {
		run := benchRun(min(1000, n-chunk)) // exchanges numbered from 0 in each chunk
		for i, c := range run.Checks {
			k := chunk + i/7
			if !pick(k) {
				continue
			}
			fixture := fmt.Sprintf("bench-%06d-gci-doc-request", k)
			c.Name = strings.Replace(c.Name, c.Fixture, fixture, 1)
			c.Fixture = fixture
			if change && k%1000 == 3 && i%7 == 2 {
				c.Verdict = Failed
			}
			if change && k%1000 == 7 && c.Evidence.Status != 0 {
				c.Evidence.Status = 500
			}
			sp.Add(c)
		}
	}
	run := benchRun(0)
	run.Selection = sel
	if sel != nil {
		run.Started = run.Started.Add(time.Duration(sel.Shard) * time.Second)
	}
	if _, err := WriteSpooled(dir, run, sp); err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, "report.json")
}

// peakHeap samples the heap in use while fn runs and reports its peak in MiB: what
// streaming must keep flat as reports grow.
func peakHeap(b *testing.B, fn func()) {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// BenchmarkCompareFiles compares two reports of benchExchanges exchanges that differ in a
// check and a response per thousand, as umconform compare does.
func BenchmarkCompareFiles(b *testing.B) {
	n := benchExchanges(b)
	dir := b.TempDir()
	all := func(int) bool { return true }
	base := writeBenchReport(b, filepath.Join(dir, "base"), n, nil, false, all)
	next := writeBenchReport(b, filepath.Join(dir, "new"), n, nil, true, all)
	b.ResetTimer()
	peakHeap(b, func() {
		for b.Loop() {
			d, err := CompareFiles(base, next, DefaultVolatile())
			if err != nil {
				b.Fatal(err)
			}
			if got := d.Totals(); got.Regressions != (n+996)/1000 {
				b.Fatalf("%d regressions, want %d", got.Regressions, (n+996)/1000)
			}
		}
	})
}

// BenchmarkMergeFiles merges four shards of benchExchanges exchanges in all and writes
// the three reports, as umconform merge does.
func BenchmarkMergeFiles(b *testing.B) {
	n := benchExchanges(b)
	dir := b.TempDir()
	var paths []string
	for k := 1; k <= 4; k++ {
		sel := &Selection{Shard: k, Shards: 4}
		paths = append(paths, writeBenchReport(b, filepath.Join(dir, fmt.Sprint(k)), n, sel, false, func(i int) bool { return i%4 == k-1 }))
	}
	out := filepath.Join(dir, "merged")
	b.ResetTimer()
	peakHeap(b, func() {
		for b.Loop() {
			run, sp, err := MergeFiles(paths)
			if err != nil {
				b.Fatal(err)
			}
			merged, err := WriteSpooled(out, run, sp)
			sp.Close()
			if err != nil {
				b.Fatal(err)
			}
			if merged.Total() != 7*n {
				b.Fatalf("%d checks merged, want %d", merged.Total(), 7*n)
			}
		}
	})
}
