package backend

import (
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestWithExpSetting(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"A=1"}, []string{"A=1", "GODEBUG=cpu.fma=off"}},
		{[]string{"GODEBUG=madvdontneed=1", "B=2"}, []string{"B=2", "GODEBUG=madvdontneed=1,cpu.fma=off"}},
		{[]string{"GODEBUG="}, []string{"GODEBUG=cpu.fma=off"}},
	} {
		if got := WithExpSetting(c.in); !slices.Equal(got, c.want) {
			t.Errorf("WithExpSetting(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// BenchmarkSigmoidAfterMatmul is the pure-Go backend's logistic on 1M values right
// after a matmul, as in a gated PixelCNN layer: math.Exp per element. Compare
//
//	GOEXPERIMENT=simd go test -run - -bench SigmoidAfterMatmul ./backend
//	GOEXPERIMENT=simd GODEBUG=cpu.fma=off go test -run - -bench SigmoidAfterMatmul ./backend
//
// (the first is the slow path where SlowExp says so).
func BenchmarkSigmoidAfterMatmul(b *testing.B) {
	be, err := New("go")
	if err != nil {
		b.Fatal(err)
	}
	exec := graph.MustNewExec(be, func(x, w *graph.Node) *graph.Node {
		return graph.Sigmoid(graph.MatMul(x, w))
	})
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 4096, 64))
	w := tensors.FromShape(shapes.Make(dtypes.Float32, 64, 256))
	b.Logf("SlowExp: %v", SlowExp())
	for b.Loop() {
		exec.MustCall(x, w)
	}
}
