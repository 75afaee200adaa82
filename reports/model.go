// Package reports holds the neutral result model of a run and writes it as JUnit XML, JSON,
// HTML and a console summary.
package reports

import (
	"sort"
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
}

// Check is the result of one check: one requirement (or a few proven together) on one
// fixture or scenario.
type Check struct {
	Name         string   `json:"name"`
	Requirements []string `json:"requirements"`
	// RequirementText is the catalogue text of each requirement, one per line in the order
	// of Requirements, so that a report read on its own says what was tested.
	RequirementText string        `json:"requirement_text,omitempty"`
	Level           string        `json:"level"`
	Area            string        `json:"area"`
	Fixture         string        `json:"fixture,omitempty"`
	FixtureFile     string        `json:"fixture_file,omitempty"`
	Verdict         Verdict       `json:"verdict"`
	Message         string        `json:"message,omitempty"`
	Duration        time.Duration `json:"-"` // JSON carries duration_seconds: see json.go
	Evidence        Evidence      `json:"evidence"`
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
	// Stopped says why the run stopped sending requests before its end (the target was
	// unreachable, or stopped answering); the checks it could not make are errors.
	Stopped string  `json:"stopped,omitempty"`
	Checks  []Check `json:"checks"`
}

// Counts tallies the checks by verdict.
func (r Run) Counts() map[Verdict]int {
	n := map[Verdict]int{}
	for _, c := range r.Checks {
		n[c.Verdict]++
	}
	return n
}

// ExitCode is the process exit code the run deserves: 2 when the run stopped early (the
// target stopped answering: what failed before is no verdict on the rest, and a CI should
// retry rather than report the target broken), else 1 when the target failed a check (it
// is known not to conform), else 2 when a check could not be judged, else 0.
func (r Run) ExitCode() int {
	n := r.Counts()
	switch {
	case r.Stopped != "":
		return 2
	case n[Failed] > 0:
		return 1
	case n[Error] > 0:
		return 2
	}
	return 0
}

// RequirementSummary is the tally of one requirement over all its checks.
type RequirementSummary struct {
	ID     string
	Level  string
	Counts map[Verdict]int
}

// Verdict is the requirement's overall verdict: its worst check.
func (s RequirementSummary) Verdict() Verdict {
	for _, v := range []Verdict{Failed, Error, Warning, Info} {
		if s.Counts[v] > 0 {
			return v
		}
	}
	return Passed
}

// ByRequirement tallies checks per requirement ID, in the order of ids (the catalogue's),
// then any other ID in sorted order.
func (r Run) ByRequirement(ids []string) []RequirementSummary {
	m := map[string]*RequirementSummary{}
	for _, c := range r.Checks {
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
