package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFixturesLint(t *testing.T) {
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "x.json"), []byte(`{"id":"x","title":"t","requirements":["C1"],"source":"s","expect":{"outcome":"sucess"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "x.request.http"), []byte("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n<a/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderrIn string
	}{
		{"embedded corpus", []string{"lint"}, 0, []string{"fixtures/corpus (embedded): ", "no problems"}, ""},
		{"broken dir", []string{"lint", broken}, 1, []string{
			filepath.Join(broken, "x.json") + `: field "expect.outcome": "sucess" is not one of success, fault, rejected, error; fix the spelling`,
			filepath.Join(broken, "x.request.http") + `: field "request": Content-Length is 1 but the body has 4 bytes`,
			"0 clean fixtures, 2 problems",
		}, ""},
		{"absent dir", []string{"lint", filepath.Join(broken, "absent")}, 2, nil, "no such file"},
		{"no subcommand", nil, 2, nil, "no subcommand"},
		{"unknown subcommand", []string{"check"}, 2, nil, `unknown subcommand "check"`},
		{"unknown flag", []string{"lint", "--bogus"}, 2, nil, "bogus"},
		{"help", []string{"--help"}, 0, []string{"Usage: umconform fixtures lint"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(append([]string{"fixtures"}, tt.args...), nil, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, &stdout, &stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, &stdout)
				}
			}
			if !strings.Contains(stderr.String(), tt.stderrIn) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderrIn, &stderr)
			}
		})
	}
}
