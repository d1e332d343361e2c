//go:build !unix

package fit

// cpuSeconds is not measured here: 0, and costs fall back on wall time.
func cpuSeconds() float64 { return 0 }
