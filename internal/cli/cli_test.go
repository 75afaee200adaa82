package cli

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestProg(t *testing.T) {
	for argv0, want := range map[string]string{
		"":                          "umconform",
		"umconform":                 "umconform", // found on PATH by the shell
		"bin/umconform":             "bin/umconform",
		"./umconform-linux-amd64":   "./umconform-linux-amd64",
		"/usr/local/bin/umconform":  "umconform",
		"/tmp/go-build1/exe/umconf": "umconf",
	} {
		if got := Prog(argv0); got != want {
			t.Errorf("Prog(%q) = %q, want %q", argv0, got, want)
		}
	}
}

// TestFitHelp: a long line is broken between words, its continuations indented as it is;
// short lines, their inner spacing and the hints' program name are as asked.
func TestFitHelp(t *testing.T) {
	long := "    \t" + strings.Repeat("word ", 30) + "end"
	got := fitHelp("Usage: umconform run [flags]\n  a    b\n"+long+"\nsee umconform's own server\n", "bin/umconform", 0)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if lines[0] != "Usage: bin/umconform run [flags]" || lines[1] != "  a    b" || lines[len(lines)-1] != "see umconform's own server" {
		t.Errorf("fitHelp changed what it should keep:\n%s", got)
	}
	words := 0
	for _, l := range lines[2 : len(lines)-1] {
		if columns(l) > helpWidth || !strings.HasPrefix(l, "    \tword") && !strings.HasPrefix(l, "    \tend") {
			t.Errorf("line %q: %d columns, or not indented as the line it continues", l, columns(l))
		}
		words += len(strings.Fields(l))
	}
	if len(lines) < 5 || words != 31 {
		t.Errorf("the long line was not broken into lines holding its 31 words:\n%s", got)
	}
}

// TestGroupDispatch: a verb with several subcommands runs the one named, and without one
// (or with an unknown one) names them all.
func TestGroupDispatch(t *testing.T) {
	ran := false
	probe := &command{name: "fixtures probe", synopsis: "DIR", operands: operands{min: 1, max: 1, want: "one DIR"},
		setup: func(*invocation) body { return func(context.Context) int { ran = true; return exitOK } }}
	saved := commands
	commands = append(slices.Clone(commands), probe)
	defer func() { commands = saved }()

	call := func(args ...string) (int, string) {
		var out strings.Builder
		code := Main(t.Context(), "umconform", args, nil, &out, &out)
		return code, out.String()
	}
	if code, out := call("fixtures", "probe", "x"); code != exitOK || !ran {
		t.Errorf("fixtures probe x: exit %d, ran %v:\n%s", code, ran, out)
	}
	if code, out := call("fixtures", "probe"); code != exitCannotRun || !strings.Contains(out, "no argument given: want one DIR") {
		t.Errorf("fixtures probe: exit %d:\n%s", code, out)
	}
	both := "'umconform fixtures lint [DIR...]' or 'umconform fixtures export [--seed N] DIR' or 'umconform fixtures probe DIR'"
	for _, args := range [][]string{{"fixtures"}, {"fixtures", "nope"}} {
		if code, out := call(args...); code != exitCannotRun || !strings.Contains(out, both) {
			t.Errorf("%v: exit %d, want 2 and %s:\n%s", args, code, both, out)
		}
	}
	if code, out := call("help", "fixtures"); code != exitOK || !strings.Contains(out, "Usage: umconform fixtures probe DIR") {
		t.Errorf("help fixtures: exit %d, want the usages:\n%s", code, out)
	}
	if code, out := call("fixtures", "--help"); code != exitOK || !strings.Contains(out, "Usage: umconform fixtures lint") || !strings.Contains(out, "Usage: umconform fixtures probe DIR") {
		t.Errorf("fixtures --help: exit %d, want both usages:\n%s", code, out)
	}
}
