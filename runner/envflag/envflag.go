// Package envflag registers command-line flags whose defaults come from UMCONFORM_* environment variables.
package envflag

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Set registers flags whose defaults come from UMCONFORM_* variables and names the
// variable in each flag's help, so CI jobs can configure a run without a command line.
type Set struct {
	fs   *flag.FlagSet
	errs []string
}

// New wraps fs.
func New(fs *flag.FlagSet) *Set { return &Set{fs: fs} }

// Errs returns the problems found in the variables, each naming the variable.
func (e *Set) Errs() []string { return e.errs }

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
	e.fs.Func(flagName, fmt.Sprintf("%s; repeatable (env UMCONFORM_%s)", usage, envName), func(s string) error {
		*p = append(*p, s)
		return nil
	})
}
