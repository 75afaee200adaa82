// Package bundle writes and verifies a conformance bundle: one zip archive holding a run's
// reports, a manifest of how the run was made and a product file, optionally signed, that a
// vendor sends and a customer checks with "umconform verify".
package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/umconform/umconform/reports"
)

// Format names the layout of manifest.json; verify refuses another.
const Format = "umconform-bundle/1"

// The fixed names inside the archive.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	ProductName   = "product.yaml"
	ReportsDir    = "reports"
)

// Harness says which harness made a bundle. The command fills it from its build information;
// it is a plain value so that where the version comes from (today main's build version, later
// the version package of "umconform version") is one function in the command, not here.
type Harness struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go,omitempty"`
}

// Setting is one environment variable that shaped the run, its value redacted when it is a
// secret or may hold one.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ServerVersion is one ServerVersionInfo SOAP header a target sent, its attributes as sent.
type ServerVersion map[string]string

// Endpoint is one URL the run sent requests to and what the server there said about itself,
// taken from the answers the run received anyway: no request is made for it.
type Endpoint struct {
	URL       string `json:"url"`
	Responses int    `json:"responses"`
	// Server holds each distinct HTTP Server header value; empty when none was sent.
	Server []string `json:"server"`
	// ServerVersionInfo holds each distinct EWS ServerVersionInfo header.
	ServerVersionInfo []ServerVersion `json:"server_version_info"`
}

// RunSummary is what the manifest says about one report.json, so that verify can tell a
// report swapped or edited after the manifest was written (when the hashes were rewritten
// too) and a reader of the manifest alone sees what the run was.
type RunSummary struct {
	Dir              string                  `json:"dir"` // folder in the archive holding its junit.xml, report.json and report.html
	Name             string                  `json:"name"`
	Target           string                  `json:"target"`
	Started          time.Time               `json:"started"`
	DurationSeconds  float64                 `json:"duration_seconds"`
	Strict           bool                    `json:"strict"`
	HarnessVersion   string                  `json:"harness_version"`
	CatalogueVersion string                  `json:"catalogue_version"`
	CallsPlaced      int                     `json:"calls_placed"`
	MaxCalls         int                     `json:"max_calls,omitempty"`
	Checks           int                     `json:"checks"`
	Verdicts         map[reports.Verdict]int `json:"verdicts"`
	Selection        *reports.Selection      `json:"selection,omitempty"`
	Expectations     int                     `json:"expectations,omitempty"`
	Stopped          string                  `json:"stopped,omitempty"`
}

// File is one file of the archive other than the manifest and its signature.
type File struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest is manifest.json. Its last member, manifest_sha256, is the SHA-256 of every byte
// of the file before it (see seal), so that one changed byte anywhere in the manifest, its
// list of hashes included, is caught even in an unsigned bundle.
type Manifest struct {
	Format           string    `json:"format"`
	Harness          Harness   `json:"harness"`
	CatalogueVersion string    `json:"catalogue_version"`
	Started          time.Time `json:"started"`
	Ended            time.Time `json:"ended"`
	// Command is the command line of the run, exactly, but for the values of settings that
	// may hold a secret, which read "(redacted)".
	Command     []string     `json:"command"`
	Environment []Setting    `json:"environment"`
	Endpoints   []Endpoint   `json:"endpoints"`
	CallsPlaced int          `json:"calls_placed"`
	Runs        []RunSummary `json:"runs"`
	// SigningKey is the base64 of the ed25519 public key whose signature is manifest.sig,
	// when the vendor signed the bundle.
	SigningKey string `json:"signing_key,omitempty"`
	Files      []File `json:"files"`
}

// digestMember opens the manifest's self-digest, its last member.
const digestMember = ",\n  \"manifest_sha256\": \""

// seal writes the manifest as indented JSON ending with its own digest.
func (m Manifest) seal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	body := bytes.TrimSuffix(b.Bytes(), []byte("\n}\n"))
	sum := sha256.Sum256(body)
	out := append(append([]byte{}, body...), digestMember...)
	out = append(out, hex.EncodeToString(sum[:])...)
	return append(out, "\"\n}\n"...), nil
}

// openManifest checks the manifest's self-digest and decodes it.
func openManifest(data []byte) (Manifest, error) {
	var m Manifest
	i := bytes.LastIndex(data, []byte(digestMember))
	if i < 0 {
		return m, errors.New("it has no manifest_sha256 member closing it: altered, or not the manifest of a bundle")
	}
	var probe struct {
		Format string `json:"format"`
		Digest string `json:"manifest_sha256"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return m, fmt.Errorf("it is not valid JSON (%v): altered", err)
	}
	sum := sha256.Sum256(data[:i])
	if probe.Digest != hex.EncodeToString(sum[:]) {
		return m, errors.New("its content does not match its manifest_sha256: altered after it was written")
	}
	if probe.Format != Format {
		return m, fmt.Errorf("its format is %q, want %q", probe.Format, Format)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&struct {
		*Manifest
		Digest string `json:"manifest_sha256"`
	}{Manifest: &m}); err != nil {
		return m, fmt.Errorf("it does not decode: %w", err)
	}
	return m, nil
}
