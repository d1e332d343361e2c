package blocks

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/norm"
	"github.com/gomlx/gomlx/ml/model"
)

// TestUpstreamBatchNormStopsGradient is the reproduction in docs/UPSTREAM.md: GoMLX
// v0.28.8's norm.BatchNorm, training, stops the gradient at the batch mean and variance,
// so its input gradient is r * scale / s instead of batch normalization's (whose sum
// over the batch is zero, TestBatchNormalizeClosedForm). genlab's blocks.BatchNorm
// differentiates through the statistics.
//
// A canary: when an upgraded GoMLX differentiates through them, this test fails, telling
// us to update docs/UPSTREAM.md (and consider norm.BatchNorm again).
func TestUpstreamBatchNormStopsGradient(t *testing.T) {
	be := testBackend(t)
	store := model.NewStore()
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 6, 8}, 6, 1)
	r := tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 0, 0, 0}, 6, 1)
	gradSum := func(bn func(scope *model.Scope, x *graph.Node) *graph.Node) float64 {
		exec, err := model.NewExec(be, store, func(scope *model.Scope, in []*graph.Node) []*graph.Node {
			store.SetTraining(in[0].Graph(), true)
			y := bn(scope, in[0])
			return []*graph.Node{graph.ReduceAllSum(graph.Gradient(graph.ReduceAllSum(graph.Mul(y, in[1])), in[0])[0])}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer exec.Finalize()
		out, err := exec.Call(x, r)
		if err != nil {
			t.Fatal(err)
		}
		return float64(tensors.MustCopyFlatData[float32](out[0])[0])
	}
	ours := gradSum(func(scope *model.Scope, x *graph.Node) *graph.Node { return BatchNorm{}.Apply(scope.In("ours"), x) })
	if math.Abs(ours) > 1e-5 {
		t.Fatalf("blocks.BatchNorm: input gradient sums to %g, want 0", ours)
	}
	theirs := gradSum(func(scope *model.Scope, x *graph.Node) *graph.Node {
		return norm.BatchNorm(scope.In("theirs"), x, -1).UseBackendInference(false).Done()
	})
	if math.Abs(theirs) < 1e-3 {
		t.Error("GoMLX's norm.BatchNorm now differentiates through the batch statistics: update docs/UPSTREAM.md and this test")
	} else {
		t.Logf("upstream behaviour still present: norm.BatchNorm's input gradient sums to %.4f (batch norm's: 0)", theirs)
	}
}
