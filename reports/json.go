package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/umconform/umconform/catalogue"
)

// Format names the layout of report.json; schema/report.schema.json pins it. Bump it when a
// field changes meaning, so that compare refuses a report it would misread.
const Format = "umconform-report/1"

// Violation is one schema violation as report.json carries it: split into its parts so a
// reader need not parse "LINE: PATH: message" strings.
type Violation struct {
	Line    int    `json:"line"` // 1-based line of the response, 0 when unknown
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// ParseViolation splits a violation string as the suites record it ("LINE: PATH: message",
// from schema.Violation.String). A string in another shape becomes a message at line 0.
func ParseViolation(s string) Violation {
	line, rest, ok := strings.Cut(s, ": ")
	n, err := strconv.Atoi(line)
	if !ok || err != nil || n < 0 {
		return Violation{Message: s}
	}
	path, msg, ok := strings.Cut(rest, ": ")
	if !ok {
		return Violation{Message: s}
	}
	return Violation{Line: n, Path: path, Message: msg}
}

// String is the inverse of ParseViolation, so that evidence survives a JSON round trip
// (the suites pass every check through JSON between Ginkgo processes).
func (v Violation) String() string {
	if v.Path == "" {
		return v.Message
	}
	return fmt.Sprintf("%d: %s: %s", v.Line, v.Path, v.Message)
}

// durationSeconds is a duration as a JSON number: a float of seconds says its unit, where Go's default
// (integer nanoseconds) reads as a bare, unit-less number.
func durationSeconds(d time.Duration) float64 { return float64(d) / float64(time.Second) } // one rounding, so 2.345s stays 2.345

func fromSeconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// marshal is json.Marshal without HTML escaping: the evidence is XML, and "\u003c" for
// every "<" would make report.json unreadable to a person. The writers nest (a run holds
// checks holding evidence), so each level has to opt out.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// The wire types are the JSON layout: the model's fields plus what JSON carries
// differently (violations split, durations in seconds). They have no MarshalJSON of their
// own, so a whole run is encoded in one pass: nested Marshalers made encoding/json
// re-scan every check's bytes at each level, a third of writing 7 000 checks.
type (
	plainEvidence Evidence
	evidenceWire  struct {
		plainEvidence
		Violations []Violation `json:"violations,omitempty"`
	}
	plainCheck Check
	checkWire  struct {
		plainCheck
		Evidence        evidenceWire `json:"evidence"` // hides plainCheck's
		DurationSeconds float64      `json:"duration_seconds"`
	}
	plainRun Run
	runWire  struct {
		Format string `json:"format"`
		plainRun
		Checks          []checkWire `json:"checks"` // hides plainRun's
		DurationSeconds float64     `json:"duration_seconds"`
	}
)

func newEvidenceWire(e Evidence) evidenceWire {
	w := evidenceWire{plainEvidence: plainEvidence(e)}
	for _, v := range e.Violations {
		w.Violations = append(w.Violations, ParseViolation(v))
	}
	return w
}

func newCheckWire(c Check) checkWire {
	return checkWire{plainCheck(c), newEvidenceWire(c.Evidence), durationSeconds(c.Duration)}
}

func newRunWire(r Run) runWire {
	w := runWire{Format: Format, plainRun: plainRun(r), Checks: make([]checkWire, len(r.Checks)), DurationSeconds: durationSeconds(r.Duration)}
	for i, c := range r.Checks {
		w.Checks[i] = newCheckWire(c)
	}
	return w
}

// The wire types read back into the model: what the UnmarshalJSON methods below do, for a
// whole run in one pass of encoding/json (ReadJSON), where the nested methods would have
// it re-scan every check's bytes at each level (umconform merge reads 70 000 checks).

func (w evidenceWire) evidence() Evidence {
	e := Evidence(w.plainEvidence)
	e.Violations = nil
	for _, v := range w.Violations {
		e.Violations = append(e.Violations, v.String())
	}
	return e
}

func (w checkWire) check() Check {
	c := Check(w.plainCheck)
	c.Evidence = w.Evidence.evidence()
	c.Duration = fromSeconds(w.DurationSeconds)
	return c
}

func (w runWire) run() Run {
	r := Run(w.plainRun)
	r.Duration = fromSeconds(w.DurationSeconds)
	r.Checks = nil
	if w.Checks != nil {
		r.Checks = make([]Check, len(w.Checks))
		for i := range w.Checks {
			r.Checks[i] = w.Checks[i].check()
		}
	}
	return r
}

// MarshalJSON writes the evidence with its violations split into line, path and message.
func (e Evidence) MarshalJSON() ([]byte, error) { return marshal(newEvidenceWire(e)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	type plain Evidence
	aux := struct {
		*plain
		Violations []Violation `json:"violations"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	e.Violations = nil
	for _, v := range aux.Violations {
		e.Violations = append(e.Violations, v.String())
	}
	return nil
}

// MarshalJSON writes the check with its duration in seconds.
func (c Check) MarshalJSON() ([]byte, error) { return marshal(newCheckWire(c)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Check) UnmarshalJSON(b []byte) error {
	type plain Check
	aux := struct {
		*plain
		DurationSeconds float64 `json:"duration_seconds"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	c.Duration = fromSeconds(aux.DurationSeconds)
	return nil
}

// MarshalJSON writes the run with its format and its duration in seconds.
func (r Run) MarshalJSON() ([]byte, error) { return marshal(newRunWire(r)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Run) UnmarshalJSON(b []byte) error {
	type plain Run
	aux := struct {
		*plain
		DurationSeconds float64 `json:"duration_seconds"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.Duration = fromSeconds(aux.DurationSeconds)
	return nil
}

// withCatalogue fills what the suites leave to the catalogue (requirement text, and level
// and area of checks that ended before recording them) so that a report file needs
// nothing else to be read. Values already set are kept. A run with nothing to fill comes
// back as it is: WriteAll fills it once for its three writers, rather than each copying
// every check (70 000 checks are 18 MB).
func withCatalogue(run Run, cat catalogue.Catalogue) Run {
	if !needCatalogue(run.Checks) {
		return run
	}
	checks := make([]Check, len(run.Checks))
	for i, c := range run.Checks {
		checks[i] = fillCheck(c, cat, run.CatalogueVersion)
	}
	run.Checks = checks
	return run
}

// fillCheck is withCatalogue for one check.
func fillCheck(c Check, cat catalogue.Catalogue, version string) Check {
	if len(c.Requirements) == 1 && c.RequirementText == "" { // the usual case, without a slice
		if req, ok := cat.Lookup(c.Requirements[0]); ok {
			c.RequirementText = req.Text
			c.Level = cmp.Or(c.Level, string(req.Level))
			c.Area = cmp.Or(c.Area, req.Area)
			return c
		}
	}
	var texts []string
	for _, id := range c.Requirements {
		req, ok := cat.Lookup(id)
		if !ok {
			texts = append(texts, "(not in catalogue "+version+")")
			continue
		}
		texts = append(texts, req.Text)
		if c.Level == "" {
			c.Level = string(req.Level)
		}
		if c.Area == "" {
			c.Area = req.Area
		}
	}
	if c.Requirements == nil {
		c.Requirements = []string{} // the schema wants an array, never null
	}
	if c.RequirementText == "" {
		c.RequirementText = strings.Join(texts, "\n")
	}
	return c
}

// needCatalogue says whether withCatalogue would change any of checks.
func needCatalogue(checks []Check) bool {
	for i := range checks {
		c := &checks[i]
		if c.Requirements == nil || c.Level == "" || c.Area == "" || c.RequirementText == "" && len(c.Requirements) > 0 {
			return true
		}
	}
	return false
}

// WriteJSON writes the run as report.json (schema/report.schema.json), with each check's
// requirement text taken from the embedded catalogue.
func WriteJSON(w io.Writer, run Run) error {
	run = withCatalogue(run, catalogue.Default())
	if run.Checks == nil {
		run.Checks = []Check{} // the schema wants an array, never null
	}
	// Responses are XML: < and > stay readable (no HTML escaping). See writeRunJSON.
	if err := writeRunJSON(w, run); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// ReadJSON reads a report.json written by WriteJSON. A file of another format (a JUnit
// file, a report of a later layout) is refused rather than half read.
func ReadJSON(r io.Reader) (Run, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Run{}, fmt.Errorf("reading report: %w", err)
	}
	var w runWire
	err = json.Unmarshal(data, &w)
	if err == nil && w.Format == Format {
		return w.run(), nil
	}
	// Say what the file is: not JSON, another format (whose fields may not even decode
	// here), or a report that does not decode.
	var probe struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Run{}, fmt.Errorf("report is not JSON: %w", err)
	}
	if probe.Format != Format {
		return Run{}, fmt.Errorf("report format is %q, want %q (a report.json written by umconform run)", probe.Format, Format)
	}
	return Run{}, fmt.Errorf("reading report: %w", err)
}

// ReadJSONFile reads the report.json file at path; its errors name the path.
func ReadJSONFile(path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, err // the error names the path
	}
	defer f.Close()
	run, err := ReadJSON(f)
	if err != nil {
		return Run{}, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}
