package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// startProfile writes a CPU profile of the whole process to the file UMCONFORM_CPUPROFILE
// names, and a heap profile taken at the run's largest live heap to the file
// UMCONFORM_HEAPPROFILE names, when they are set: how docs/PERFORMANCE.md's profiles of a
// run were taken, without a flag on every command. The returned function stops them.
func startProfile() func() {
	stopCPU := startCPUProfile(os.Getenv("UMCONFORM_CPUPROFILE"))
	stopHeap := startHeapProfile(os.Getenv("UMCONFORM_HEAPPROFILE"))
	return func() { stopHeap(); stopCPU() }
}

func startCPUProfile(path string) func() {
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

// startHeapProfile samples the live heap every 50 ms and keeps a profile of the largest
// seen (after a collection, so that it shows what is live, not garbage), written at the
// end. Peak memory is what issue 25 bounds, and a profile at the end of a run shows what
// is left, not what was held at the peak.
func startHeapProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	var best bytes.Buffer
	go func() {
		defer close(done)
		var peak uint64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc < peak+peak/20 {
				continue
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc <= peak {
				continue
			}
			peak = ms.HeapAlloc
			best.Reset()
			if err := pprof.Lookup("heap").WriteTo(&best, 0); err != nil {
				fmt.Fprintf(os.Stderr, "umconform: UMCONFORM_HEAPPROFILE: %v\n", err)
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		if err := os.WriteFile(path, best.Bytes(), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "umconform: UMCONFORM_HEAPPROFILE: %v\n", err)
		}
	}
}
