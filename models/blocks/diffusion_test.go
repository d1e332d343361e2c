package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Group norm by hand: with one group per channel it is instance norm; each group of an
// image has mean 0 and variance v/(v+eps) over its positions and channels; the gradient
// agrees with finite differences.
func TestGroupNormalize(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	checkGradients(t, be, "groupnorm", func(x, k *graph.Node) *graph.Node {
		return graph.Mul(GroupNormalize(x, 2, 1e-5), expand(k, x))
	}, []int{2, 3, 2, 4}, []int{4}, rng)

	const b, h, w, c, groups, eps = 2, 3, 2, 4, 2, 1e-3
	x := randSlice(rng, b*h*w*c)
	for i := range x[:h*w*c] {
		x[i] = 4 - 2*x[i]
	}
	run := func(f func(x *graph.Node) *graph.Node) []float64 {
		return tensors.MustCopyFlatData[float64](graph.MustExecOnce(be, f, tensors.FromFlatDataAndDimensions(x, b, h, w, c)))
	}
	y := run(func(x *graph.Node) *graph.Node { return GroupNormalize(x, groups, eps) })
	for n := range b {
		for g := range groups {
			var mx, my, vx, vy float64
			var idx []int
			for p := range h * w {
				for ch := g * c / groups; ch < (g+1)*c/groups; ch++ {
					idx = append(idx, (n*h*w+p)*c+ch)
				}
			}
			for _, i := range idx {
				mx, my = mx+x[i], my+y[i]
			}
			mx, my = mx/float64(len(idx)), my/float64(len(idx))
			for _, i := range idx {
				vx, vy = vx+(x[i]-mx)*(x[i]-mx), vy+(y[i]-my)*(y[i]-my)
			}
			vx, vy = vx/float64(len(idx)), vy/float64(len(idx))
			if math.Abs(my) > 1e-9 || math.Abs(vy-vx/(vx+eps)) > 1e-9 {
				t.Errorf("image %d group %d: mean %g, variance %g, want 0 and %g", n, g, my, vy, vx/(vx+eps))
			}
		}
	}
	inst := run(func(x *graph.Node) *graph.Node { return InstanceNormalize(x, eps) })
	perChannel := run(func(x *graph.Node) *graph.Node { return GroupNormalize(x, c, eps) })
	for i := range inst {
		if math.Abs(inst[i]-perChannel[i]) > 1e-12 {
			t.Fatalf("one group per channel differs from instance norm at %d: %g vs %g", i, perChannel[i], inst[i])
		}
	}
}

// The sinusoidal embedding by hand: timestep 3 in 4 dimensions is sin(3), sin(3/100),
// cos(3), cos(3/100).
func TestSinusoidal(t *testing.T) {
	out := tensors.MustCopyFlatData[float64](graph.MustExecOnce(testBackend(t), func(g *graph.Graph) *graph.Node {
		return Sinusoidal(graph.Const(g, []int32{0, 3}), 4, dtypes.Float64)
	}))
	want := []float64{0, 0, 1, 1, math.Sin(3), math.Sin(0.03), math.Cos(3), math.Cos(0.03)}
	for i := range want {
		if math.Abs(out[i]-want[i]) > 1e-12 {
			t.Fatalf("embedding %v, want %v", out, want)
		}
	}
}

// The residual block keeps the shape (changing the channels when asked), depends on
// the embedding, and its gradient agrees with finite differences.
func TestTimeResBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	emb := randSlice(rng, 2*6)
	block := func(out int) func(scope *model.Scope, x *graph.Node) *graph.Node {
		return func(scope *model.Scope, x *graph.Node) *graph.Node {
			e := graph.Const(x.Graph(), tensors.FromFlatDataAndDimensions(emb, 2, 6))
			return TimeResBlock{Out: out}.Apply(scope, x, e)
		}
	}
	checkScopeGradient(t, "TimeResBlock 8->8", block(8), []int{2, 4, 4, 8}, rng)
	checkScopeGradient(t, "TimeResBlock 8->16", block(16), []int{2, 4, 4, 8}, rng)
	store := model.NewStore()
	x := tensors.FromFlatDataAndDimensions(randSlice(rng, 2*4*4*8), 2, 4, 4, 8)
	exec := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x, e *graph.Node) *graph.Node {
		return TimeResBlock{Out: 16}.Apply(scope, x, e)
	})
	a := exec.MustCall(x, tensors.FromFlatDataAndDimensions(emb, 2, 6))[0]
	emb2 := append([]float64(nil), emb...)
	emb2[0] += 1
	b := exec.MustCall(x, tensors.FromFlatDataAndDimensions(emb2, 2, 6))[0]
	if d := a.Shape().Dimensions; len(d) != 4 || d[3] != 16 {
		t.Fatalf("output shape %v", d)
	}
	va, vb := tensors.MustCopyFlatData[float64](a), tensors.MustCopyFlatData[float64](b)
	same := true
	for i := range va[:4*4*16] {
		same = same && va[i] == vb[i]
	}
	if same {
		t.Error("the output does not depend on the embedding")
	}
}
