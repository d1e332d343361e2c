// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

//go:build amd64 && goexperiment.simd

package matmul

import (
	"fmt"
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"

	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/internal/gobackend/dot"
)

// TestPackTransposedLHS: packing from lhs stored transposed fills the panel packLHS
// fills from lhs itself, padding included, for strips of 2, 4 and 8 rows.
func TestPackTransposedLHS(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kernelRows := range []int{2, 4, 8} {
		for range 300 {
			rows, cols := 1+rng.IntN(40), 1+rng.IntN(70)
			copyRows, copyCols := 1+rng.IntN(rows), 1+rng.IntN(cols)
			rowStart, colStart := rng.IntN(rows-copyRows+1), rng.IntN(cols-copyCols+1)
			lhs := make([]float32, rows*cols)
			lhsT := make([]float32, rows*cols)
			for r := range rows {
				for c := range cols {
					v := rng.Float32()
					lhs[r*cols+c], lhsT[c*rows+r] = v, v
				}
			}
			size := (copyRows + kernelRows - 1) / kernelRows * copyCols * kernelRows
			want, got := make([]float32, size), make([]float32, size)
			for i := range got {
				got[i] = float32(math.NaN()) // the padding must be written, not left
			}
			packLHS(lhs, want, rowStart, colStart, cols, copyRows, copyCols, kernelRows)
			packTransposedLHS(lhsT, got, rowStart, colStart, rows, copyRows, copyCols, kernelRows)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("kernelRows %d, lhs %dx%d, block %dx%d at (%d,%d): panel[%d] = %g, want %g",
						kernelRows, rows, cols, copyRows, copyCols, rowStart, colStart, i, got[i], want[i])
				}
			}
		}
	}
}

// TestTransposedLHSRouter: the AVX-512 routers given operands in LayoutTransposedLHS
// return, bit for bit, what they return for the same operands transposed to
// LayoutTransposed (what DotGeneral computed before the layout existed), with the
// small and the large kernels, one and several workers; and that is the product a
// float64 loop gives, within float32 rounding.
func TestTransposedLHSRouter(t *testing.T) {
	if !archsimd.X86.AVX512() {
		t.Skip("AVX512 is not supported on this machine")
	}
	for _, config := range []string{"parallelism=1", "parallelism=-1"} {
		b, err := gobackend.New(config)
		if err != nil {
			t.Fatal(err)
		}
		backend := b.(*gobackend.Backend)
		rng := rand.New(rand.NewPCG(3, 4))
		// [batch, lhsCross, rhsCross, contracting]: below and above the small kernels'
		// threshold, sizes that are not multiples of the kernels' 4 rows, 32 (16)
		// columns and 64-deep panels, and a conv VAE weight gradient's.
		for _, dims := range [][4]int{
			{1, 1, 1, 1}, {1, 3, 5, 7}, {2, 17, 33, 65}, {1, 64, 32, 3136}, {3, 30, 70, 129},
			{1, 130, 300, 200}, {1, 64, 512, 784}, {2, 5, 257, 1000}, {1, 33, 1, 4097},
		} {
			batch, n, m, k := dims[0], dims[1], dims[2], dims[3]
			lhsT, rhs := make([]float32, batch*k*n), make([]float32, batch*k*m)
			for i := range lhsT {
				lhsT[i] = float32(rng.NormFloat64())
			}
			for i := range rhs {
				rhs[i] = float32(rng.NormFloat64())
			}
			lhsTr, rhsTr := make([]float32, len(lhsT)), make([]float32, len(rhs))
			transposeBatch(lhsT, lhsTr, batch, k, n)
			transposeBatch(rhs, rhsTr, batch, k, m)
			lhsT64, rhs64 := make([]float64, len(lhsT)), make([]float64, len(rhs))
			for i, v := range lhsT {
				lhsT64[i] = float64(v)
			}
			for i, v := range rhs {
				rhs64[i] = float64(v)
			}
			lhsTr64, rhsTr64 := make([]float64, len(lhsT)), make([]float64, len(rhs))
			transposeBatch(lhsT64, lhsTr64, batch, k, n)
			transposeBatch(rhs64, rhsTr64, batch, k, m)
			for _, large := range []bool{false, true} {
				name := fmt.Sprintf("%s/%v/large=%v", config, dims, large)
				ForceLargeVariant = large
				want, got := make([]float32, batch*n*m), make([]float32, batch*n*m)
				avx512RouterFloat32(backend, dot.LayoutTransposed, lhsTr, rhsTr, batch, n, m, k, want)
				avx512RouterFloat32(backend, dot.LayoutTransposedLHS, lhsT, rhs, batch, n, m, k, got)
				want64, got64 := make([]float64, batch*n*m), make([]float64, batch*n*m)
				avx512RouterFloat64(backend, dot.LayoutTransposed, lhsTr64, rhsTr64, batch, n, m, k, want64)
				avx512RouterFloat64(backend, dot.LayoutTransposedLHS, lhsT64, rhs64, batch, n, m, k, got64)
				ForceLargeVariant = false
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: float32 output[%d] = %g, want %g", name, i, got[i], want[i])
					}
					if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
						t.Fatalf("%s: float64 output[%d] = %g, want %g", name, i, got64[i], want64[i])
					}
				}
				// The product itself: out[b, i, j] = sum_c lhsT[b, c, i] * rhs[b, c, j].
				for bi := range batch {
					for i := range n {
						for j := range m {
							var sum, abs float64
							for c := range k {
								p := lhsT64[(bi*k+c)*n+i] * rhs64[(bi*k+c)*m+j]
								sum += p
								abs += math.Abs(p)
							}
							idx := (bi*n+i)*m + j
							if d := math.Abs(float64(got[idx]) - sum); d > 1e-5*abs+1e-6 {
								t.Fatalf("%s: output[%d,%d,%d] = %g, want %g", name, bi, i, j, got[idx], sum)
							}
							if d := math.Abs(got64[idx] - sum); d > 1e-12*abs+1e-12 {
								t.Fatalf("%s: float64 output[%d,%d,%d] = %g, want %g", name, bi, i, j, got64[idx], sum)
							}
						}
					}
				}
			}
		}
		backend.Finalize()
	}
}
