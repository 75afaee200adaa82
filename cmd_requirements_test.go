package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRequirementsStatementsFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := requirementsCommand([]string{"--statements"}, &out, &errb); code != 0 {
		t.Fatalf("--statements: exit %d\n%s", code, errb.String())
	}
	for _, want := range []string{"WS-I BP 1.1: WS-I Basic Profile 1.1\n", "bp-r1126", "checked by T3", "not judgeable: ", "open: ", "Statement inventory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--statements output lacks %q", want)
		}
	}
	out.Reset()
	errb.Reset()
	if code := requirementsCommand([]string{"--statements", "--matrix"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "choose one") {
		t.Errorf("--statements --matrix: exit %d, stderr %q", code, errb.String())
	}
}
