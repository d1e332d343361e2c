package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/shapes"
)

// TestBinaryRuns checks binary ops with broadcasting (Case 3), which take
// RunLayout's runs where they are long enough, against the element-by-element
// iterator on random shapes where each axis of either side may be broadcast: runs
// with both sides moving, with one side held, size-1 axes, and runs too short.
func TestBinaryRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	dimChoices := []int{1, 2, 3, 8, 9, 16, 64}
	var runs, elements int
	for trial := range 500 {
		rank := 1 + rng.IntN(4)
		tgt := make([]int, rank)
		lhsDims := make([]int, rank)
		rhsDims := make([]int, rank)
		for axis := range tgt {
			tgt[axis] = dimChoices[rng.IntN(len(dimChoices))]
			lhsDims[axis], rhsDims[axis] = tgt[axis], tgt[axis]
			switch rng.IntN(4) {
			case 0:
				lhsDims[axis] = 1
			case 1:
				rhsDims[axis] = 1
			}
		}
		lhsShape := shapes.Make(dtypes.Float32, lhsDims...)
		rhsShape := shapes.Make(dtypes.Float32, rhsDims...)
		outShape := shapes.Make(dtypes.Float32, tgt...)
		if lhsShape.Size() == 1 || rhsShape.Size() == 1 || lhsShape.Equal(rhsShape) || outShape.Size() > 1<<16 {
			continue // Cases 1 and 2, not broadcasting.
		}
		zip := gobackend.NewZippedBroadcastIterator(lhsShape, rhsShape, outShape)
		if _, _, _, ok := zip.RunLayout(); ok {
			runs++
		} else {
			elements++
		}
		lhs := make([]float32, lhsShape.Size())
		for i := range lhs {
			lhs[i] = float32(rng.NormFloat64())
		}
		rhs := make([]float32, rhsShape.Size())
		for i := range rhs {
			rhs[i] = float32(rng.NormFloat64()) + 3
		}
		for _, c := range []struct {
			name string
			exec func(lhs, rhs, out []float32, lhsShape, rhsShape, outShape shapes.Shape)
			op   func(a, b float32) float32
		}{
			{"Add", execAddNumericGeneric[float32], func(a, b float32) float32 { return a + b }},
			{"Sub", execSubNumericGeneric[float32], func(a, b float32) float32 { return a - b }},
			{"Mul", execMulNumericGeneric[float32], func(a, b float32) float32 { return a * b }},
			{"Div", execDivNumericGeneric[float32], func(a, b float32) float32 { return a / b }},
			{"Max", execMaxNumericGeneric[float32], func(a, b float32) float32 { return max(a, b) }},
		} {
			got := make([]float32, outShape.Size())
			c.exec(lhs, rhs, got, lhsShape, rhsShape, outShape)
			want := make([]float32, outShape.Size())
			for idx := range zip.IterFlatIndices() {
				want[idx.TgtFlatIdx] = c.op(lhs[idx.LHSFlatIdx], rhs[idx.RHSFlatIdx])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d: %s of %v and %v differs from the iterator's", trial, c.name, lhsDims, rhsDims)
			}
		}
		got := make([]bool, outShape.Size())
		execLessThanNumericGeneric(lhs, rhs, got, lhsShape, rhsShape, outShape)
		for idx := range zip.IterFlatIndices() {
			if got[idx.TgtFlatIdx] != (lhs[idx.LHSFlatIdx] < rhs[idx.RHSFlatIdx]) {
				t.Fatalf("trial %d: LessThan of %v and %v differs from the iterator's at %d", trial, lhsDims, rhsDims, idx.TgtFlatIdx)
			}
		}
	}
	if runs < 100 || elements < 20 {
		t.Fatalf("%d broadcasts by runs, %d element by element: the test would miss one of them", runs, elements)
	}
	t.Logf("%d broadcasts by runs, %d element by element", runs, elements)
}

// BenchmarkBinaryRuns times batch norm's centring of an NHWC map by its channel means,
// by runs and by the iterator.
func BenchmarkBinaryRuns(b *testing.B) {
	lhsShape := shapes.Make(dtypes.Float32, 64, 14, 14, 64)
	rhsShape := shapes.Make(dtypes.Float32, 1, 1, 1, 64)
	lhs := make([]float32, lhsShape.Size())
	rhs := make([]float32, rhsShape.Size())
	out := make([]float32, lhsShape.Size())
	b.Run("runs", func(b *testing.B) {
		for b.Loop() {
			execSubNumericGeneric(lhs, rhs, out, lhsShape, rhsShape, lhsShape)
		}
	})
	b.Run("iterator", func(b *testing.B) {
		for b.Loop() {
			zip := gobackend.NewZippedBroadcastIterator(lhsShape, rhsShape, lhsShape)
			for idx := range zip.IterFlatIndices() {
				out[idx.TgtFlatIdx] = lhs[idx.LHSFlatIdx] - rhs[idx.RHSFlatIdx]
			}
		}
	})
}
