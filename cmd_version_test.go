package main

import (
	"bytes"
	"encoding/json"
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
	for _, want := range []string{"umconform " + version() + "\n", "catalogue: " + catalogue.Version + "\n",
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
