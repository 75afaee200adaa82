package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The JUnit layout is the one the Jenkins xUnit plugin's junit-10.xsd allows, the
// strictest schema in common use (reports/testdata/junit-10.xsd; a test validates against
// it): no skipped count on <testsuites>, no <properties> in a <testcase>. What a testcase
// would carry as properties is in its classname and in "name: value" lines at the head of
// its <system-out>.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitProblem `xml:"skipped"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// WriteJUnit writes the run as JUnit XML: one testsuite per requirement area, one
// testcase per check, classname umconform.AREA.REQUIREMENT. A broken requirement is a
// <failure>; a check the run could not judge is an <error>; a SHOULD warning passes; an
// expected failure, and a check the call budget left out, is <skipped>, so that CI neither
// fails on it nor counts it as passed. Each testcase's <system-out> starts with its
// requirement, level, verdict and fixture, one "name: value" line each, then a blank line
// and the evidence of a check that did not pass.
func WriteJUnit(w io.Writer, run Run) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing JUnit: %w", err)
	}
	if err := writeJUnitXML(w, junitRoot(run)); err != nil {
		return fmt.Errorf("writing JUnit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitRoot maps the run onto the JUnit layout.
func junitRoot(run Run) junitSuites {
	root := junitSuites{Name: "umconform", Time: seconds(run.Duration)}
	j := newJUnitBuilder(run)
	for _, c := range run.Checks {
		i, tc := j.add(c)
		if i == len(root.Suites) {
			root.Suites = append(root.Suites, j.suites[i])
		}
		root.Suites[i].Cases = append(root.Suites[i].Cases, tc)
	}
	for i := range root.Suites {
		s := j.finish(i)
		s.Cases = root.Suites[i].Cases
		root.Suites[i] = s
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
	}
	return root
}

// junitBuilder maps checks onto the JUnit layout one at a time: the suites (one per area,
// in order of first appearance) with their counts, and each check's testcase. The suites
// hold no cases: junitRoot keeps them, a streamed run (WriteSpooled) writes them out.
type junitBuilder struct {
	suites    []junitSuite
	spent     []time.Duration // per suite, formatted once at the end
	index     map[string]int
	classes   map[junitClassKey]string
	props     []junitProperty
	stopped   string
	timestamp string
}

type junitClassKey struct{ area, ids string }

func newJUnitBuilder(run Run) *junitBuilder {
	j := &junitBuilder{index: map[string]int{}, classes: map[junitClassKey]string{}, stopped: run.Stopped,
		timestamp: run.Started.UTC().Format("2006-01-02T15:04:05")}
	j.props = []junitProperty{
		{"target", run.Target},
		{"harness.version", run.HarnessVersion},
		{"catalogue.version", run.CatalogueVersion},
		{"strict", fmt.Sprint(run.Strict)},
		{"calls.placed", strconv.Itoa(run.CallsPlaced)},
		{"calls.max", strconv.Itoa(run.MaxCalls)},
	}
	for _, p := range []junitProperty{ // a report merged from older ones may lack them
		{"harness.commit", run.HarnessCommit}, {"go.version", run.GoVersion},
		{"libxml2.version", run.Libxml2Version}, {"platform", run.Platform},
	} {
		if p.Value != "" {
			j.props = append(j.props, p)
		}
	}
	if partial := run.Selection.Partial(); partial != "" {
		j.props = append(j.props, junitProperty{"selection", partial})
	}
	if run.Retries != "" { // what a busy or restarting target cost: retry.go in suites
		j.props = append(j.props, junitProperty{"retries", run.Retries})
	}
	if run.Generated != "" { // the seed a rerun needs to send the same generated requests
		j.props = append(j.props, junitProperty{"generated", run.Generated})
	}
	return j
}

// add counts c in its area's suite and returns the suite's index and c's testcase.
func (j *junitBuilder) add(c Check) (int, junitCase) {
	area := c.Area
	if area == "" {
		area = "other"
	}
	i, ok := j.index[area]
	if !ok {
		i = len(j.suites)
		j.index[area] = i
		j.spent = append(j.spent, 0)
		j.suites = append(j.suites, junitSuite{
			Name:       "umconform." + area,
			Timestamp:  j.timestamp,
			Properties: j.props,
		})
		if j.stopped != "" {
			j.suites[i].Properties = append(slices.Clip(j.suites[i].Properties), junitProperty{"stopped", j.stopped})
		}
	}
	s := &j.suites[i]
	ids := strings.Join(c.Requirements, " ")
	// One classname per area and requirement, not one string per testcase.
	key := junitClassKey{area, ids}
	class, ok := j.classes[key]
	if !ok {
		class = s.Name
		if len(c.Requirements) > 0 {
			class += "." + strings.Join(c.Requirements, "_")
		}
		j.classes[key] = class
	}
	tc := junitCase{Name: c.Name, Classname: class, Time: seconds(c.Duration)}
	detail := ""
	first := firstLine(c.Message)
	switch c.Verdict {
	case Passed:
	case Failed:
		tc.Failure = &junitProblem{Message: first, Type: ids, Text: c.Message}
		s.Failures++
	case Error:
		tc.Error = &junitProblem{Message: first, Type: "cannot-judge", Text: c.Message}
		s.Errors++
	case Skipped:
		tc.Skipped = &junitProblem{Message: first, Type: string(Skipped)}
		s.Skipped++
	case ExpectedFailure:
		tc.Skipped = &junitProblem{Message: "expected failure: " + c.Expectation.Summary(), Type: string(ExpectedFailure), Text: c.Message}
		s.Skipped++
	default: // a warning, information, or a verdict added later: it passes, and says so
		detail = strings.ToUpper(string(c.Verdict)) + " (" + c.Level + "): " + c.Message
	}
	// Evidence is for a person reading why a check did not pass; passing checks
	// would only repeat the same exchange once per requirement.
	if c.Verdict != Passed {
		if ev := c.Evidence.text(); ev != "" {
			if detail != "" {
				detail += "\n\n"
			}
			detail += ev
		}
	}
	tc.SystemOut = junitSystemOut(ids, c.Level, string(c.Verdict), c.Fixture, c.FixtureFile, detail)
	s.Tests++
	j.spent[i] += c.Duration
	return i, tc
}

// finish returns suite i with its time, once every check is added.
func (j *junitBuilder) finish(i int) junitSuite {
	s := j.suites[i]
	s.Time = seconds(j.spent[i])
	return s
}

// junitSystemOut is a testcase's system-out: its requirement, level, verdict and fixture
// as "name: value" lines (those with a value), then a blank line and the detail, if any.
// It is built in one allocation: a run may have tens of thousands of testcases.
func junitSystemOut(requirement, level, verdict, fixture, file, detail string) string {
	lines := [...]struct{ name, value string }{
		{"requirement", requirement}, {"level", level}, {"verdict", verdict}, {"fixture", fixture}, {"fixture.file", file},
	}
	n := len(detail) + 1
	for _, l := range lines {
		n += len(l.name) + len(l.value) + 3
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range lines {
		if l.value == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.name)
		b.WriteString(": ")
		// A value never spans lines: a newline in a fixture name would end the head early.
		for i := 0; i < len(l.value); i++ {
			if c := l.value[i]; c == '\n' || c == '\r' {
				b.WriteByte(' ')
			} else {
				b.WriteByte(c)
			}
		}
	}
	if detail != "" {
		b.WriteString("\n\n")
		b.WriteString(detail)
	}
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// text renders evidence for a person reading a CI page.
func (e Evidence) text() string {
	var b strings.Builder
	if len(e.States) > 0 {
		fmt.Fprintf(&b, "observed states: %s\n", strings.Join(e.States, " → "))
	}
	if e.CallState != "" {
		fmt.Fprintf(&b, "call: %s\n", e.CallState)
	}
	if len(e.Violations) > 0 {
		b.WriteString("violations:\n")
		for _, v := range e.Violations {
			fmt.Fprintf(&b, "  %s\n", v)
		}
	}
	if len(e.Retries) > 0 {
		fmt.Fprintf(&b, "transient faults and retries:\n  %s\n", strings.Join(e.Retries, "\n  "))
	}
	if e.Request != "" {
		fmt.Fprintf(&b, "request sent:\n%s\n", e.Request)
	}
	if e.Status != 0 || e.Response != "" {
		fmt.Fprintf(&b, "response (HTTP %d%s):\n%s\n", e.Status, e.whole(), e.Response)
	}
	return strings.TrimRight(b.String(), "\n")
}

// whole describes the whole response body when the evidence shows only its start.
func (e Evidence) whole() string {
	var parts []string
	if e.ResponseEncoding != "" {
		parts = append(parts, fmt.Sprintf("Content-Encoding %s, %d bytes on the wire, shown decoded", e.ResponseEncoding, e.ResponseWireBytes))
	}
	if e.ResponseBytes > 0 {
		parts = append(parts, fmt.Sprintf("%d bytes in all", e.ResponseBytes))
	}
	if e.ResponseSHA256 != "" {
		parts = append(parts, "SHA-256 "+e.ResponseSHA256)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}
