// Package reports holds the neutral result model of a run and writes it as JUnit XML, JSON,
// HTML, Markdown and a console summary.
package reports

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// Verdict is the outcome of one check.
type Verdict string

// The verdicts. Failed means the target broke a requirement; Error means the run could not
// judge (timeout, connection refused, broken fixture): JUnit keeps the two apart.
const (
	Passed  Verdict = "passed"
	Failed  Verdict = "failed"
	Warning Verdict = "warning" // a SHOULD requirement broken outside strict mode
	Info    Verdict = "info"    // a MAY requirement not met
	Error   Verdict = "error"
	// Skipped: not run by the run's own choice (its call budget, --max-calls, was spent,
	// or it gave no account the check needs: credentials, a second user); the message says
	// why. It neither passes nor fails the run.
	Skipped Verdict = "skipped"
	// ExpectedFailure is a broken requirement (a failure, warning or information) that an
	// expectations file accepts until a date: it does not fail the run.
	ExpectedFailure Verdict = "expected-failure"
)

// Evidence is what a person needs to see why a check ended as it did. It never holds a
// credential: requests are recorded before authentication and with extra headers redacted.
type Evidence struct {
	Request  string `json:"request,omitempty"`
	Status   int    `json:"status,omitempty"`
	Response string `json:"response,omitempty"` // excerpt
	// ResponseBytes and ResponseSHA256 describe the whole response body when Response shows
	// only its start: its length in bytes (0 when unknown: the target declared none and the
	// run stopped reading) and, when the whole body was read, its SHA-256 in hex.
	ResponseBytes  int64    `json:"response_bytes,omitempty"`
	ResponseSHA256 string   `json:"response_sha256,omitempty"`
	Violations     []string `json:"-"`                // "LINE: PATH: message"; JSON splits them: see json.go
	States         []string `json:"states,omitempty"` // observed CallState sequence

	// ResponseEncoding is the response's Content-Encoding (gzip, deflate) when it had one:
	// Response and ResponseBytes are then the decoded body, and ResponseWireBytes its length
	// as sent.
	ResponseEncoding  string `json:"response_encoding,omitempty"`
	ResponseWireBytes int64  `json:"response_wire_bytes,omitempty"`

	// CallState is, for a request about the call that read-only requests share, what the
	// run knew of that call as the request went out: when it was placed, and what it was
	// last reported as. A verdict may hang on it (a fixture replayed while the call still
	// rang), and a rerun places a new call.
	CallState string `json:"call_state,omitempty"`

	// Retries says how the exchange met transient faults (a busy answer, a refused or
	// reset connection), attempt by attempt, and was sent again or not, and any wait
	// before it was sent: the cost of a busy target, shown where it was paid.
	Retries []string `json:"retries,omitempty"`

	// Elapsed is the time of the exchange the check judged (request sent to response
	// read), when it judged one: exchanges are fetched ahead of their checks and shared,
	// so the time spent judging says nothing of the target. The check's Duration takes it.
	Elapsed time.Duration `json:"-"`
}

// Check is the result of one check: one requirement (or a few proven together) on one
// fixture or scenario.
type Check struct {
	Name         string   `json:"name"`
	Requirements []string `json:"requirements"`
	// RequirementText is the catalogue text of each requirement, one per line in the order
	// of Requirements, so that a report read on its own says what was tested.
	RequirementText string `json:"requirement_text,omitempty"`
	Level           string `json:"level"`
	Area            string `json:"area"`
	Fixture         string `json:"fixture,omitempty"`
	FixtureFile     string `json:"fixture_file,omitempty"`
	// Scenario names the lifecycle call or robustness probe a check judges when it
	// replays no fixture; a shard takes or leaves a fixture's or scenario's checks together.
	Scenario string  `json:"scenario,omitempty"`
	Verdict  Verdict `json:"verdict"`
	Message  string  `json:"message,omitempty"`
	// Expectation is the entry of the expectations file that covers the check: it made a
	// failure an expected failure, or a pass a warning that the entry is no longer needed.
	Expectation *Expectation  `json:"expectation,omitempty"`
	Duration    time.Duration `json:"-"` // JSON carries duration_seconds: see json.go
	Evidence    Evidence      `json:"evidence"`
}

