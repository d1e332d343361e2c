package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/shapes"
)

// transposeByIterator is the element-by-element loop that transposeBlocks replaces.
func transposeByIterator[T any](in, out []T, it *TransposeIterator) {
	for _, value := range in {
		out[it.Next()] = value
	}
}

// TestTransposeBlocks checks transposeBlocks against the iterator loop on random
// shapes and permutations, for 1-, 4- and 8-byte elements: runs that stay last,
// tiled 2-D transposes with batch axes around them, size-1 axes, edges of tiles, and
// blocks too small for either (which must write nothing and return false).
func TestTransposeBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dimChoices := []int{1, 2, 3, 4, 5, 8, 17, 33}
	var identities, moved, fallbacks int
	for trial := range 600 {
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
		perm := rng.Perm(rank)
		operand := shapes.Make(dtypes.Float32, dims...)
		in := make([]float32, size)
		for i := range in {
			in[i] = float32(i) + 0.5
		}
		got := make([]float32, size)
		ok := transposeBlocks(in, got, NewTransposeIterator(operand, perm))
		want := make([]float32, size)
		transposeByIterator(in, want, NewTransposeIterator(operand, perm))
		if !ok {
			fallbacks++
			if slices.ContainsFunc(got, func(v float32) bool { return v != 0 }) {
				t.Fatalf("trial %d: %v by %v: transposeBlocks wrote and then declined", trial, dims, perm)
			}
			continue
		}
		if slices.Equal(in, want) {
			identities++ // An identity after size-1 axes: one run.
		} else {
			moved++
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: transpose of %v by %v: got %v..., want %v...", trial, dims, perm, got[:min(8, size)], want[:min(8, size)])
		}
		// The same through the executor's generic entry, for 1- and 8-byte types.
		bytesIn := make([]uint8, size)
		for i := range bytesIn {
			bytesIn[i] = uint8(i * 7)
		}
		checkTransposeGeneric(t, trial, dtypes.Uint8, dims, perm, bytesIn)
		floatsIn := make([]float64, size)
		for i := range floatsIn {
			floatsIn[i] = float64(i) * 1.25
		}
		checkTransposeGeneric(t, trial, dtypes.Float64, dims, perm, floatsIn)
	}
	if moved < 100 || fallbacks < 20 {
		t.Fatalf("%d permuted copies and %d fallbacks in the trials; the test would miss one of them", moved, fallbacks)
	}
	t.Logf("%d identities, %d permuted copies, %d fallbacks", identities, moved, fallbacks)
}

func checkTransposeGeneric[T uint8 | float64](t *testing.T, trial int, dtype dtypes.DType, dims, perm []int, in []T) {
	t.Helper()
	operand := shapes.Make(dtype, dims...)
	got := make([]T, len(in))
	execTransposeGeneric[T](&gobackend.Buffer{RawShape: operand, Flat: in}, &gobackend.Buffer{Flat: got}, NewTransposeIterator(operand, perm))
	want := make([]T, len(in))
	transposeByIterator(in, want, NewTransposeIterator(operand, perm))
	if !slices.Equal(got, want) {
		t.Fatalf("trial %d: %s transpose of %v by %v differs from the iterator's", trial, dtype, dims, perm)
	}
}

// BenchmarkTranspose times a matmul gradient's 2-D transpose and an NHWC -> NCHW
// layout change, by blocks and by the iterator.
func BenchmarkTranspose(b *testing.B) {
	for _, c := range []struct {
		name string
		dims []int
		perm []int
	}{
		{"2d-3136x288", []int{3136, 288}, []int{1, 0}},
		{"nhwc-nchw", []int{64, 14, 14, 64}, []int{0, 3, 1, 2}},
	} {
		operand := shapes.Make(dtypes.Float32, c.dims...)
		in := make([]float32, operand.Size())
		out := make([]float32, operand.Size())
		b.Run(c.name+"/blocks", func(b *testing.B) {
			for b.Loop() {
				transposeBlocks(in, out, NewTransposeIterator(operand, c.perm))
			}
		})
		b.Run(c.name+"/iterator", func(b *testing.B) {
			for b.Loop() {
				transposeByIterator(in, out, NewTransposeIterator(operand, c.perm))
			}
		})
	}
}
