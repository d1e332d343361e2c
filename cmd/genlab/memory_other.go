//go:build !unix

package main

// peakMiB is not measured outside Unix.
func peakMiB() float64 { return 0 }
