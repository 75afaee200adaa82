package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"github.com/umconform/umconform/internal/plural"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/reports"
)

// Exit codes of verify.
const (
	ExitPassing    = 0 // intact, complete and passing
	ExitIncomplete = 1 // intact, but the run was incomplete or the target failed a requirement
	ExitAltered    = 2 // unreadable, or altered after it was made
)

// Limits on what verify reads: a bundle comes from someone else. Only the files verify
// parses are kept whole in memory (report.json, whose reader needs it whole, up to
// maxKeptSize); every other file is hashed as it streams by, keeping its first bytes.
const (
	maxEntries  = 1000
	maxKeptSize = 1 << 30
	headSize    = 64 << 10
)

// entry is one file of the archive as read.
type entry struct {
	sum  [sha256.Size]byte
	size int64
	data []byte // whole for the files verify parses, else the first headSize bytes
}

// VerifyOptions are verify's settings.
type VerifyOptions struct {
	Archive string
	// Key is the vendor's public key, from a file the customer trusts; nil checks the
	// signature only against the key the bundle names, which proves nothing about who made it.
	Key ed25519.PublicKey
	// Catalogue is the catalogue the run must have judged in full.
	Catalogue        catalogue.Catalogue
	CatalogueVersion string
	// Program is the binary as the user invoked it (bin/umconform), as the commands the
	// verdict suggests name it; empty is "umconform".
	Program string
}

// Verify checks a bundle and writes a verdict a customer can read to w; it returns the exit code.
func Verify(o VerifyOptions, w io.Writer) int {
	v := &verifier{o: o, w: w}
	return v.run()
}

type verifier struct {
	o       VerifyOptions
	w       io.Writer
	files   map[string]*entry
	altered []string // what changed, each naming the file
}

// program is the binary's name for the commands the verdict suggests.
func (v *verifier) program() string {
	if v.o.Program == "" {
		return "umconform"
	}
	return v.o.Program
}

func (v *verifier) printf(format string, args ...any) { fmt.Fprintf(v.w, format, args...) }

// fail reports the bundle unreadable or altered.
func (v *verifier) fail(problems ...string) int {
	v.printf("\nVERDICT: NOT INTACT. The bundle cannot be trusted:\n")
	for _, p := range problems {
		v.printf("  - %s\n", p)
	}
	v.printf("Ask the vendor for the bundle again; what it says about the run is not evidence of anything.\n")
	return ExitAltered
}

func (v *verifier) run() int {
	v.printf("Bundle: %s\n", v.o.Archive)
	if err := v.read(); err != nil {
		return v.fail(err.Error())
	}
	if len(v.altered) > 0 {
		return v.fail(v.altered...)
	}
	me, ok := v.files[ManifestName]
	if !ok {
		return v.fail(ManifestName + " is missing: not a bundle, or altered")
	}
	m, err := openManifest(me.data)
	if err != nil {
		return v.fail(ManifestName + ": " + err.Error())
	}
	sigLine, problems := v.checkSignature(m, me.data)
	problems = append(problems, v.checkFiles(m)...)
	if len(problems) > 0 {
		return v.fail(problems...)
	}
	product, err := ParseProduct(v.files[ProductName].data)
	if err != nil {
		return v.fail(ProductName + ": " + err.Error())
	}
	runs, problems := v.checkRuns(m)
	if len(problems) > 0 {
		return v.fail(problems...)
	}
	// First: a run against umconform's own reference server is nobody's product, however
	// intact and passing its bundle.
	ref := referenceTargets(runs)
	for _, r := range ref {
		v.printf("REFERENCE SERVER: %s\n", r)
	}
	v.printf("Integrity: intact. Every one of the %d files matches its SHA-256 in %s, which matches its own digest, and the manifest agrees with the reports.\n", len(m.Files), ManifestName)
	v.printf("Signature: %s\n\n", sigLine)
	v.describe(m, product)
	return v.judge(m, runs, ref)
}

