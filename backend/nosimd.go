//go:build !goexperiment.simd

package backend

// SIMD reports whether this binary was built with GOEXPERIMENT=simd, which GoMLX's
// pure-Go backend needs for its AVX2/AVX-512 matmul kernels (about 5x faster training).
const SIMD = false
