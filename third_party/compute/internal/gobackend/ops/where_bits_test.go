package ops

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/shapes"
)

// whereByBranch is execWhereGeneric's loop before whereBits: the reference.
func whereByBranch[T any](condition []bool, onTrue, onFalse []T, trueScalar, falseScalar bool) []T {
	out := make([]T, len(condition))
	for i, c := range condition {
		switch {
		case c && trueScalar:
			out[i] = onTrue[0]
		case c:
			out[i] = onTrue[i]
		case falseScalar:
			out[i] = onFalse[0]
		default:
			out[i] = onFalse[i]
		}
	}
	return out
}

// checkWhere runs execWhereGeneric on a random condition of n elements, with each side a
// scalar or not and the output a new buffer or one of the sides (as execWhere reuses an
// input it owns), and compares the output with whereByBranch bit for bit.
func checkWhere[T gobackend.SupportedTypesConstraints](t *testing.T, rng *rand.Rand, dtype dtypes.DType, n int, values func() T) {
	t.Helper()
	full := shapes.Make(dtype, n)
	scalar := shapes.Make(dtype)
	condition := make([]bool, n)
	for i := range condition {
		condition[i] = rng.IntN(2) == 1
	}
	for _, trueScalar := range []bool{false, true} {
		for _, falseScalar := range []bool{false, true} {
			for _, reuse := range []int{0, 1, 2} {
				side := func(isScalar bool) *gobackend.Buffer {
					if isScalar {
						return &gobackend.Buffer{RawShape: scalar, Flat: []T{values()}}
					}
					flat := make([]T, n)
					for i := range flat {
						flat[i] = values()
					}
					return &gobackend.Buffer{RawShape: full, Flat: flat}
				}
				onTrue, onFalse := side(trueScalar), side(falseScalar)
				want := whereByBranch(condition, onTrue.Flat.([]T), onFalse.Flat.([]T), trueScalar, falseScalar)
				output := &gobackend.Buffer{RawShape: full, Flat: make([]T, n)}
				if reuse == 1 && !trueScalar {
					output = onTrue
				} else if reuse == 2 && !falseScalar {
					output = onFalse
				}
				execWhereGeneric[T](&gobackend.Buffer{RawShape: shapes.Make(dtypes.Bool, n), Flat: condition},
					onTrue, onFalse, output)
				got := output.Flat.([]T)
				for i := range want {
					if !sameBits(got[i], want[i]) {
						t.Fatalf("%s n=%d trueScalar=%v falseScalar=%v reuse=%d: element %d is %v, want %v",
							dtype, n, trueScalar, falseScalar, reuse, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// sameBits compares floats by their bits (NaNs and signed zeros included).
func sameBits[T any](a, b T) bool {
	switch a := any(a).(type) {
	case float32:
		return math.Float32bits(a) == math.Float32bits(any(b).(float32))
	case float64:
		return math.Float64bits(a) == math.Float64bits(any(b).(float64))
	}
	return any(a) == any(b)
}

// TestWhereBits checks Where's mask select against the branching loop for 4- and 8-byte
// types (including NaN, infinities and -0) and the 1-byte ones that keep the loop.
func TestWhereBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 1e-40}
	f64 := func() float64 {
		if rng.IntN(4) == 0 {
			return specials[rng.IntN(len(specials))]
		}
		return rng.NormFloat64()
	}
	for _, n := range []int{1, 2, 7, 64, 1000} {
		checkWhere(t, rng, dtypes.Float32, n, func() float32 { return float32(f64()) })
		checkWhere(t, rng, dtypes.Float64, n, f64)
		checkWhere(t, rng, dtypes.Int32, n, func() int32 { return rng.Int32() - math.MaxInt32/2 })
		checkWhere(t, rng, dtypes.Uint64, n, rng.Uint64)
		checkWhere(t, rng, dtypes.Uint8, n, func() uint8 { return uint8(rng.UintN(256)) })
		checkWhere(t, rng, dtypes.Bool, n, func() bool { return rng.IntN(2) == 1 })
	}
}

// BenchmarkWhere times a LeakyReLU-gradient-like Where (random mask, gradient or 0) over
// a [64,14,14,64] float32 map with the mask select and with the branching loop.
func BenchmarkWhere(b *testing.B) {
	n := 64 * 14 * 14 * 64
	rng := rand.New(rand.NewPCG(3, 4))
	condition := make([]bool, n)
	onTrue := make([]float32, n)
	for i := range condition {
		condition[i] = rng.IntN(2) == 1
		onTrue[i] = rng.Float32()
	}
	onFalse := []float32{0}
	output := make([]float32, n)
	b.Run("mask", func(b *testing.B) {
		for b.Loop() {
			whereBits(condition, asBits[float32, uint32](onTrue), asBits[float32, uint32](onFalse),
				asBits[float32, uint32](output), false, true)
		}
	})
	b.Run("branch", func(b *testing.B) {
		for b.Loop() {
			for i, c := range condition {
				if c {
					output[i] = onTrue[i]
				} else {
					output[i] = onFalse[0]
				}
			}
		}
	})
	_ = slices.Max(output)
}
