package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umconform/umconform/catalogue"
	buildinfo "github.com/umconform/umconform/internal/version"
)

func TestVersionCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"version"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("version: exit %d, stderr %q", code, errOut.String())
	}
	text := out.String()
	// The harness version is the one a run writes into its reports.
	for _, want := range []string{"umconform " + buildinfo.Get().Version + "\n", "catalogue: " + catalogue.Version + "\n",
		"libxml2: " + buildinfo.Libxml2() + "\n", "go: go1."} {
		if !strings.Contains(text, want) {
			t.Errorf("version output lacks %q:\n%s", want, text)
		}
	}
	out.Reset()
	if code := dispatch([]string{"--version"}, nil, &out, &errOut); code != 0 || out.String() != text {
		t.Errorf("--version: exit %d, output %q; want the version command's %q", code, out.String(), text)
	}
	out.Reset()
	if code := dispatch([]string{"version", "--json"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("version --json: exit %d", code)
	}
	var info buildinfo.Info
	if err := json.Unmarshal(out.Bytes(), &info); err != nil || info != buildinfo.Get() {
		t.Errorf("version --json = %s (%v), want %+v", out.String(), err, buildinfo.Get())
	}
	if code := dispatch([]string{"version", "extra"}, nil, &out, &errOut); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

// TestReportsCarryTheVersions: a run's report.json and junit.xml carry what umconform
// version prints, so that a report read alone says which harness, libxml2 and Go judged it.
func TestReportsCarryTheVersions(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"version", "--json"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("version --json: exit %d", code)
	}
	var info buildinfo.Info
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if res := umconform(t, nil, "run", "--label-filter", "T1 && !ews && !places-call", "--report-dir", dir); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	var run map[string]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "report.json")), &run); err != nil {
		t.Fatal(err)
	}
	junit := string(mustRead(t, filepath.Join(dir, "junit.xml")))
	for _, f := range []struct{ json, junit, want string }{
		{"harness_version", "harness.version", info.Version},
		{"harness_commit", "harness.commit", info.Commit},
		{"go_version", "go.version", info.Go},
		{"libxml2_version", "libxml2.version", info.Libxml2},
		{"catalogue_version", "catalogue.version", info.Catalogue},
		{"platform", "platform", info.Platform},
	} {
		if f.want == "" {
			t.Errorf("version --json gives no %s", f.json)
		}
		if run[f.json] != f.want {
			t.Errorf("report.json: %s = %v, umconform version says %q", f.json, run[f.json], f.want)
		}
		if !strings.Contains(junit, `<property name="`+f.junit+`" value="`+f.want+`"`) {
			t.Errorf("junit.xml lacks the property %s=%q", f.junit, f.want)
		}
	}
}
