package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseFlags parses args as fs.Parse does, but a bad flag is said in two lines, the error
// and where the flags are listed, instead of the error and the whole usage (66 lines for
// run) that bury it. -h and --help print the usage as before. The error is returned as
// fs.Parse returns it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
	case err != nil:
		fmt.Fprintf(out, "umconform %s: %v\nRun 'umconform %s --help' for the flags.\n", fs.Name(), err, fs.Name())
	}
	return err
}
