//go:build unix

package fit

import "syscall"

// cpuSeconds is the CPU time this process has used, user and system, over all its
// threads: the core-seconds it cost, which wall time overstates when the process
// shared its cores or was paused.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
