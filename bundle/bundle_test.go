package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reports"
)

// passingRun is a run that judged every requirement of the catalogue, and passed.
func passingRun() reports.Run {
	run := reports.Run{
		Name: "vendor", Target: "https://um.example.com/EWS/UM2007Legacy.asmx",
		Started: time.Now().UTC(), Duration: 3 * time.Second,
		HarnessVersion: "v9.9.9", CatalogueVersion: catalogue.Version, CallsPlaced: 4,
	}
	for _, req := range catalogue.Default() {
		run.Checks = append(run.Checks, reports.Check{
			Name: "check " + req.ID, Requirements: []string{req.ID}, Level: string(req.Level),
			Area: req.Area, Verdict: reports.Passed,
		})
	}
	return run
}

var testProduct = Product{Product: "Acme UM", Version: "4.2", Vendor: "Acme, Inc.", Contact: "conformance@acme.example"}

// makeBundle writes run's reports and bundles them; it returns the bundle's path.
func makeBundle(t *testing.T, run reports.Run, key ed25519.PrivateKey) string {
	t.Helper()
	dir := t.TempDir()
	started := run.Started.Add(-time.Second)
	if err := reports.WriteAll(filepath.Join(dir, "reports"), run); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bundle.zip")
	err := Write(Options{
		Path: path, ReportDir: filepath.Join(dir, "reports"), Started: started, Ended: time.Now(),
		Harness: Harness{Version: run.HarnessVersion, Commit: "0123456789abcdef"}, CatalogueVersion: run.CatalogueVersion,
		Command:   []string{"run", "--target", "https://um.example.com/EWS/UM2007Legacy.asmx"},
		Endpoints: []Endpoint{{URL: "https://um.example.com/EWS/UM2007Legacy.asmx", Responses: 10, Server: []string{"Microsoft-IIS/10.0"}}},
		Product:   testProduct, SignKey: key,
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func verify(t *testing.T, path string, key ed25519.PublicKey) (int, string) {
	t.Helper()
	var out bytes.Buffer
	// Program as make build leaves the binary: the commands the verdict suggests name it so.
	code := Verify(VerifyOptions{Archive: path, Key: key, Catalogue: catalogue.Default(), CatalogueVersion: catalogue.Version,
		Program: "bin/umconform"}, &out)
	return code, out.String()
}

// entries reads every file of a zip archive, in order.
func entries(t *testing.T, path string) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = data
	}
	return names, files
}

// rewrite writes a copy of the archive at path with edit applied to its files.
func rewrite(t *testing.T, path string, edit func(names []string, files map[string][]byte) []string) string {
	t.Helper()
	names, files := entries(t, path)
	names = edit(names, files)
	out := filepath.Join(t.TempDir(), "edited.zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store}) // deflate's state is slow to set up a thousand times
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out
}

func TestACompletePassingRunVerifies(t *testing.T) {
	code, out := verify(t, makeBundle(t, passingRun(), nil), nil)
	if code != ExitPassing {
		t.Fatalf("exit %d, want 0\n%s", code, out)
	}
	for _, want := range []string{"VERDICT: PASS", "Acme UM 4.2", "Acme, Inc.", "conformance@acme.example", "Microsoft-IIS/10.0", "Complete:  yes", "Strict:    no", "not sign"} {
		if !strings.Contains(out, want) {
			t.Errorf("verdict lacks %q\n%s", want, out)
		}
	}
}

// TestOneChangedByteIsCaught changes one byte at a few places of every file of a bundle,
// unsigned and signed: each time verify exits 2 and names the file.
func TestOneChangedByteIsCaught(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	for _, c := range []struct {
		name  string
		sign  ed25519.PrivateKey
		keys  []ed25519.PublicKey
		files int
	}{
		{"unsigned", nil, []ed25519.PublicKey{nil}, 5},
		{"signed", priv, []ed25519.PublicKey{nil, pub}, 6},
	} {
		path := makeBundle(t, passingRun(), c.sign)
		names, files := entries(t, path)
		if len(names) != c.files {
			t.Fatalf("%s bundle holds %v, want product, 3 reports, manifest (and signature)", c.name, names)
		}
		for _, name := range names {
			n := len(files[name])
			// Here and there, and in the manifest in a hash it lists and in its own digest.
			at := []int{0, n / 3, n / 2, n - 2, n - 10}
			if i := bytes.Index(files[name], []byte(`"sha256": "`)); i >= 0 {
				at = append(at, i+15)
			}
			for _, at := range at {
				edited := rewrite(t, path, func(names []string, files map[string][]byte) []string {
					files[name] = bytes.Clone(files[name])
					files[name][at] ^= 0x04
					return names
				})
				for _, key := range c.keys {
					code, out := verify(t, edited, key)
					if code != ExitAltered || !strings.Contains(out, "- "+name) || !strings.Contains(out, "NOT INTACT") {
						t.Errorf("%s: byte %d of %s changed (key %v): exit %d, want 2 naming the file\n%s", c.name, at, name, key != nil, code, out)
					}
				}
			}
		}
	}
}

func TestAddedRemovedAndSwappedFilesAreCaught(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	signed := makeBundle(t, passingRun(), priv)
	unsigned := makeBundle(t, passingRun(), nil)
	failing := passingRun()
	failing.Checks[3].Verdict = reports.Failed
	_, failingFiles := entries(t, makeBundle(t, failing, nil))
	drop := func(drop string) func([]string, map[string][]byte) []string {
		return func(names []string, _ map[string][]byte) []string {
			var out []string
			for _, n := range names {
				if n != drop {
					out = append(out, n)
				}
			}
			return out
		}
	}
	for _, c := range []struct {
		name, bundle string
		key          ed25519.PublicKey
		want         string
	}{
		{"report removed", rewrite(t, unsigned, drop("reports/report.html")), nil, "reports/report.html: missing"},
		{"product removed", rewrite(t, unsigned, drop(ProductName)), nil, "product.yaml: missing"},
		{"manifest removed", rewrite(t, unsigned, drop(ManifestName)), nil, "manifest.json is missing"},
		{"signature removed", rewrite(t, signed, drop(SignatureName)), pub, "manifest.sig is missing"},
		{"signature removed, no key given", rewrite(t, signed, drop(SignatureName)), nil, "manifest.sig is missing"},
		{"file added", rewrite(t, unsigned, func(names []string, files map[string][]byte) []string {
			files["reports/extra.txt"] = []byte("hello")
			return append(names, "reports/extra.txt")
		}), nil, "reports/extra.txt: not in the manifest"},
		{"report swapped for another run's", rewrite(t, unsigned, func(names []string, files map[string][]byte) []string {
			files["reports/report.json"] = failingFiles["reports/report.json"]
			return names
		}), nil, "reports/report.json: altered"},
		{"signed by another key", signed, otherPub, "not by the key you gave"},
		{"unsigned but a key given", unsigned, pub, "not signed"},
		{"not a zip", writeFile(t, "not a zip"), nil, "cannot be read as a zip archive"},
	} {
		code, out := verify(t, c.bundle, c.key)
		if code != ExitAltered || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want 2 saying %q\n%s", c.name, code, c.want, out)
		}
	}
	if code, out := verify(t, signed, pub); code != ExitPassing || !strings.Contains(out, "valid, made with the private key of the public key you gave") {
		t.Errorf("signed bundle with its key: exit %d\n%s", code, out)
	}
}

func writeFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIncompleteAndFailingRunsExit1 shows each reason a whole, intact run is not a pass.
func TestIncompleteAndFailingRunsExit1(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*reports.Run)
		want   []string
	}{
		{"label filter", func(r *reports.Run) {
			r.Selection = &reports.Selection{LabelFilter: "MUST"}
			r.Checks = r.Checks[:10]
		}, []string{`label filter chose the checks (--label-filter "MUST")`, "requirements were not judged"}},
		{"focus", func(r *reports.Run) { r.Selection = &reports.Selection{Focus: []string{"GetCallInfo"}} }, []string{"--focus"}},
		{"one shard", func(r *reports.Run) { r.Selection = &reports.Selection{Shard: 1, Shards: 2} }, []string{"one shard alone (--shard 1/2)", "merge every shard (bin/umconform merge)"}},
		{"expectations", func(r *reports.Run) {
			r.Checks[0].Verdict = reports.ExpectedFailure
			r.Expectations = []reports.Expectation{{Requirement: r.Checks[0].Requirements[0], Reason: "known", Expires: "2099-01-01", Source: "x.yaml:1"}}
		}, []string{"expectations file (--expectations) with 1 entry"}},
		{"a requirement not judged", func(r *reports.Run) { r.Checks[5].Verdict = reports.Error }, []string{"1 check could not be judged", "1 of the", r0(5) + " ("}},
		{"skipped by the call budget", func(r *reports.Run) { r.Checks[7].Verdict = reports.Skipped }, []string{"skipped"}},
		{"another catalogue", func(r *reports.Run) { r.CatalogueVersion = "1999-01-01.1" }, []string{"catalogue 1999-01-01.1"}},
		{"stopped", func(r *reports.Run) { r.Stopped = "the target stopped answering" }, []string{"stopped early"}},
		{"failing", func(r *reports.Run) {
			r.Checks[2].Verdict = reports.Failed
			r.Checks[40].Verdict = reports.Failed
		}, []string{"FAILED: the target failed " + r0(2) + " (MUST, UM), " + r0(40)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := passingRun()
			c.change(&run)
			code, out := verify(t, makeBundle(t, run, nil), nil)
			if code != ExitIncomplete || !strings.Contains(out, "VERDICT: NOT A PASS") {
				t.Fatalf("exit %d, want 1\n%s", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("verdict lacks %q\n%s", w, out)
				}
			}
		})
	}
}