// embeddedTarget is how a run names the reference server it started itself
// (runner.Prepare): "URL (embedded reference server, profile NAME)".
const embeddedTarget = "(embedded reference server"

// referenceTargets says, for each run made against umconform's own reference server,
// how the bundle shows it: its target was the embedded server, or its answers carry
// that server's marks (reference.Marks), as they do when "umconform serve" stands
// behind a URL. Such a bundle is evidence of umconform's server, not of a product.
func referenceTargets(runs []bundledRun) []string {
	var out []string
	for _, r := range runs {
		name := ""
		if len(runs) > 1 {
			name = r.summary.Name + ": "
		}
		if strings.Contains(r.run.Target, embeddedTarget) {
			out = append(out, name+"the target was umconform's embedded reference server ("+r.run.Target+"), not a product: this bundle is no product's evidence")
			continue
		}
		for _, c := range r.run.Checks {
			mark := reference.Marks(c.Evidence.Response)
			if mark == "" {
				mark = reference.Marks(c.Evidence.Request)
			}
			if mark != "" {
				out = append(out, fmt.Sprintf("%sthe target's answers carry %s (in %s): the target was umconform's reference server (umconform serve) behind %s, not a product; this bundle is no product's evidence", name, mark, c.Name, r.run.Target))
				break
			}
		}
	}
	return out
}

// read loads every entry of the archive, naming any that cannot be read.
func (v *verifier) read() error {
	zr, err := zip.OpenReader(v.o.Archive)
	if err != nil {
		return fmt.Errorf("%s cannot be read as a zip archive (%v): damaged, truncated or not a bundle", v.o.Archive, err)
	}
	defer zr.Close()
	if len(zr.File) > maxEntries {
		return fmt.Errorf("%s holds %d files, more than a bundle ever does (%d)", v.o.Archive, len(zr.File), maxEntries)
	}
	v.files = map[string]*entry{}
	for _, f := range zr.File {
		name := f.Name
		switch {
		case !validName(name):
			v.altered = append(v.altered, fmt.Sprintf("%q: a name no bundle holds (absolute, .. or not clean): added", name))
			continue
		case v.files[name] != nil:
			v.altered = append(v.altered, name+": in the archive twice: added")
			continue
		}
		parsed := name == ManifestName || name == ProductName || name == SignatureName || path.Base(name) == "report.json"
		e, err := readEntry(f, parsed)
		if err != nil {
			v.altered = append(v.altered, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		v.files[name] = e
	}
	return nil
}

// readEntry hashes one file of the archive, keeping it whole when whole is set.
func readEntry(f *zip.File, whole bool) (*entry, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("unreadable (%v): damaged or altered", err)
	}
	defer rc.Close()
	e := &entry{}
	h := sha256.New()
	keep := &headWriter{max: headSize}
	if whole {
		keep.max = maxKeptSize
	}
	e.size, err = io.Copy(io.MultiWriter(h, keep), rc)
	if err != nil {
		return nil, fmt.Errorf("unreadable (%v): damaged or altered", err)
	}
	if whole && e.size > maxKeptSize {
		return nil, fmt.Errorf("%d bytes, more than a bundle's report may hold (%d)", e.size, maxKeptSize)
	}
	copy(e.sum[:], h.Sum(nil))
	e.data = keep.b
	return e, nil
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func validName(name string) bool {
	return name != "" && !strings.HasPrefix(name, "/") && path.Clean(name) == name &&
		!strings.HasPrefix(name, "../") && name != ".." && !strings.Contains(name, "\\")
}

// checkSignature checks manifest.sig against the key the manifest names, and that key
// against the one the customer gave. It returns the line that says so, or the problems.
func (v *verifier) checkSignature(m Manifest, manifest []byte) (string, []string) {
	sigEntry, signed := v.files[SignatureName]
	switch {
	case m.SigningKey == "" && !signed && v.o.Key == nil:
		return "none (the vendor did not sign this bundle; its hashes show it was not changed by accident, not who made it)", nil
	case m.SigningKey == "" && !signed:
		return "", []string{"the bundle is not signed, but you asked to check its signature with --key: signed bundles hold " + SignatureName + " (it may have been removed)"}
	case m.SigningKey == "":
		return "", []string{SignatureName + " is there but " + ManifestName + " names no signing key: altered"}
	case !signed:
		return "", []string{SignatureName + " is missing, but " + ManifestName + " says the bundle was signed: removed"}
	}
	raw, err := base64.StdEncoding.DecodeString(m.SigningKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return "", []string{ManifestName + ": signing_key is not a base64 ed25519 public key: altered"}
	}
	named := ed25519.PublicKey(raw)
	s, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigEntry.data)))
	if err != nil || len(s) != ed25519.SignatureSize || !ed25519.Verify(named, manifest, s) {
		return "", []string{SignatureName + ": the signature does not match " + ManifestName + " and its signing key: one of them was altered"}
	}
	if v.o.Key == nil {
		return fmt.Sprintf("valid, by the key %s that the bundle names; pass --key with the vendor's public key to check it is theirs", Fingerprint(named)), nil
	}
	if !named.Equal(v.o.Key) {
		return "", []string{fmt.Sprintf("signed by the key %s, not by the key you gave (%s): not made by the holder of your key", Fingerprint(named), Fingerprint(v.o.Key))}
	}
	return fmt.Sprintf("valid, made with the private key of the public key you gave (%s)", Fingerprint(v.o.Key)), nil
}

