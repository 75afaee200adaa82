//go:build prof

package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	if p := os.Getenv("UMC_HEAPPROFILE"); p != "" {
		s, _ := strconv.ParseFloat(os.Getenv("UMC_HEAPAT"), 64)
		go func() {
			time.Sleep(time.Duration(s * float64(time.Second)))
			runtime.GC()
			f, _ := os.Create(p)
			pprof.WriteHeapProfile(f)
			f.Close()
		}()
	}
}
