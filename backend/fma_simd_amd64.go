//go:build goexperiment.simd && amd64

package backend

import "simd/archsimd"

// slowExp: math.Exp takes its FMA path when the CPU has FMA and GODEBUG has not turned
// it off (archsimd reads the same cpu feature bits as package math).
func slowExp() bool { return archsimd.X86.FMA() }