// Expectation is one entry of an expectations file: a known, accepted deviation of the
// target, with the reason it is accepted and the last day it is.
type Expectation struct {
	Requirement string `json:"requirement"`
	Fixture     string `json:"fixture,omitempty"`
	Scenario    string `json:"scenario,omitempty"`
	Reason      string `json:"reason"`
	Link        string `json:"link,omitempty"`
	Expires     string `json:"expires"` // YYYY-MM-DD: the entry applies until the end of that day
	Source      string `json:"source"`  // FILE:LINE of the entry
	// Expired is set in Run.Expectations when the run started after Expires: the entry
	// no longer applied, and its checks counted as they were.
	Expired bool `json:"expired,omitempty"`
}

// Summary is the entry in one line: its reason, expiry, link and source. Nil (a check an
// expectation was dropped from by hand) reads as no reason given.
func (x *Expectation) Summary() string {
	if x == nil {
		return "(no expectation recorded)"
	}
	s := x.Reason + " (until " + x.Expires
	if x.Link != "" {
		s += ", " + x.Link
	}
	return s + "; " + x.Source + ")"
}

// Selection is the share of the checks a run made when it made fewer than every check its
// corpus and catalogue hold. Nil in a run of every check.
type Selection struct {
	LabelFilter string   `json:"label_filter,omitempty"`
	Focus       []string `json:"focus,omitempty"`
	// Shard and Shards: the run made shard Shard (1-based) of Shards, split by a stable
	// hash of the fixture and scenario IDs; "umconform merge" joins the shards' reports.
	Shard  int `json:"shard,omitempty"`
	Shards int `json:"shards,omitempty"`
	// RerunOf is the report whose failed and errored checks the run made again, and only them.
	RerunOf string `json:"rerun_of,omitempty"`
	// MergedFrom lists the shards' reports a merged report was made from.
	MergedFrom []string `json:"merged_from,omitempty"`
}

// Partial describes a run that made only a share of the checks it would otherwise make
// (a shard, a rerun), or "" for a whole run.
func (s *Selection) Partial() string {
	switch {
	case s == nil:
		return ""
	case s.RerunOf != "" && s.Shards > 0:
		return fmt.Sprintf("partial run: shard %d of %d of a rerun of the checks that failed or errored in %s", s.Shard, s.Shards, s.RerunOf)
	case s.RerunOf != "":
		return "partial run: a rerun of the checks that failed or errored in " + s.RerunOf
	case s.Shards > 0:
		return fmt.Sprintf("partial run: shard %d of %d", s.Shard, s.Shards)
	case len(s.MergedFrom) > 0:
		return fmt.Sprintf("merged from %d shards: %s", len(s.MergedFrom), strings.Join(s.MergedFrom, ", "))
	}
	return ""
}

// Run is one run of the harness against one target.
type Run struct {
	Name             string        `json:"name"`
	Target           string        `json:"target"`
	Started          time.Time     `json:"started"`
	Duration         time.Duration `json:"-"` // JSON carries duration_seconds: see json.go
	Strict           bool          `json:"strict"`
	HarnessVersion   string        `json:"harness_version"`
	CatalogueVersion string        `json:"catalogue_version"`
	// The rest of the harness's identity, as umconform version prints it: two builds of
	// one version may differ in the libxml2 they link, which judges every schema check.
	HarnessCommit  string `json:"harness_commit,omitempty"`
	GoVersion      string `json:"go_version,omitempty"`
	Libxml2Version string `json:"libxml2_version,omitempty"`
	Platform       string `json:"platform,omitempty"`
	// CallsPlaced is how many PlayOnPhone requests the run sent to the target: against
	// Exchange each may ring a real phone. MaxCalls is the budget it ran under, 0 for none.
	CallsPlaced int `json:"calls_placed"`
	MaxCalls    int `json:"max_calls,omitempty"`
	// Selection is the share of the checks this run made, when it was not all of them.
	Selection *Selection `json:"selection,omitempty"`
	// Expectations are the entries of the expectations file the run was given, expired
	// ones marked.
	Expectations []Expectation `json:"expectations,omitempty"`
	// Stopped says why the run stopped sending requests before its end (the target was
	// unreachable, or stopped answering); the checks it could not make are errors.
	Stopped string `json:"stopped,omitempty"`
	// Retries accounts for the requests sent again after transient faults (a busy
	// answer, a refused or reset connection) and the time spent waiting for the target;
	// "" when there were none.
	Retries string `json:"retries,omitempty"`
	// Generated says how many requests the run generated from the schemas, and from
	// which seed (umconform run --seed): "" when it generated none.
	Generated string  `json:"generated,omitempty"`
	Checks    []Check `json:"checks"`
	// Rerun is the command that makes this run's checks again against the same target,
	// without a filter (see RerunCommand); it names credentials only by where they are
	// read from (UMCONFORM_PASSWORD, --password-file).
	Rerun string `json:"-"`

	// spooled, in a run written by WriteSpooled, counts every check while Checks holds
	// only those that did not pass: the others were written to the reports and dropped.
	spooled *tally
}

