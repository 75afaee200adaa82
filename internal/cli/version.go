package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	buildinfo "github.com/umconform/umconform/internal/version"
)

// versionCommand implements "umconform version" and "umconform --version": the harness
// version and commit, the Go toolchain, libxml2 and the catalogue, as reports carry them.
func versionCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the versions as one JSON object")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform version [--json]\n\n"+
			"Prints the harness version and commit, the Go version, the libxml2 version and the\n"+
			"requirement catalogue version. Reports carry the same harness and catalogue versions.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "umconform version: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	info := buildinfo.Get()
	if *asJSON {
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "umconform version: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	fmt.Fprint(stdout, info.String())
	return 0
}
