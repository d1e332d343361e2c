//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// peakMiB is the most resident memory the process has used so far, in MiB: the number
// a learner's 8 GB laptop cares about (genlab's budget is 2 GiB at default settings).
func peakMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes there, KiB on Linux
	}
	return float64(ru.Maxrss) / (1 << 10)
}
