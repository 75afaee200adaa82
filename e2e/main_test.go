// Package e2e holds umconform's end-to-end tests: they run its commands as a user does,
// most of them in a child process, the test binary standing in for umconform.
package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/umconform/umconform/internal/cli"
)

// TestMain lets the test binary stand in for the umconform binary: a child started with
// UMCONFORM_AS_MAIN=1 runs the command its arguments name. Ginkgo allows one suite run per
// process, so every "umconform run" in these tests is a child process.
//
// The tests read the repository's files (README.md, docs, fixtures, schema samples) and
// build the binary (go build .) from the module's root, by the paths a user's commands
// name them: they run there.
func TestMain(m *testing.M) {
	if os.Getenv("UMCONFORM_AS_MAIN") == "1" {
		os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	// The children are started as os.Args[0]: from the root, it must not be relative.
	self, err := filepath.Abs(os.Args[0])
	if err == nil {
		os.Args[0] = self
		err = os.Chdir("..")
	}
	if err != nil {
		panic(err)
	}
	code := m.Run()
	removeBuiltBinary()
	os.Exit(code)
}

// dispatch runs one command as the binary "umconform" would.
func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return dispatchContext(context.Background(), args, stdin, stdout, stderr)
}

// dispatchContext is dispatch with ctx standing in for SIGINT and SIGTERM.
func dispatchContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Main(ctx, "umconform", args, stdin, stdout, stderr)
}

// runRecord is "umconform record ARGS", stopped when ctx ends.
func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return dispatchContext(ctx, append([]string{"record"}, args...), nil, stdout, stderr)
}

// runServe is "umconform serve ARGS", stopped when ctx ends.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return dispatchContext(ctx, append([]string{"serve"}, args...), nil, stdout, stderr)
}