// checkFiles compares every file with the manifest's list: present, unchanged, none added.
func (v *verifier) checkFiles(m Manifest) []string {
	var problems []string
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		e, ok := v.files[f.Path]
		if !ok {
			problems = append(problems, f.Path+": missing (the manifest lists it): removed")
			continue
		}
		if got := hex.EncodeToString(e.sum[:]); got != f.SHA256 || e.size != f.Bytes {
			problems = append(problems, fmt.Sprintf("%s: altered: its SHA-256 is %s (%d bytes), the manifest says %s (%d bytes)", f.Path, got, e.size, f.SHA256, f.Bytes))
		}
	}
	var extra []string
	for name := range v.files {
		if !listed[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		problems = append(problems, name+": not in the manifest: added")
	}
	if !listed[ProductName] {
		problems = append(problems, ProductName+": not in the manifest: removed")
	}
	return problems
}

type bundledRun struct {
	summary RunSummary
	run     reports.Run
}

// checkRuns reads each run's report.json and checks that the manifest, report.json and
// junit.xml tell the same story.
func (v *verifier) checkRuns(m Manifest) ([]bundledRun, []string) {
	var problems []string
	var runs []bundledRun
	if len(m.Runs) == 0 {
		return nil, []string{ManifestName + ": lists no run"}
	}
	calls := 0
	for _, s := range m.Runs {
		files := map[string]bool{}
		for _, f := range m.Files {
			files[f.Path] = true
		}
		for _, name := range ReportFiles {
			if !files[path.Join(s.Dir, name)] {
				problems = append(problems, path.Join(s.Dir, name)+": missing: removed")
			}
		}
		jsonPath := path.Join(s.Dir, "report.json")
		je, ok := v.files[jsonPath]
		if !ok {
			continue
		}
		run, err := reports.ReadJSON(bytes.NewReader(je.data))
		if err != nil {
			problems = append(problems, jsonPath+": "+err.Error())
			continue
		}
		for _, d := range diffSummaries(s, summarise(s.Dir, run)) {
			problems = append(problems, fmt.Sprintf("%s and %s disagree on %s: altered", ManifestName, jsonPath, d))
		}
		if run.HarnessVersion != m.Harness.Version || run.CatalogueVersion != m.CatalogueVersion {
			problems = append(problems, fmt.Sprintf("%s was written by harness %s with catalogue %s, the manifest says %s with %s: altered", jsonPath, run.HarnessVersion, run.CatalogueVersion, m.Harness.Version, m.CatalogueVersion))
		}
		junitPath := path.Join(s.Dir, "junit.xml")
		if e, ok := v.files[junitPath]; ok {
			if tests, err := junitTests(e.data); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v: altered", junitPath, err))
			} else if tests != len(run.Checks) {
				problems = append(problems, fmt.Sprintf("%s holds %s, %s %s: altered", junitPath, plural.Count(tests, "test"), jsonPath, plural.Count(len(run.Checks), "check")))
			}
		}
		calls += run.CallsPlaced
		runs = append(runs, bundledRun{s, run})
	}
	if len(problems) == 0 && calls != m.CallsPlaced {
		problems = append(problems, fmt.Sprintf("%s says %s placed, the reports %d: altered", ManifestName, plural.Irregular(m.CallsPlaced, "call was", "calls were"), calls))
	}
	return runs, problems
}