// r0 is the ID of the catalogue's i-th requirement, which passingRun's i-th check proves.
func r0(i int) string { return catalogue.Default()[i].ID }

func TestWarningsPassUnlessStrict(t *testing.T) {
	run := passingRun()
	for i, c := range run.Checks {
		if c.Level == "SHOULD" {
			run.Checks[i].Verdict = reports.Warning
			break
		}
	}
	code, out := verify(t, makeBundle(t, run, nil), nil)
	if code != ExitPassing || !strings.Contains(out, "WARNING") || !strings.Contains(out, "Strict:    no") {
		t.Errorf("a warning in a run that is not strict: exit %d, want 0 showing the warning\n%s", code, out)
	}
}

func TestStaleReportsAreNotBundled(t *testing.T) {
	dir := t.TempDir()
	if err := reports.WriteAll(dir, passingRun()); err != nil {
		t.Fatal(err)
	}
	err := Write(Options{Path: filepath.Join(dir, "b.zip"), ReportDir: dir, Started: time.Now().Add(time.Minute), Product: testProduct})
	if err == nil || !strings.Contains(err.Error(), "earlier run") {
		t.Fatalf("reports older than the run bundled: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.zip")); !os.IsNotExist(err) {
		t.Errorf("a bundle was left behind: %v", err)
	}
}

