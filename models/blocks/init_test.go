package blocks

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestFanInUniform checks PyTorch's default initialization against its closed form:
// every weight and bias of a conv, a transposed conv and a dense layer within
// +-1/sqrt(fanIn), with the uniform's mean 0 and variance 1/(3 fanIn), the fan-in read
// as PyTorch reads it (Cout*k*k for the transposed conv); and He's default unchanged
// beside it (zero biases, variance 2/fanIn).
func TestFanInUniform(t *testing.T) {
	for _, init := range []Init{FanInUniform, ""} {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(5); err != nil {
			t.Fatal(err)
		}
		model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			a := Conv{Out: 64, Kernel: 4, Stride: 2, Padding: Explicit(1), Init: init}.Apply(scope.In("conv"), x) // fan-in 8*16
			b := ConvT{Out: 16, Kernel: 4, Stride: 2, Pad: 1, Init: init}.Apply(scope.In("convT"), a)             // PyTorch: 16*16
			c := DenseInit(scope, "dense", b, 256, init)                                                          // 16*16*16
			return graph.ReduceAllSum(c)
		}).MustCall(tensors.FromShape(shapes.Make(dtypes.Float32, 1, 16, 16, 8)))
		fanIns := map[string]int{"conv": 8 * 16, "convT": 16 * 16, "dense": 16 * 16 * 16}
		if init == "" {
			fanIns["convT"] = 64 * 16 / 4 // He by the taps each output sums
		}
		seen := 0
		for v := range store.IterVariables() {
			layer := strings.Split(strings.TrimPrefix(v.Scope(), "/"), "/")[0]
			fanIn, ok := fanIns[layer]
			if !ok {
				continue
			}
			seen++
			vals := tensors.MustCopyFlatData[float32](v.MustValue())
			bias := v.Shape().Rank() == 1
			var sum, sq float64
			for _, x := range vals {
				sum += float64(x)
				sq += float64(x) * float64(x)
			}
			n := float64(len(vals))
			mean, variance := sum/n, sq/n-(sum/n)*(sum/n)
			switch {
			case init == FanInUniform:
				bound := 1 / math.Sqrt(float64(fanIn))
				for _, x := range vals {
					if math.Abs(float64(x)) > bound {
						t.Fatalf("%s: %g outside +-%g", v.Path(), x, bound)
					}
				}
				want := bound * bound / 3
				// A uniform's sample variance has relative standard error sqrt(0.8/n).
				if n >= 1000 && math.Abs(variance/want-1) > 6*math.Sqrt(0.8/n) {
					t.Errorf("%s: variance %g, want %g", v.Path(), variance, want)
				}
				if n >= 1000 && math.Abs(mean) > 6*math.Sqrt(want/n) {
					t.Errorf("%s: mean %g, want 0", v.Path(), mean)
				}
				if bias && variance == 0 {
					t.Errorf("%s: biases all %g, want drawn", v.Path(), vals[0])
				}
			case bias:
				if variance != 0 || mean != 0 {
					t.Errorf("He %s: biases not zero (mean %g)", v.Path(), mean)
				}
			default:
				want := 2 / float64(fanIn)
				if math.Abs(variance/want-1) > 6*math.Sqrt(2/n) {
					t.Errorf("He %s: variance %g, want %g", v.Path(), variance, want)
				}
			}
		}
		if seen != 6 {
			t.Errorf("init %q: checked %d variables, want 6 (3 kernels, 3 biases)", init, seen)
		}
	}
	if err := Init("xavier").Validate(); err == nil {
		t.Error(`Init("xavier").Validate() = nil, want an error`)
	}
}

func TestIsHe(t *testing.T) {
	for i, want := range map[Init]bool{"": true, He: true, FanInUniform: false, "xavier": false} {
		if got := i.IsHe(); got != want {
			t.Errorf("Init(%q).IsHe() = %v, want %v", i, got, want)
		}
	}
}
