package suites

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/schema"
)

// TestDocumentExamplesThroughTheJudges: the protocol documents' example answers
// (testdata/documents, at the top of the repository) get from each API's judges the
// verdict their document implies. An example that is itself wrong says why in the
// manifest, and fails exactly the requirement it breaks.
func TestDocumentExamplesThroughTheJudges(t *testing.T) {
	dir := filepath.Join("..", "testdata", "documents")
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Examples []struct {
			File      string            `json:"file"`
			APIs      []string          `json:"apis"`
			Operation string            `json:"operation"`
			Kind      string            `json:"kind"`
			Status    int               `json:"status"`
			Judges    map[string]string `json:"judges"`
			Exception string            `json:"exception"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	judged := 0
	for _, ex := range m.Examples {
		if ex.Kind != "response" {
			continue // requests are judged by validate only (documents_test.go)
		}
		if len(ex.Judges) == 0 || ex.Status == 0 {
			t.Errorf("%s: an example answer needs its status and the judges' verdicts", ex.File)
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, ex.File))
		if err != nil {
			t.Fatal(err)
		}
		for _, api := range ex.APIs {
			v, table := validator(t), judges
			if api == "EWS" {
				v, table = ewsValidator(t), ewsJudges
			}
			expect := fixtures.Expect{Outcome: fixtures.Success}
			if ex.Status == 500 {
				expect = fixtures.Expect{Outcome: fixtures.Fault, Exception: ex.Exception}
			}
			e := &Exchange{Operation: ex.Operation, Status: ex.Status, Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}},
				Body: body, Result: v.ValidateAs(body, schema.KindResponse), Fixture: fixtures.Fixture{ID: ex.File, Expect: expect}}
			ids := make([]string, 0, len(ex.Judges))
			for id := range ex.Judges {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				judge, ok := table[id]
				if !ok {
					t.Errorf("%s (%s): no %s judge", ex.File, api, id)
					continue
				}
				o := judge(e)
				if o.CannotJudge || o.Pass != (ex.Judges[id] == "pass") {
					t.Errorf("%s (%s): %s judged %+v, the document implies %s", ex.File, api, id, o, ex.Judges[id])
				}
				judged++
			}
		}
	}
	if judged < 40 {
		t.Errorf("only %d verdicts judged", judged)
	}
}