func TestSeveralTargetsAreBundledEach(t *testing.T) {
	dir := t.TempDir()
	a, b := passingRun(), passingRun()
	a.Name, b.Name = "a", "b"
	b.Checks[0].Verdict = reports.Failed
	if err := reports.WriteRuns(dir, []reports.Run{a, b}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.zip")
	if err := Write(Options{Path: path, ReportDir: dir, Started: a.Started.Add(-time.Second), Product: testProduct, CatalogueVersion: catalogue.Version, Harness: Harness{Version: a.HarnessVersion}}); err != nil {
		t.Fatal(err)
	}
	code, out := verify(t, path, nil)
	if code != ExitIncomplete || !strings.Contains(out, "b: FAILED") || strings.Contains(out, "a: FAILED") {
		t.Errorf("exit %d, want 1 for target b alone\n%s", code, out)
	}
}

func TestKeysReadAsOpenSSLWritesThem(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "k"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "k.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
	gotPriv, err := ReadPrivateKey(filepath.Join(dir, "k"))
	if err != nil || !gotPriv.Equal(priv) {
		t.Fatalf("private key: %v", err)
	}
	gotPub, err := ReadPublicKey(filepath.Join(dir, "k.pub"))
	if err != nil || !gotPub.Equal(pub) {
		t.Fatalf("public key: %v", err)
	}
	if _, err := ReadPrivateKey(filepath.Join(dir, "k.pub")); err == nil || !strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("a public key read as a private one: %v", err)
	}
}

