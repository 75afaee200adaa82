package envflag

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestVariablesAreDefaultsAndFlagsWin(t *testing.T) {
	t.Setenv("UMCONFORM_NAME", "from-env")
	t.Setenv("UMCONFORM_ON", "true")
	t.Setenv("UMCONFORM_WAIT", "3s")
	t.Setenv("UMCONFORM_N", "7")
	t.Setenv("UMCONFORM_LIST", "a,b")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var (
		name string
		on   bool
		wait time.Duration
		n    int
		list []string
	)
	s := New(fs)
	s.String(&name, "name", "NAME", "def", "a name")
	s.Bool(&on, "on", "ON", "a switch")
	s.Duration(&wait, "wait", "WAIT", time.Second, "a wait")
	s.Int(&n, "n", "N", 1, "a count")
	s.List(&list, "item", "LIST", ",", "an item")
	if err := fs.Parse([]string{"--n", "9"}); err != nil {
		t.Fatal(err)
	}
	if name != "from-env" || !on || wait != 3*time.Second || n != 9 || strings.Join(list, "|") != "a|b" || len(s.Errs()) != 0 {
		t.Errorf("name %q on %v wait %v n %d list %v errs %v", name, on, wait, n, list, s.Errs())
	}
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.PrintDefaults()
	for _, v := range []string{"UMCONFORM_NAME", "UMCONFORM_ON", "UMCONFORM_WAIT", "UMCONFORM_N", "UMCONFORM_LIST"} {
		if !strings.Contains(help.String(), "(env "+v+")") {
			t.Errorf("help does not name %s:\n%s", v, help.String())
		}
	}
}

func TestBadVariablesAreReported(t *testing.T) {
	t.Setenv("UMCONFORM_ON", "maybe")
	t.Setenv("UMCONFORM_WAIT", "soon")
	t.Setenv("UMCONFORM_N", "many")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var on bool
	var wait time.Duration
	var n int
	s := New(fs)
	s.Bool(&on, "on", "ON", "a switch")
	s.Duration(&wait, "wait", "WAIT", time.Second, "a wait")
	s.Int(&n, "n", "N", 1, "a count")
	errs := strings.Join(s.Errs(), "\n")
	for _, want := range []string{`UMCONFORM_ON="maybe": want true or false`, `UMCONFORM_WAIT="soon": want a duration`, `UMCONFORM_N="many": want a whole number`} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
}

// TestNotEmpty: a setting NotEmpty names may be left out, but a variable or flag that gives
// it empty is an error naming it.
func TestNotEmpty(t *testing.T) {
	parse := func(args ...string) []string {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		var list []string
		var file string
		s := New(fs)
		s.List(&list, "target", "T_LIST", ",", "targets")
		s.String(&file, "file", "T_FILE", "", "a file")
		s.NotEmpty("target", "T_LIST", "give a URL")
		s.NotEmpty("file", "T_FILE", "give a file")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return s.Errs()
	}
	if errs := parse("--target", "https://x", "--file", "f"); len(errs) != 0 {
		t.Errorf("set settings: %v", errs)
	}
	if errs := parse(); len(errs) != 0 {
		t.Errorf("settings left out: %v", errs)
	}
	if errs := strings.Join(parse("--target", " ", "--file="), "\n"); !strings.Contains(errs, "--target is given but empty: give a URL") || !strings.Contains(errs, "--file is given but empty: give a file") {
		t.Errorf("empty flags: %s", errs)
	}
	t.Setenv("UMCONFORM_T_LIST", "")
	t.Setenv("UMCONFORM_T_FILE", "")
	if errs := strings.Join(parse(), "\n"); !strings.Contains(errs, "UMCONFORM_T_LIST is set but empty") || !strings.Contains(errs, "UMCONFORM_T_FILE is set but empty") {
		t.Errorf("empty variables: %s", errs)
	}
}
