// Command peakrss runs a command and writes the command's peak resident set, in bytes, to a
// file: peakrss FILE COMMAND [ARG...]. It exits with the command's exit code.
//
// The tests run it between themselves and the harness because a process's getrusage peak
// starts at its parent's when the parent exec's it from a vfork-style clone, as Go does:
// under "go test -race" the test binary alone is over 256 MiB, which every child would then
// report. peakrss is small, so the peak it reports is the command's own.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peakrss FILE COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(2)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if err := os.WriteFile(os.Args[1], []byte(fmt.Sprint(ru.Maxrss*1024)), 0o644); err != nil { // kilobytes on Linux
			fmt.Fprintln(os.Stderr, "peakrss:", err)
			os.Exit(2)
		}
	}
	os.Exit(code)
}
