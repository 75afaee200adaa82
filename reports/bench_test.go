package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