// junitTests reads the tests attribute of a JUnit report's root element, from its first bytes.
func junitTests(head []byte) (int, error) {
	dec := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("no JUnit root element in its first %d bytes (%v)", len(head), err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "tests" {
					return strconv.Atoi(a.Value)
				}
			}
			return 0, fmt.Errorf("its root element <%s> has no tests attribute", se.Name.Local)
		}
	}
}

// diffSummaries names the fields in which two summaries differ.
func diffSummaries(a, b RunSummary) []string {
	ma, mb := fields(a), fields(b)
	var out []string
	for k, va := range ma {
		if vb := mb[k]; string(va) != string(vb) {
			out = append(out, fmt.Sprintf("%s (%s against %s)", k, va, vb))
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func fields(s RunSummary) map[string]json.RawMessage {
	raw, _ := json.Marshal(s)
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(raw, &m)
	return m
}

// describe prints what was tested, by whom, with what.
func (v *verifier) describe(m Manifest, p Product) {
	or := func(s string) string {
		if s == "" {
			return "(not given)"
		}
		return s
	}
	v.printf("Product:   %s %s\n", or(p.Product), or(p.Version))
	v.printf("Vendor:    %s (contact: %s)\n", or(p.Vendor), or(p.Contact))
	v.printf("Harness:   umconform %s (commit %s, %s), catalogue %s\n", m.Harness.Version, or(m.Harness.Commit), or(m.Harness.Go), m.CatalogueVersion)
	quoted := make([]string, len(m.Command))
	for i, a := range m.Command {
		quoted[i] = shellQuote(a)
	}
	v.printf("Command:   umconform %s\n", strings.Join(quoted, " "))
	v.printf("           from %s to %s; %d PlayOnPhone calls placed in all\n", m.Started.Format(time.RFC3339), m.Ended.Format(time.RFC3339), m.CallsPlaced)
	for _, s := range m.Environment {
		v.printf("           %s=%s\n", s.Name, s.Value)
	}
	if len(m.Endpoints) == 0 {
		v.printf("Endpoint:  none recorded (a bundle of merged shards: each shard's run met the server, the merge did not)\n")
	}
	for _, e := range m.Endpoints {
		server := "no Server header"
		if len(e.Server) > 0 {
			server = "Server: " + strings.Join(e.Server, "; ")
		}
		svi := "no ServerVersionInfo"
		if len(e.ServerVersionInfo) > 0 {
			var vs []string
			for _, x := range e.ServerVersionInfo {
				vs = append(vs, x.String())
			}
			svi = "ServerVersionInfo " + strings.Join(vs, "; ")
		}
		v.printf("Endpoint:  %s (%d responses): %s, %s\n", e.URL, e.Responses, server, svi)
	}
}

// judge prints the completeness and the verdict of each run, then the bundle's.
func (v *verifier) judge(m Manifest, runs []bundledRun, ref []string) int {
	code := ExitPassing
	var why []string
	if len(ref) > 0 {
		code = ExitIncomplete
		for _, r := range ref {
			why = append(why, "REFERENCE SERVER: "+r)
		}
	}
	for _, r := range runs {
		if len(runs) > 1 {
			v.printf("\n== %s\n", r.summary.Name)
		}
		incomplete := v.completeness(m, r)
		failed := v.requirements(r)
		if len(incomplete) > 0 {
			code = ExitIncomplete
			why = append(why, prefixed(r, runs, "INCOMPLETE: "+strings.Join(incomplete, "; ")))
		}
		if len(failed) > 0 {
			code = ExitIncomplete
			why = append(why, prefixed(r, runs, "FAILED: the target failed "+strings.Join(failed, ", ")))
		}
	}
	v.printf("\n")
	if code == ExitPassing {
		v.printf("VERDICT: PASS. The bundle is intact and shows a complete run in which the target passed every requirement of catalogue %s.\n", m.CatalogueVersion)
		return code
	}
	v.printf("VERDICT: NOT A PASS. The bundle is intact, but:\n")
	for _, w := range why {
		v.printf("  - %s\n", w)
	}
	return code
}

func prefixed(r bundledRun, runs []bundledRun, s string) string {
	if len(runs) > 1 {
		return r.summary.Name + ": " + s
	}
	return s
}

// judged verdicts are those that say whether the target met a requirement.
var judged = map[reports.Verdict]bool{reports.Passed: true, reports.Failed: true, reports.Warning: true, reports.Info: true, reports.ExpectedFailure: true}

// completeness prints whether the run was complete, and returns why not.
func (v *verifier) completeness(m Manifest, r bundledRun) []string {
	var why []string
	run := r.run
	if run.CatalogueVersion != v.o.CatalogueVersion {
		why = append(why, fmt.Sprintf("the run judged catalogue %s, this umconform knows catalogue %s: verify with umconform %s to check every requirement was judged", run.CatalogueVersion, v.o.CatalogueVersion, run.HarnessVersion))
	}
	if s := run.Selection; s != nil {
		if s.LabelFilter != "" {
			why = append(why, fmt.Sprintf("a label filter chose the checks (--label-filter %q)", s.LabelFilter))
		}
		if len(s.Focus) > 0 {
			why = append(why, fmt.Sprintf("--focus chose the checks (%q)", strings.Join(s.Focus, `", "`)))
		}
		if s.Shards > 0 {
			why = append(why, fmt.Sprintf("one shard alone (--shard %d/%d): the other shards' checks were not made; merge every shard (%s merge) for a whole run", s.Shard, s.Shards, v.program()))
		}
		if s.RerunOf != "" {
			why = append(why, "a rerun of the failed checks of an earlier run (--rerun-failed), not a whole run")
		}
	}
	if n := len(run.Expectations); n > 0 {
		why = append(why, fmt.Sprintf("an expectations file (--expectations) with %s accepted known failures", plural.Irregular(n, "entry", "entries")))
	} else if c := run.Counts()[reports.ExpectedFailure]; c > 0 {
		why = append(why, fmt.Sprintf("%s accepted as expected failures (--expectations)", plural.Irregular(c, "check was", "checks were")))
	}
	for _, flagName := range []string{"label-filter", "focus", "shard", "expectations", "rerun-failed"} {
		if mentions(m, flagName) && !strings.Contains(strings.Join(why, " "), "--"+flagName) {
			why = append(why, "the command line or environment sets --"+flagName)
		}
	}
	if run.Stopped != "" {
		why = append(why, "the run stopped early: "+run.Stopped)
	}
	n := run.Counts()
	if n[reports.Error] > 0 {
		why = append(why, fmt.Sprintf("%s could not be judged (errors)", plural.Count(n[reports.Error], "check")))
	}
	if n[reports.Skipped] > 0 {
		why = append(why, fmt.Sprintf("%s skipped (the call budget, --max-calls, was spent, or the run lacked an account they need: docs/AUTH.md)", plural.Irregular(n[reports.Skipped], "check was", "checks were")))
	}
	if run.CatalogueVersion == v.o.CatalogueVersion {
		seen := map[string]bool{}
		for _, c := range run.Checks {
			if judged[c.Verdict] {
				for _, id := range c.Requirements {
					seen[id] = true
				}
			}
		}
		var missing []string
		for _, req := range v.o.Catalogue {
			if !seen[req.ID] {
				missing = append(missing, req.ID+" ("+apis(req)+")")
			}
		}
		if len(missing) > 0 {
			verb := "were"
			if len(missing) == 1 {
				verb = "was"
			}
			why = append(why, fmt.Sprintf("%d of the %d requirements %s not judged: %s", len(missing), len(v.o.Catalogue), verb, strings.Join(missing, ", ")))
		}
	}
	strict := "no: a broken SHOULD requirement is a warning, not a failure"
	if run.Strict {
		strict = "yes: a broken SHOULD requirement is a failure"
	}
	v.printf("Target:    %s\n", run.Target)
	v.printf("Run:       started %s, took %s, placed %s\n", run.Started.Format(time.RFC3339), run.Duration.Round(time.Millisecond), plural.Count(run.CallsPlaced, "PlayOnPhone call"))
	if s := run.Selection; s != nil && len(s.MergedFrom) > 0 {
		v.printf("Shards:    %d, merged (umconform merge): %s\n", len(s.MergedFrom), strings.Join(s.MergedFrom, ", "))
	}
	v.printf("Strict:    %s\n", strict)
	if len(why) == 0 {
		v.printf("Complete:  yes: every one of the %d requirements of catalogue %s was judged, with no filter, no shard and no expectations file\n", len(v.o.Catalogue), run.CatalogueVersion)
	} else {
		v.printf("Complete:  NO\n")
		for _, w := range why {
			v.printf("           - %s\n", w)
		}
	}
	return why
}

// mentions tells whether the run's command line or environment sets the flag.
func mentions(m Manifest, flagName string) bool {
	for _, a := range m.Command {
		if a == "-"+flagName || a == "--"+flagName || strings.HasPrefix(a, "-"+flagName+"=") || strings.HasPrefix(a, "--"+flagName+"=") {
			return true
		}
	}
	env := "UMCONFORM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
	for _, s := range m.Environment {
		if s.Name == env && s.Value != "" {
			return true
		}
	}
	return false
}

// requirements prints the verdict of every requirement and returns the failed ones.
func (v *verifier) requirements(r bundledRun) []string {
	cat := v.o.Catalogue
	v.printf("\nRequirement  Level   Verdict           Checks  API\n")
	var failed []string
	for _, s := range r.run.ByRequirement(cat.IDs()) {
		api := "?"
		if req, ok := cat.Lookup(s.ID); ok {
			api = apis(req)
		}
		n := 0
		for _, c := range s.Counts {
			n += c
		}
		verdict := s.Verdict()
		v.printf("%-12s %-7s %-17s %6d  %s\n", s.ID, s.Level, strings.ToUpper(string(verdict)), n, api)
		if verdict == reports.Failed {
			failed = append(failed, fmt.Sprintf("%s (%s, %s)", s.ID, s.Level, api))
		}
	}
	v.printf("API: UM is the UM web service (/EWS/UM2007Legacy.asmx: GetCallInfo, PlayOnPhone, Disconnect); EWS is /EWS/Exchange.asmx (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall).\n")
	if len(failed) > 0 {
		v.printf("Failed:    %s\n", strings.Join(failed, ", "))
	}
	return failed
}

// apis names the API(s) a requirement is about: the EWS requirements are EWS's, but for the
// one about a target offering both; the others are the UM web service's.
func apis(req catalogue.Requirement) string {
	switch {
	case req.EWS() && strings.Contains(req.Text, "both APIs"):
		return "UM+EWS"
	case req.EWS(), req.Area == "generated" && strings.Contains(req.Text, "EWS request"):
		return "EWS"
	case req.Area == "generated":
		return "UM+EWS"
	}
	return "UM"
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

// shellQuote writes an argument as a POSIX shell would need it, so the command reads as typed.
func shellQuote(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
