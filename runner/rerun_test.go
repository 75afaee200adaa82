package runner

import (
	"strings"
	"testing"
)

// TestRerunBaseNamesNoSecret: the rerun command names the target and the settings that
// reach it, and a credential only by where it is read from.
func TestRerunBaseNamesNoSecret(t *testing.T) {
	cfg := &Config{DialString: "+15550100", EntryID: "AAMk=", Auth: "ntlm", Username: `LAB\tester`, Password: "s3cret",
		Headers: []string{"X-Api-Key: k3y"}}
	got := rerunBase(cfg, Target{URL: "https://um.example/EWS/UM2007Legacy.asmx"})
	want := `umconform run --target https://um.example/EWS/UM2007Legacy.asmx --dial-string +15550100 --entry-id AAMk= --auth ntlm --username 'LAB\tester'`
	if got != want || strings.Contains(got, "s3cret") || strings.Contains(got, "k3y") {
		t.Errorf("rerunBase = %s\nwant         %s", got, want)
	}
}

// TestRerunBaseKeepsWhatMakesTheGeneratedRequests: the seed decides a generated request's
// bytes and the call budget whether PlayOnPhone's are made at all, so a rerun names both;
// the default seed is left out, as every default is.
func TestRerunBaseKeepsWhatMakesTheGeneratedRequests(t *testing.T) {
	target := Target{URL: "https://um.example/EWS/UM2007Legacy.asmx"}
	got := rerunBase(&Config{DialString: "+15550100", EntryID: "AAMk=", MaxCalls: 12, Seed: 42}, target)
	want := `umconform run --target https://um.example/EWS/UM2007Legacy.asmx --dial-string +15550100 --entry-id AAMk= --max-calls 12 --seed 42`
	if got != want {
		t.Errorf("rerunBase = %s\nwant         %s", got, want)
	}
	if got := rerunBase(&Config{Profile: "exchange"}, Target{Name: "reference", Profile: "exchange"}); strings.Contains(got, "--seed") {
		t.Errorf("rerunBase with the default seed names it: %s", got)
	}
}

// TestRerunBaseNamesTheBinaryAsInvoked: the rerun command starts as the user started the
// run (bin/umconform when make run built it), umconform when that is not known.
func TestRerunBaseNamesTheBinaryAsInvoked(t *testing.T) {
	for prog, want := range map[string]string{
		"":                 "umconform run --profile exchange",
		"bin/umconform":    "bin/umconform run --profile exchange",
		"my dir/umconform": "'my dir/umconform' run --profile exchange",
	} {
		cfg := &Config{Program: prog}
		if got := rerunBase(cfg, Target{Profile: "exchange"}); got != want {
			t.Errorf("Program %q: rerunBase = %s, want %s", prog, got, want)
		}
	}
}
