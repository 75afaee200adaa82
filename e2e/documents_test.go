package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

// documentExample is one entry of testdata/documents/manifest.json: a complete example
// message of a protocol document, and the verdict the document implies.
type documentExample struct {
	File      string   `json:"file"`
	APIs      []string `json:"apis"`
	Operation string   `json:"operation"`
	Kind      string   `json:"kind"`
	Source    struct {
		Document, Section, URL string
	} `json:"source"`
	Verdict   string `json:"verdict"`
	Violation string `json:"violation"`
	Note      string `json:"note"`
}

func documentExamples(t *testing.T) []documentExample {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "documents", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Examples []documentExample `json:"examples"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return m.Examples
}

// TestDocumentExamplesThroughValidate: every example of the protocol documents gets the
// verdict its document implies, from `umconform validate` for the UM web service and from
// the EWS schema for EWS. An example that is itself wrong says why in its note, and must
// be refused for the reason given.
func TestDocumentExamplesThroughValidate(t *testing.T) {
	examples := documentExamples(t)
	if len(examples) < 19 {
		t.Fatalf("only %d examples in the manifest", len(examples))
	}
	ews, err := schema.Load(schema.For(schema.EWS))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "documents", "*.xml"))
	listed := map[string]bool{}
	for _, ex := range examples {
		listed[ex.File] = true
		t.Run(ex.File, func(t *testing.T) {
			if ex.Source.Document == "" || ex.Source.Section == "" || !strings.HasPrefix(ex.Source.URL, "http") {
				t.Errorf("incomplete source %+v", ex.Source)
			}
			if ex.Verdict == "invalid" && (ex.Note == "" || ex.Violation == "") {
				t.Errorf("an example refused must say why (note) and with which violation")
			}
			path := filepath.Join("testdata", "documents", ex.File)
			if slices.Contains(ex.APIs, "UM") {
				var stdout, stderr bytes.Buffer
				code := dispatch([]string{"validate", "--kind", ex.Kind, path}, strings.NewReader(""), &stdout, &stderr)
				switch {
				case ex.Verdict == "valid" && code != 0:
					t.Errorf("validate: exit %d, want 0 (valid)\n%s%s", code, stdout.String(), stderr.String())
				case ex.Verdict == "invalid" && (code != 1 || !strings.Contains(stdout.String(), ex.Violation)):
					t.Errorf("validate: exit %d, want 1 with %q\n%s%s", code, ex.Violation, stdout.String(), stderr.String())
				}
			}
			if slices.Contains(ex.APIs, "EWS") {
				doc, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				kind, err := schema.ParseKind(ex.Kind)
				if err != nil {
					t.Fatal(err)
				}
				r := ews.ValidateAs(doc, kind)
				if r.Valid() != (ex.Verdict == "valid") {
					t.Errorf("EWS schema: valid %v, want verdict %s: %v", r.Valid(), ex.Verdict, r.Violations)
				}
			}
		})
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s is not in the manifest", f)
		}
	}
}
