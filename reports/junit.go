package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
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
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Failure    *junitProblem   `xml:"failure"`
	Error      *junitProblem   `xml:"error"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// WriteJUnit writes the run as JUnit XML: one testsuite per requirement area, one
// testcase per check. A broken requirement is a <failure>; a check the run could not
// judge is an <error>; a SHOULD warning passes with a "verdict" property of "warning".
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
	index := map[string]int{}
	var spent []time.Duration // per suite, formatted once at the end
	for _, c := range run.Checks {
		area := c.Area
		if area == "" {
			area = "other"
		}
		i, ok := index[area]
		if !ok {
			i = len(root.Suites)
			index[area] = i
			spent = append(spent, 0)
			root.Suites = append(root.Suites, junitSuite{
				Name:      "umconform." + area,
				Timestamp: run.Started.UTC().Format("2006-01-02T15:04:05"),
				Properties: []junitProperty{
					{"target", run.Target},
					{"harness.version", run.HarnessVersion},
					{"catalogue.version", run.CatalogueVersion},
					{"strict", fmt.Sprint(run.Strict)},
				},
			})
			if run.Stopped != "" {
				root.Suites[i].Properties = append(root.Suites[i].Properties, junitProperty{"stopped", run.Stopped})
			}
		}
		s := &root.Suites[i]
		props := make([]junitProperty, 4, 6)
		props[0] = junitProperty{"requirement", strings.Join(c.Requirements, " ")}
		props[1] = junitProperty{"level", c.Level}
		props[2] = junitProperty{"verdict", string(c.Verdict)}
		props[3] = junitProperty{"target", run.Target}
		tc := junitCase{Name: c.Name, Classname: s.Name, Time: seconds(c.Duration), Properties: props}
		if c.Fixture != "" {
			tc.Properties = append(tc.Properties, junitProperty{"fixture", c.Fixture})
		}
		if c.FixtureFile != "" {
			tc.Properties = append(tc.Properties, junitProperty{"fixture.file", c.FixtureFile})
		}
		first := firstLine(c.Message)
		switch c.Verdict {
		case Failed:
			tc.Failure = &junitProblem{Message: first, Type: strings.Join(c.Requirements, " "), Text: c.Message}
			s.Failures++
		case Error:
			tc.Error = &junitProblem{Message: first, Type: "cannot-judge", Text: c.Message}
			s.Errors++
		case Warning, Info:
			tc.SystemOut = strings.ToUpper(string(c.Verdict)) + " (" + c.Level + "): " + c.Message
		}
		// Evidence is for a person reading why a check did not pass; passing checks
		// would only repeat the same exchange once per requirement.
		if c.Verdict != Passed {
			if ev := c.Evidence.text(); ev != "" {
				if tc.SystemOut != "" {
					tc.SystemOut += "\n\n"
				}
				tc.SystemOut += ev
			}
		}
		s.Cases = append(s.Cases, tc)
		s.Tests++
		spent[i] += c.Duration
	}
	for i, s := range root.Suites {
		root.Suites[i].Time = seconds(spent[i])
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
	}
	return root
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
	if len(e.Violations) > 0 {
		b.WriteString("violations:\n")
		for _, v := range e.Violations {
			fmt.Fprintf(&b, "  %s\n", v)
		}
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
