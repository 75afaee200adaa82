package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the whole process to the file UMCONFORM_CPUPROFILE
// names, when it is set: how docs/PERFORMANCE.md's profiles of a run were taken, without
// a flag on every command. The returned function stops it.
func startProfile() func() {
	path := os.Getenv("UMCONFORM_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "umconform: UMCONFORM_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "umconform: UMCONFORM_CPUPROFILE: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
