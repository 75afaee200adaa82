package cli

import (
	"strings"
	"testing"
)

// TestRequirementsStatementsFlag: --statements prints the inventory and its coverage (the
// OPEN column counts rows no check judges yet; since H1 took RFC 9112's Host and
// Content-Length rules the inventory has none); with --matrix it is a usage error (exit 2)
// that says to choose.
func TestRequirementsStatementsFlag(t *testing.T) {
	var out strings.Builder
	if code := Main(t.Context(), "umconform", []string{"requirements", "--statements"}, nil, &out, &out); code != exitOK {
		t.Fatalf("--statements: exit %d\n%s", code, out.String())
	}
	for _, want := range []string{"WS-I BP 1.1: WS-I Basic Profile 1.1\n", "bp-r1126", "checked by T3", "not judgeable: ", " OPEN ", "Statement inventory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--statements output lacks %q", want)
		}
	}
	out.Reset()
	if code := Main(t.Context(), "umconform", []string{"requirements", "--statements", "--matrix"}, nil, &out, &out); code != exitCannotRun || !strings.Contains(out.String(), "choose one") {
		t.Errorf("--statements --matrix: exit %d:\n%s", code, out.String())
	}
}
