// Package envflag registers command-line flags whose defaults come from UMCONFORM_* environment variables.
package envflag

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Set registers flags whose defaults come from UMCONFORM_* variables and names the
// variable in each flag's help, so CI jobs can configure a run without a command line.
type Set struct {
	fs   *flag.FlagSet
	errs []string
	// required are the settings that may be left out but never given empty (see
	// NotEmpty), by flag name; emptyFlag holds those given empty on the command line.
	required  map[string]required
	emptyFlag map[string]bool
}

// required is a setting NotEmpty names, with what to do instead of leaving it empty.
type required struct{ envName, fix string }

// New wraps fs.
func New(fs *flag.FlagSet) *Set { return &Set{fs: fs} }

// Errs returns the problems found in the variables and, once the flags are parsed, the
// settings NotEmpty names that were given empty, each naming the variable or flag.
func (e *Set) Errs() []string {
	errs := slices.Clone(e.errs)
	names := slices.Sorted(maps.Keys(e.required))
	for _, name := range names {
		r := e.required[name]
		if v, ok := e.env(r.envName); ok && strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Sprintf("UMCONFORM_%s is set but empty: %s", r.envName, r.fix))
		}
	}
	if e.fs.Parsed() {
		e.fs.Visit(func(f *flag.Flag) {
			if r, ok := e.required[f.Name]; ok && (e.emptyFlag[f.Name] || !e.isList(f) && strings.TrimSpace(f.Value.String()) == "") {
				errs = append(errs, fmt.Sprintf("--%s is given but empty: %s", f.Name, r.fix))
			}
		})
	}
	return errs
}

// NotEmpty marks a setting that may be left out, but never given empty: a CI job whose
// variable holds nothing (GitHub Actions' ${{ vars.X }} when X is not defined) must not
// quietly run as if the setting were left out. fix says what to do instead.
func (e *Set) NotEmpty(flagName, envName, fix string) {
	if e.required == nil {
		e.required = map[string]required{}
	}
	e.required[flagName] = required{envName: envName, fix: fix}
}

// isList tells a flag List registered (its Value says nothing of its values).
func (e *Set) isList(f *flag.Flag) bool { _, ok := e.emptyFlag[f.Name]; return ok }

func (e *Set) env(name string) (string, bool) { return os.LookupEnv("UMCONFORM_" + name) }

// String registers a string flag.
func (e *Set) String(p *string, flagName, envName, def, usage string) {
	if v, ok := e.env(envName); ok {
		def = v
	}
	e.fs.StringVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

// Bool registers a boolean flag; a variable that is not a boolean is an error.
func (e *Set) Bool(p *bool, flagName, envName string, usage string) {
	def := false
	if v, ok := e.env(envName); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("UMCONFORM_%s=%q: want true or false", envName, v))
		}
		def = b
	}
	e.fs.BoolVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

// Duration registers a duration flag; a variable that is not a duration is an error.
func (e *Set) Duration(p *time.Duration, flagName, envName string, def time.Duration, usage string) {
	if v, ok := e.env(envName); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("UMCONFORM_%s=%q: want a duration such as 10s", envName, v))
		}
		def = d
	}
	e.fs.DurationVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

// Int registers an integer flag; a variable that is not a whole number is an error.
func (e *Set) Int(p *int, flagName, envName string, def int, usage string) {
	if v, ok := e.env(envName); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("UMCONFORM_%s=%q: want a whole number", envName, v))
		}
		def = n
	}
	e.fs.IntVar(p, flagName, def, fmt.Sprintf("%s (env UMCONFORM_%s)", usage, envName))
}

// List registers a repeatable flag; the variable holds values separated by newlines (or
// commas for folder lists).
func (e *Set) List(p *[]string, flagName, envName, sep, usage string) {
	if v, ok := e.env(envName); ok && v != "" {
		*p = strings.Split(v, sep)
	}
	if e.emptyFlag == nil {
		e.emptyFlag = map[string]bool{}
	}
	e.emptyFlag[flagName] = false
	e.fs.Func(flagName, fmt.Sprintf("%s; repeatable (env UMCONFORM_%s)", usage, envName), func(s string) error {
		if strings.TrimSpace(s) == "" {
			e.emptyFlag[flagName] = true
		}
		*p = append(*p, s)
		return nil
	})
}
