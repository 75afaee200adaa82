package runner

import (
	"strconv"
	"strings"

	"github.com/umconform/umconform/generate"

	"github.com/umconform/umconform/reports"
)

// program is the binary as the user invoked it, as the commands a run suggests start.
func (c *Config) program() string {
	if c.Program == "" {
		return "umconform"
	}
	return c.Program
}

// rerunBase is the command that runs target t again with the settings that reach it
// (reports.Run.Rerun). A secret never enters it: the password is read again from
// UMCONFORM_PASSWORD or the --password-file named, and --header values, which may carry
// API keys, are left for the user to give again.
func rerunBase(cfg *Config, t Target) string {
	args := []string{reports.ShellQuote(cfg.program()), "run"}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, flag, reports.ShellQuote(value))
		}
	}
	if t.Embedded() {
		add("--profile", t.Profile)
	} else {
		add("--target", t.URL)
		add("--ews-target", t.EWSURL)
		add("--dial-string", cfg.DialString)
		add("--entry-id", cfg.EntryID)
	}
	if cfg.Auth != "" && cfg.Auth != "none" {
		add("--auth", cfg.Auth)
		add("--username", cfg.Username)
		add("--password-file", cfg.PasswordFile) // else UMCONFORM_PASSWORD, as in the run
		add("--second-username", cfg.SecondUsername)
		add("--second-password-file", cfg.SecondPasswordFile) // else UMCONFORM_SECOND_PASSWORD
	}
	add("--ca-file", cfg.CAFile)
	if cfg.Insecure {
		args = append(args, "--insecure-skip-verify")
	}
	if cfg.Strict {
		args = append(args, "--strict")
	}
	// The budget decides which generated PlayOnPhone requests exist, and the seed their
	// bytes: a rerun of a generated request's check sends exactly that request.
	if cfg.MaxCalls > 0 {
		add("--max-calls", strconv.Itoa(cfg.MaxCalls))
	}
	if cfg.Seed != generate.DefaultSeed {
		add("--seed", strconv.Itoa(cfg.Seed))
	}
	return strings.Join(args, " ")
}
