package main

import (
	"strings"
	"testing"
)

// The rough edges a newcomer meets on a first run: each is a usage error (exit 2) said in
// one plain line, before anything is started or sent.

// TestBadLabelFilterIsCheckedFirst: a filter that does not parse is reported before the
// embedded server starts, in plain text (Ginkgo's message carries {{red}} colour codes).
func TestBadLabelFilterIsCheckedFirst(t *testing.T) {
	res := umconform(t, nil, "run", "--label-filter", "((", "--report-dir", t.TempDir())
	out := res.stdout + res.stderr
	if res.code != 2 {
		t.Errorf("exit %d, want 2", res.code)
	}
	if strings.Contains(out, "{{") || strings.Contains(out, "Started the embedded") || !strings.Contains(res.stderr, `--label-filter "((": `) {
		t.Errorf("want one plain line about the filter, before anything starts:\n%s", out)
	}
}
