// Command reportgen writes the report.json files bench/reports.sh measures umconform
// merge and compare on, through the reports package's own streamed writer (a Spool and
// WriteSpooled, as umconform run writes them), so that generating 700 000 checks takes no
// more memory than the commands measured:
//
//	reportgen -exchanges N -out DIR
//
// writes DIR/base/report.json and DIR/new/report.json (seven checks an exchange, the T1
// check keeping a request and a response, shaped like bench/run.sh's runs; the new run
// fails one check in 1 000 and answers one fixture in 1 000 otherwise) and the four
// shards of the base run, DIR/shards/K/report.json.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/umconform/umconform/reports"
)

func main() {
	n := flag.Int("exchanges", 10000, "exchanges per report (seven checks each)")
	out := flag.String("out", "", "`folder` to write the reports into")
	flag.Parse()
	if *n <= 0 || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := generate(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "reportgen:", err)
		os.Exit(1)
	}
}

const (
	request  = "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCallInfo xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><CallId>MDlkZjllZGMtNGUyMy00NzA5LWJkYWYtN2JlMjBjYjBhZTU2</CallId></GetCallInfo></soap:Body></soap:Envelope>"
	response = "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCallInfoResponse xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></soap:Body></soap:Envelope>"
)

var reqs = []struct{ id, area string }{{"C1", "callid"}, {"S1", "schema"}, {"S2", "schema"}, {"S3", "schema"}, {"T1", "transport"}, {"T2", "transport"}, {"X5", "robustness"}}

// check is the check of requirement r on exchange i; changed makes the new run's.
func check(i int, r int, changed bool) reports.Check {
	fixture := fmt.Sprintf("bench-%06d-gci-doc-request", i)
	c := reports.Check{Name: fmt.Sprintf("[%s] %s: The documentation's request, with a live CallId", reqs[r].id, fixture),
		Requirements: []string{reqs[r].id}, Level: "MUST", Area: reqs[r].area, Fixture: fixture,
		FixtureFile: "/tmp/umconform-bench/fixtures/" + fixture + ".json", Verdict: reports.Passed, Duration: 1373 * time.Nanosecond}
	if reqs[r].id == "T1" {
		c.Evidence = reports.Evidence{Request: request, Status: 200, Response: response}
		if changed && i%1000 == 7 {
			c.Evidence.Status = 500
		}
	}
	if changed && i%1000 == 3 && r == 2 {
		c.Verdict, c.Message = reports.Failed, "S2 (MUST) broken: CallState is not one of the 8 values"
	}
	return c
}

// write writes the report of the checks of the exchanges shard picks (all for 0) to dir.
func write(dir string, n int, changed bool, shard, shards int) error {
	sp, err := reports.NewSpool()
	if err != nil {
		return err
	}
	defer sp.Close()
	// Requirement by requirement, the exchanges in order: the spool files each
	// requirement's checks in name order, as a run's arrive.
	for r := range reqs {
		for i := range n {
			if shards == 0 || i%shards == shard-1 {
				sp.Add(check(i, r, changed))
			}
		}
	}
	run := reports.Run{Name: "reference", Target: "http://127.0.0.1:34043/EWS/UM2007Legacy.asmx",
		Started: time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC), Duration: time.Minute, HarnessVersion: "(devel)", CatalogueVersion: "2026-11-27.3"}
	if shards > 0 {
		run.Selection = &reports.Selection{Shard: shard, Shards: shards}
		run.Started = run.Started.Add(time.Duration(shard) * time.Second)
	}
	if _, err := reports.WriteSpooled(dir, run, sp); err != nil {
		return err
	}
	// Only report.json is read by merge and compare.
	os.Remove(filepath.Join(dir, "junit.xml"))
	os.Remove(filepath.Join(dir, "report.html"))
	return nil
}

func generate(n int, out string) error {
	if err := write(filepath.Join(out, "base"), n, false, 0, 0); err != nil {
		return err
	}
	if err := write(filepath.Join(out, "new"), n, true, 0, 0); err != nil {
		return err
	}
	for k := 1; k <= 4; k++ {
		if err := write(filepath.Join(out, "shards", fmt.Sprint(k)), n, false, k, 4); err != nil {
			return err
		}
	}
	return nil
}
