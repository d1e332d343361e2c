package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/shapes"
)

// reduceByIterator is the element-by-element loop that reduceRuns replaces.
func reduceByIterator[T float32 | float64 | int32](operand []T, output []T, it *ReduceOutputIterator, op func(a, b T) T) {
	for _, value := range operand {
		outputIdx := it.Next()
		output[outputIdx] = op(output[outputIdx], value)
	}
}

// TestReduceRuns checks the run loops of ReduceSum, ReduceMax and ReduceMin against
// the iterator loop, bit for bit, on random shapes and axes: runs kept and reduced,
// size-1 axes, and runs too short for the fast path.
func TestReduceRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dimChoices := []int{1, 2, 3, 5, 8, 13, 16, 64}
	fast := 0
	for trial := range 400 {
		rank := 1 + rng.IntN(5)
		dims := make([]int, rank)
		size := 1
		for axis := range dims {
			dims[axis] = dimChoices[rng.IntN(len(dimChoices))]
			size *= dims[axis]
		}
		if size > 1<<18 {
			continue
		}
		var axes, keptDims []int
		for axis := range rank {
			if rng.IntN(2) == 0 {
				axes = append(axes, axis)
			} else {
				keptDims = append(keptDims, dims[axis])
			}
		}
		if len(axes) == 0 {
			continue
		}
		if _, ok := newReduceRuns(NewReduceOutputIterator(dims, axes)); ok {
			fast++
		}
		outSize := 1
		for _, d := range keptDims {
			outSize *= d
		}
		checkReduceRuns(t, trial, rng, dims, axes, outSize, dtypes.Float32, func() float32 { return float32(rng.NormFloat64()) })
		checkReduceRuns(t, trial, rng, dims, axes, outSize, dtypes.Float64, rng.NormFloat64)
		checkReduceRuns(t, trial, rng, dims, axes, outSize, dtypes.Int32, func() int32 { return int32(rng.IntN(2001) - 1000) })
	}
	if fast < 100 {
		t.Fatalf("only %d shapes took the run loops; the test would miss them", fast)
	}
}

func checkReduceRuns[T float32 | float64 | int32](t *testing.T, trial int, rng *rand.Rand, dims, axes []int, outSize int, dtype dtypes.DType, draw func() T) {
	t.Helper()
	size := 1
	for _, d := range dims {
		size *= d
	}
	flat := make([]T, size)
	for i := range flat {
		flat[i] = draw()
	}
	operand := &gobackend.Buffer{RawShape: shapes.Make(dtype, dims...), Flat: flat}
	for _, c := range []struct {
		name string
		fn   GenericReduceFn
		init T
		op   func(a, b T) T
	}{
		{"sum", execReduceSumGeneric[T], 0, func(a, b T) T { return a + b }},
		{"max", execReduceMaxGeneric[T], dtype.LowestValue().(T), func(a, b T) T { return max(a, b) }},
		{"min", execReduceMinGeneric[T], dtype.HighestValue().(T), func(a, b T) T { return min(a, b) }},
	} {
		got := make([]T, outSize)
		output := &gobackend.Buffer{Flat: got}
		if err := c.fn(operand, output, NewReduceOutputIterator(dims, axes), dtype); err != nil {
			t.Fatal(err)
		}
		want := make([]T, outSize)
		for i := range want {
			want[i] = c.init
		}
		reduceByIterator(flat, want, NewReduceOutputIterator(dims, axes), c.op)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: %s %s of %v over axes %v: got %v, want %v", trial, dtype, c.name, dims, axes, got[:min(8, len(got))], want[:min(8, len(want))])
		}
	}
}

// BenchmarkReduceSum times batch statistics of an NHWC map (runs of channels), a sum
// over the last axis (one run per output) and the iterator loop they replace.
func BenchmarkReduceSum(b *testing.B) {
	for _, c := range []struct {
		name string
		dims []int
		axes []int
	}{
		{"nhwc-stats", []int{64, 14, 14, 64}, []int{0, 1, 2}},
		{"last-axis", []int{128, 784}, []int{1}},
	} {
		size := 1
		for _, d := range c.dims {
			size *= d
		}
		flat := make([]float32, size)
		for i := range flat {
			flat[i] = float32(i%7) - 3
		}
		operand := &gobackend.Buffer{RawShape: shapes.Make(dtypes.Float32, c.dims...), Flat: flat}
		outSize := size
		for _, axis := range c.axes {
			outSize /= c.dims[axis]
		}
		out := make([]float32, outSize)
		b.Run(c.name+"/runs", func(b *testing.B) {
			for b.Loop() {
				_ = execReduceSumGeneric[float32](operand, &gobackend.Buffer{Flat: out}, NewReduceOutputIterator(c.dims, c.axes), dtypes.Float32)
			}
		})
		b.Run(c.name+"/iterator", func(b *testing.B) {
			for b.Loop() {
				// The loop execReduceSumGeneric ran before the runs.
				clear(out)
				it := NewReduceOutputIterator(c.dims, c.axes)
				for _, value := range flat {
					out[it.Next()] += value
				}
			}
		})
	}
}
