package e2e

import (
	"bytes"
	"strings"
	"testing"
)

// TestEveryCommandHelpNamesBothAPIs: each command that reads, records, replays or
// compares messages says in its --help that it handles both APIs.
func TestEveryCommandHelpNamesBothAPIs(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--help"}, {"validate", "--help"}, {"record", "--help"}, {"fixtures", "--help"},
		{"compare", "--help"}, {"merge", "--help"}, {"expectations", "--help"},
	} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(args, nil, &stdout, &stderr); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		help := stdout.String() + stderr.String()
		if !strings.Contains(help, "both APIs") || !strings.Contains(help, "UM") || !strings.Contains(help, "EWS") {
			t.Errorf("%v does not say it handles both APIs (UM and EWS):\n%s", args, help)
		}
	}
}
