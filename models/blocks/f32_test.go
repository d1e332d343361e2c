package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestFloat32MatchesFloat64: the sweep runs in float64 for finite differences; models
// train in float32, so the float32 graph must compute the same values and gradients.
func TestFloat32MatchesFloat64(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range transposeSweep() {
		x := randSlice(rng, 2*c.h*c.w*c.cout)
		k := randSlice(rng, c.k*c.k*c.cin*c.cout)
		run := func(dt dtypes.DType) [][]float64 {
			outs := graph.MustExecOnceN(be, func(x, k *graph.Node) []*graph.Node {
				x, k = graph.ConvertDType(x, dt), graph.ConvertDType(k, dt)
				y := ConvTranspose2D(x, k, c.stride, c.pad, c.op)
				z := Conv2D(y, k, c.stride, c.pad)
				loss := graph.ReduceAllSum(graph.Mul(z, z))
				g := graph.Gradient(loss, x, k)
				return []*graph.Node{graph.ConvertDType(z, dtypes.Float64), graph.ConvertDType(g[0], dtypes.Float64), graph.ConvertDType(g[1], dtypes.Float64)}
			}, tensors.FromFlatDataAndDimensions(x, 2, c.h, c.w, c.cout), tensors.FromFlatDataAndDimensions(k, c.k, c.k, c.cin, c.cout))
			var r [][]float64
			for _, o := range outs {
				r = append(r, tensors.MustCopyFlatData[float64](o))
			}
			return r
		}
		a, b := run(dtypes.Float64), run(dtypes.Float32)
		for i := range a {
			var scale, diff float64
			for j := range a[i] {
				scale = max(scale, math.Abs(a[i][j]))
				diff = max(diff, math.Abs(a[i][j]-b[i][j]))
			}
			if diff > 1e-4*(1+scale) {
				t.Errorf("%s op%d: output %d differs between float32 and float64 by %g (scale %g)", c, c.op, i, diff, scale)
			}
		}
	}
}