// Total is the number of checks the run made.
func (r Run) Total() int {
	if r.spooled != nil {
		return r.spooled.total
	}
	return len(r.Checks)
}

// Counts tallies the checks by verdict.
func (r Run) Counts() map[Verdict]int {
	if r.spooled != nil {
		return maps.Clone(r.spooled.counts)
	}
	n := map[Verdict]int{}
	for _, c := range r.Checks {
		n[c.Verdict]++
	}
	return n
}

// ExitCode is the process exit code the run deserves: 2 when the run stopped early (the
// target stopped answering: what failed before is no verdict on the rest, and a CI should
// retry rather than report the target broken; not when it was redirected), else 1 when the target failed a check (it
// is known not to conform), else 2 when a check could not be judged, else 0.
func (r Run) ExitCode() int {
	n := r.Counts()
	switch {
	case r.Stopped != "" && !strings.HasPrefix(strings.TrimPrefix(r.Stopped, "the EWS endpoint: "), RedirectStop):
		return 2
	case n[Failed] > 0:
		return 1
	case n[Error] > 0:
		return 2
	}
	return 0
}

// RedirectStop begins a run's Stopped when an endpoint answered a redirect (suites: H2): the
// target's answer, not a fault a retry may clear, so the verdicts stand (H2 failed: exit 1).
const RedirectStop = "redirected: "

// unreachableStop begins a run's Stopped when its first request (the pre-flight) found the
// target unreachable: the suites' breaker starts with that error and words it so.
const unreachableStop = "target unreachable: "

// NotStarted tells a run that stopped before it judged anything: the first request found
// the target unreachable (refused, no route, a name that does not resolve, a failed TLS
// handshake), and every check is an error of that one cause, which Stopped gives.
func (r Run) NotStarted() bool {
	if !strings.HasPrefix(strings.TrimPrefix(r.Stopped, "the EWS endpoint: "), unreachableStop) {
		return false // it started, and stopped later (the target stopped answering, or throttled)
	}
	for v, n := range r.Counts() {
		if n > 0 && v != Error && v != Skipped {
			return false
		}
	}
	return true
}

// RequirementSummary is the tally of one requirement over all its checks.
type RequirementSummary struct {
	ID     string
	Level  string
	Counts map[Verdict]int
}

// Verdict is the requirement's overall verdict: its worst check.
func (s RequirementSummary) Verdict() Verdict {
	for _, v := range []Verdict{Failed, Error, Warning, Info, ExpectedFailure} {
		if s.Counts[v] > 0 {
			return v
		}
	}
	if s.Counts[Passed] == 0 && s.Counts[Skipped] > 0 {
		return Skipped // none of its checks ran: it did not pass
	}
	return Passed
}

// ByRequirement tallies checks per requirement ID, in the order of ids (the catalogue's),
// then any other ID in sorted order.
func (r Run) ByRequirement(ids []string) []RequirementSummary {
	m := map[string]*RequirementSummary{}
	if r.spooled != nil {
		for id, s := range r.spooled.requirements {
			c := *s
			c.Counts = maps.Clone(s.Counts)
			m[id] = &c
		}
	}
	for _, c := range r.Checks {
		if r.spooled != nil {
			break // counted already
		}
		for _, id := range c.Requirements {
			s := m[id]
			if s == nil {
				s = &RequirementSummary{ID: id, Level: c.Level, Counts: map[Verdict]int{}}
				m[id] = s
			}
			s.Counts[c.Verdict]++
		}
	}
	var out []RequirementSummary
	for _, id := range ids {
		if s := m[id]; s != nil {
			out = append(out, *s)
			delete(m, id)
		}
	}
	var rest []string
	for id := range m {
		rest = append(rest, id)
	}
	sort.Strings(rest)
	for _, id := range rest {
		out = append(out, *m[id])
	}
	return out
}
