//go:build !(goexperiment.simd && amd64)

package backend

// slowExp: without the SIMD kernels (or off amd64) math.Exp has no slow path.
func slowExp() bool { return false }
