package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestJSONReportMatchesGoldenAndSchema(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	validateReport(t, b.Bytes())
	golden(t, "report.json", b.Bytes())
}

func TestJSONReportIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Duration float64 `json:"duration_seconds"`
		Checks   []struct {
			Text     string  `json:"requirement_text"`
			Duration float64 `json:"duration_seconds"`
			Evidence struct {
				Violations []Violation `json:"violations"`
			} `json:"evidence"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Duration != 2.345 || raw.Checks[1].Duration != 0.015 {
		t.Errorf("durations are %v and %v, want seconds 2.345 and 0.015", raw.Duration, raw.Checks[1].Duration)
	}
	if want := "CallState is one of the 8 values; EventCause one of the 5"; raw.Checks[1].Text != want {
		t.Errorf("requirement_text of S2 is %q, want the catalogue's %q", raw.Checks[1].Text, want)
	}
	v := raw.Checks[1].Evidence.Violations
	if len(v) != 1 || v[0].Line != 6 || !strings.HasSuffix(v[0].Path, "/CallState") || !strings.Contains(v[0].Message, "Ringing") {
		t.Errorf("violations are %+v, want one at line 6 on CallState", v)
	}
}

// TestJSONRoundTrip matters beyond report.json: the suites pass every check between
// Ginkgo processes as JSON, so nothing may be lost on the way.
func TestJSONRoundTrip(t *testing.T) {
	run := sampleRun()
	run.Checks[0].Evidence.Violations = []string{"0: /: a violation without a line", "free text that is no violation string"}
	var b bytes.Buffer
	if err := WriteJSON(&b, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := withCatalogue(run, catalogueForTest())
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip changed the run:\ngot  %+v\nwant %+v", back, want)
	}

	raw, err := json.Marshal(run.Checks[1])
	if err != nil {
		t.Fatal(err)
	}
	var c Check
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, run.Checks[1]) {
		t.Errorf("check round trip:\ngot  %+v\nwant %+v", c, run.Checks[1])
	}
}

func TestReadJSONRefusesOtherFiles(t *testing.T) {
	for name, in := range map[string]string{
		"junit":      `<?xml version="1.0"?><testsuites/>`,
		"no format":  `{"checks": []}`,
		"new format": `{"format": "umconform-report/9", "checks": []}`,
	} {
		if _, err := ReadJSON(strings.NewReader(in)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
}

func TestEmptyRunValidates(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, Run{Started: started}); err != nil {
		t.Fatal(err)
	}
	validateReport(t, b.Bytes())
}
