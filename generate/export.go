package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Placeholders an exported PlayOnPhone carries where the run's values go: the fixture binds
// them (bind_entry_id, bind_dial_string), so that a replay dials the run's --dial-string.
const (
	ExportEntryID    = "UMCONFORM-ENTRY-ID"
	ExportDialString = "UMCONFORM-DIAL-STRING"
)

// exportMeta is a fixture's metadata file (fixtures/README.md).
type exportMeta struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Requirements   []string `json:"requirements"`
	Source         string   `json:"source"`
	Expect         any      `json:"expect"`
	BindEntryID    string   `json:"bind_entry_id,omitempty"`
	BindDialString string   `json:"bind_dial_string,omitempty"`
}

// Skipped is a generated request Export did not write, and why.
type Skipped struct {
	ID, Why string
}

// Export writes every request generated with seed, for both APIs and all six operations, as
// fixture files in dir (ID.json beside ID.request.http), which "umconform run --fixtures
// DIR" replays like any recording. It writes none whose answer the documents leave open
// (Request.Defined), nor a PlayOnPhone whose number appears other than once (the fixture
// format binds a value once): those it returns as skipped.
func Export(dir string, seed int64) (written []string, skipped []Skipped, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	v := Values{CallID: UnknownID(UM, seed), PhoneCallID: UnknownID(EWS, seed), EntryID: ExportEntryID, DialString: ExportDialString}
	for _, api := range []API{UM, EWS} {
		rs, err := Generate(api, Options{Seed: seed, Values: v})
		if err != nil {
			return written, skipped, err
		}
		for _, r := range rs {
			if !r.Defined() {
				skipped = append(skipped, Skipped{r.ID, "the documents leave its answer open: a tolerant UM server may place the call"})
				continue
			}
			f := r.Fixture(seed)
			m := exportMeta{ID: f.ID, Title: f.Title, Requirements: f.Requirements, Source: f.Source, Expect: map[string]string{"outcome": string(f.Expect.Outcome)}}
			if r.Operation == "PlayOnPhone" {
				entry, dial := bytes.Count(r.Body, []byte(ExportEntryID)), bytes.Count(r.Body, []byte(ExportDialString))
				if dial > 1 || entry > 1 {
					skipped = append(skipped, Skipped{r.ID, "its item id or number appears twice, and a fixture binds a value once"})
					continue
				}
				if entry == 1 {
					m.BindEntryID = ExportEntryID
				}
				if dial == 1 {
					m.BindDialString = ExportDialString
				}
			}
			meta, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				return written, skipped, fmt.Errorf("%s: %w", r.ID, err)
			}
			if err := os.WriteFile(filepath.Join(dir, r.ID+".json"), append(meta, '\n'), 0o644); err != nil {
				return written, skipped, err
			}
			if err := os.WriteFile(filepath.Join(dir, r.ID+".request.http"), f.Request, 0o644); err != nil {
				return written, skipped, err
			}
			written = append(written, r.ID)
		}
	}
	return written, skipped, nil
}
