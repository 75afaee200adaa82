package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/umconform/umconform/reports"
)

// ReportFiles are the reports of one run a bundle holds, in the order written.
var ReportFiles = []string{"junit.xml", "report.json", "report.html"}

// Options are what Write needs besides the reports.
type Options struct {
	Path      string // the archive to write
	ReportDir string // the run's --report-dir
	// Started and Ended bound the command (run or merge). Reports in ReportDir that neither
	// started nor were written after Started are an earlier command's, and never bundled.
	Started, Ended   time.Time
	Harness          Harness
	CatalogueVersion string
	Command          []string
	Environment      []Setting
	Endpoints        []Endpoint
	Product          Product
	SignKey          ed25519.PrivateKey // nil: unsigned
}

// Write writes the bundle of the run whose reports are in o.ReportDir: a zip archive (which
// every desktop opens, where a customer may want to read the HTML report) holding
// product.yaml, the reports under reports/ (reports/NAME/ for each target of a run of several),
// manifest.json and, when signed, manifest.sig. It is written to a temporary file renamed
// into place, so a failed write leaves no half bundle.
func Write(o Options) error {
	runs, err := freshRuns(o.ReportDir, o.Started)
	if err != nil {
		return err
	}
	m := Manifest{
		Format: Format, Harness: o.Harness, CatalogueVersion: o.CatalogueVersion,
		Started: o.Started.UTC().Round(0), Ended: o.Ended.UTC().Round(0),
		Command: o.Command, Environment: o.Environment, Endpoints: o.Endpoints,
		Files: []File{},
	}
	if m.Environment == nil {
		m.Environment = []Setting{}
	}
	if m.Endpoints == nil {
		m.Endpoints = []Endpoint{}
	}
	if o.SignKey != nil {
		m.SigningKey = base64.StdEncoding.EncodeToString(o.SignKey.Public().(ed25519.PublicKey))
	}

	dir := filepath.Dir(o.Path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(o.Path)+".*")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	zw := zip.NewWriter(tmp)
	add := func(name string, r io.Reader) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: m.Ended})
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if name != ManifestName && name != SignatureName {
			m.Files = append(m.Files, File{Path: name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		}
		return nil
	}
	err = add(ProductName, bytes.NewReader(o.Product.YAML()))
	for _, r := range runs {
		for _, name := range ReportFiles {
			if err != nil {
				break
			}
			err = addFile(add, path.Join(r.summary.Dir, name), filepath.Join(r.dir, name))
		}
		m.CallsPlaced += r.summary.CallsPlaced
		m.Runs = append(m.Runs, r.summary)
	}
	var sealed []byte
	if err == nil {
		sealed, err = m.seal()
	}
	if err == nil {
		err = add(ManifestName, bytes.NewReader(sealed))
	}
	if err == nil && o.SignKey != nil {
		sig := base64.StdEncoding.EncodeToString(ed25519.Sign(o.SignKey, sealed)) + "\n"
		err = add(SignatureName, bytes.NewReader([]byte(sig)))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), o.Path)
	}
	if err != nil {
		return fmt.Errorf("bundle %s: %w", o.Path, err)
	}
	return nil
}

func addFile(add func(string, io.Reader) error, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return add(name, f)
}

type foundRun struct {
	dir     string // on disk
	summary RunSummary
}

// freshRuns finds the reports the run starting at since wrote in dir: dir's own (one target)
// or those of its sub-folders (one per target of a run of several).
func freshRuns(dir string, since time.Time) ([]foundRun, error) {
	candidates := []string{dir}
	subs, _ := filepath.Glob(filepath.Join(dir, "*", "report.json"))
	for _, s := range subs {
		candidates = append(candidates, filepath.Dir(s))
	}
	var out []foundRun
	var stale []string
	for _, d := range candidates {
		rel, _ := filepath.Rel(dir, d)
		summary, fresh, err := summariseFile(path.Join(ReportsDir, filepath.ToSlash(rel)), filepath.Join(d, "report.json"), since)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return nil, err
		case !fresh:
			stale = append(stale, d)
			continue
		}
		out = append(out, foundRun{dir: d, summary: summary})
	}
	if len(out) == 0 {
		if len(stale) > 0 {
			return nil, fmt.Errorf("the reports in %s are from an earlier run, not this one: no bundle written", dir)
		}
		return nil, fmt.Errorf("the run wrote no report.json in %s: no bundle written", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].summary.Dir < out[j].summary.Dir })
	return out, nil
}

// summariseFile is what the manifest says about the report.json at file, read a check at
// a time (a merged run of 100 000 exchanges is hundreds of megabytes), and whether the run
// that began at since wrote it: a run's reports start after it, a merge's were written
// after it started. A stale report is not read past its run's fields.
func summariseFile(dir, file string, since time.Time) (s RunSummary, fresh bool, err error) {
	r, err := reports.OpenJSONFile(file)
	if err != nil {
		return RunSummary{}, false, err
	}
	defer r.Close()
	if st, err := os.Stat(file); r.Run().Started.Before(since) && (err != nil || st.ModTime().Before(since.Truncate(time.Second))) {
		return RunSummary{}, false, nil
	}
	n, verdicts := 0, map[reports.Verdict]int{}
	if err := r.Each(func(c reports.Check) error { n++; verdicts[c.Verdict]++; return nil }); err != nil {
		return RunSummary{}, false, err
	}
	return summaryOf(dir, r.Run(), n, verdicts), true, nil
}

// summarise is what the manifest says about a run's report.
func summarise(dir string, run reports.Run) RunSummary {
	return summaryOf(dir, run, len(run.Checks), run.Counts())
}

// summaryOf is what the manifest says about a run of the given checks and verdicts.
func summaryOf(dir string, run reports.Run, checks int, verdicts map[reports.Verdict]int) RunSummary {
	return RunSummary{
		Dir: dir, Name: run.Name, Target: redactURLs(run.Target), Started: run.Started.UTC(),
		DurationSeconds: run.Duration.Seconds(), Strict: run.Strict,
		HarnessVersion: run.HarnessVersion, CatalogueVersion: run.CatalogueVersion,
		CallsPlaced: run.CallsPlaced, MaxCalls: run.MaxCalls, Checks: checks,
		Verdicts: verdicts, Selection: run.Selection, Expectations: len(run.Expectations),
		Stopped: run.Stopped,
	}
}