// TestHostileArchivesAreRefused: names that climb out of the archive, a file twice, and an
// archive of too many files are refused (exit 2) with what is wrong.
func TestHostileArchivesAreRefused(t *testing.T) {
	path := makeBundle(t, passingRun(), nil)
	for _, c := range []struct {
		name string
		add  []string
		want string
	}{
		{"climbs out", []string{"../../etc/passwd"}, `"../../etc/passwd": a name no bundle holds`},
		{"absolute", []string{"/etc/passwd"}, `"/etc/passwd": a name no bundle holds`},
		{"twice", []string{ProductName}, "product.yaml: in the archive twice"},
		{"too many files", manyNames(maxEntries), "more than a bundle ever does"},
	} {
		edited := rewrite(t, path, func(names []string, files map[string][]byte) []string {
			for _, n := range c.add {
				if files[n] == nil {
					files[n] = []byte("x")
				}
			}
			return append(names, c.add...)
		})
		if code, out := verify(t, edited, nil); code != ExitAltered || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want 2 saying %q\n%s", c.name, code, c.want, out)
		}
	}
}

func manyNames(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, "reports/f"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String())
	}
	return out
}

// TestReferenceServerBundlesAreNoPass: a run whose target was the embedded reference
// server, or whose answers carry its CallIds or EWS ServerVersionInfo, is no product's
// evidence (exit 1, said first); a CallId of another host is a product's.
func TestReferenceServerBundlesAreNoPass(t *testing.T) {
	callID := func(host string) string {
		return base64.StdEncoding.EncodeToString([]byte("4f0c5a2e-9b1d-4c3e-8a7f-112233445566|" + host))
	}
	withResponse := func(body string) reports.Run {
		run := passingRun()
		run.Checks[0].Evidence = reports.Evidence{Status: 200, Response: body}
		return run
	}
	embedded := passingRun()
	embedded.Target = "http://127.0.0.1:4000/EWS/UM2007Legacy.asmx (embedded reference server, profile exchange)"
	for name, tc := range map[string]struct {
		run  reports.Run
		code int
		want string
	}{
		"embedded":          {embedded, ExitIncomplete, "REFERENCE SERVER: the target was umconform's embedded reference server"},
		"reference CallId":  {withResponse("<PlayOnPhoneResponse>" + callID("UM.umconform.test") + "</PlayOnPhoneResponse>"), ExitIncomplete, "a CallId naming the reference server's host"},
		"reference version": {withResponse(`<h:ServerVersionInfo MajorVersion="15" MinorVersion="0" MajorBuildNumber="1497" MinorBuildNumber="2" Version="Exchange2013_SP1"/>`), ExitIncomplete, "EWS ServerVersionInfo"},
		"another host":      {withResponse("<PlayOnPhoneResponse>" + callID("um.acme.example") + "</PlayOnPhoneResponse>"), ExitPassing, "VERDICT: PASS"},
	} {
		code, out := verify(t, makeBundle(t, tc.run, nil), nil)
		lines := strings.SplitN(out, "\n", 3)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want %d and %q:\n%s", name, code, tc.code, tc.want, out)
		}
		if tc.code == ExitIncomplete && !strings.HasPrefix(lines[1], "REFERENCE SERVER: ") {
			t.Errorf("%s: the reference server is not said first:\n%s", name, out)
		}
	}
}
