package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// InstanceNormalize: each image's channel comes out with mean 0 and variance
// v / (v + eps), whatever the rest of the batch holds; its gradient (through the
// statistics) matches finite differences.
func TestInstanceNormalize(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	checkGradients(t, be, "instancenorm", func(x, k *graph.Node) *graph.Node {
		return graph.Mul(InstanceNormalize(x, 1e-5), expand(k, x))
	}, []int{2, 3, 4, 2}, []int{2}, rng)

	const b, h, w, c, eps = 2, 3, 4, 2, 1e-3
	x := randSlice(rng, b*h*w*c)
	for i := range x[:h*w*c] {
		x[i] = 5 + 3*x[i] // image 0: another mean and scale than image 1
	}
	y := tensors.MustCopyFlatData[float64](graph.MustExecOnce(be, func(x *graph.Node) *graph.Node {
		return InstanceNormalize(x, eps)
	}, tensors.FromFlatDataAndDimensions(x, b, h, w, c)))
	for n := range b {
		for ch := range c {
			var mx, vx, my, vy float64
			for p := range h * w {
				i := (n*h*w+p)*c + ch
				mx, my = mx+x[i], my+y[i]
			}
			mx, my = mx/(h*w), my/(h*w)
			for p := range h * w {
				i := (n*h*w+p)*c + ch
				vx, vy = vx+(x[i]-mx)*(x[i]-mx), vy+(y[i]-my)*(y[i]-my)
			}
			vx, vy = vx/(h*w), vy/(h*w)
			if math.Abs(my) > 1e-9 || math.Abs(vy-vx/(vx+eps)) > 1e-9 {
				t.Errorf("image %d channel %d: mean %g, variance %g, want 0 and %g", n, ch, my, vy, vx/(vx+eps))
			}
		}
	}
}

// ReflectPad mirrors the border without repeating it, and passes gradients back to
// the pixels it copied.
func TestReflectPad(t *testing.T) {
	be := testBackend(t)
	const h, w, p = 3, 4, 2
	x := make([]float64, h*w)
	for i := range x {
		x[i] = float64(i)
	}
	got := tensors.MustCopyFlatData[float64](graph.MustExecOnce(be, func(x *graph.Node) *graph.Node {
		return ReflectPad(x, p)
	}, tensors.FromFlatDataAndDimensions(x, 1, h, w, 1)))
	reflect := func(i, n int) int { // index into [0, n) of padded position i - p
		i -= p
		if i < 0 {
			i = -i
		}
		if i >= n {
			i = 2*(n-1) - i
		}
		return i
	}
	wp := w + 2*p
	for y := range h + 2*p {
		for xx := range wp {
			if want := x[reflect(y, h)*w+reflect(xx, w)]; got[y*wp+xx] != want {
				t.Fatalf("padded (%d, %d) = %g, want %g", y, xx, got[y*wp+xx], want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	checkGradients(t, be, "reflectpad", func(x, k *graph.Node) *graph.Node {
		return graph.Mul(ReflectPad(x, 1), expand(k, x))
	}, []int{2, 3, 3, 2}, []int{2}, rng)
}

// checkScopeGradient compares the gradient with respect to the input of
// L = <f(scope, x), R> against central finite differences, for a block with variables
// (initialized once, then fixed), in float64.
func checkScopeGradient(t *testing.T, name string, f func(scope *model.Scope, x *graph.Node) *graph.Node, xDims []int, rng *rand.Rand) {
	t.Helper()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	size := 1
	for _, d := range xDims {
		size *= d
	}
	x := randSlice(rng, size)
	out := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node { return f(scope, x) }).
		MustCall(tensors.FromFlatDataAndDimensions(x, xDims...))[0]
	r := tensors.FromFlatDataAndDimensions(randSlice(rng, out.Shape().Size()), out.Shape().Dimensions...)
	exec := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x, r *graph.Node) []*graph.Node {
		loss := graph.ReduceAllSum(graph.Mul(f(scope, x), r))
		return []*graph.Node{loss, graph.Gradient(loss, x)[0]}
	})
	res := exec.MustCall(tensors.FromFlatDataAndDimensions(x, xDims...), r)
	grad := tensors.MustCopyFlatData[float64](res[1])
	loss := func(x []float64) float64 {
		return tensors.ToScalar[float64](exec.MustCall(tensors.FromFlatDataAndDimensions(x, xDims...), r)[0])
	}
	const eps = 1e-5
	for trial := range 2 {
		v := randSlice(rng, size)
		fd := (loss(axpy(eps, v, x)) - loss(axpy(-eps, v, x))) / (2 * eps)
		if got := dot(grad, v); math.Abs(got-fd) > 1e-6*(1+math.Abs(fd)) {
			t.Errorf("%s: gradient along direction %d: autodiff %.9g, finite differences %.9g", name, trial, got, fd)
		}
	}
}

func TestUNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	u := UNet{Channels: []int{4, 8, 8, 8}, Out: 3, Dropout: 0.5}
	y := model.MustNewExec(testBackend(t), model.NewStore(), func(scope *model.Scope, x *graph.Node) *graph.Node {
		return u.Apply(scope, x)
	}).MustCall(tensors.FromFlatDataAndDimensions(make([]float32, 2*16*16*6), 2, 16, 16, 6))[0]
	if got := y.Shape().Dimensions; len(got) != 4 || got[0] != 2 || got[1] != 16 || got[2] != 16 || got[3] != 3 {
		t.Fatalf("UNet output %v, want [2 16 16 3]", got)
	}
	for _, v := range tensors.MustCopyFlatData[float32](y) {
		if v < -1 || v > 1 {
			t.Fatalf("UNet output %g outside tanh's range", v)
		}
	}
	// Not a training graph: no dropout, so the gradient is deterministic.
	checkScopeGradient(t, "unet", u.Apply, []int{1, 16, 16, 2}, rng)
}

func TestResidual(t *testing.T) {
	checkScopeGradient(t, "residual", Residual, []int{1, 5, 5, 3}, rand.New(rand.NewPCG(9, 9)))
}

// The PatchGAN's grid of logits and the patch each one sees: pix2pix's 70x70 at 256
// (a 30x30 grid), 34x34 with two layers at 64 (14x14).
func TestPatchGAN(t *testing.T) {
	for _, c := range []struct {
		channels   []int
		size, grid int
		field      int
	}{{[]int{8, 16, 16}, 256, 30, 70}, {[]int{8, 16}, 64, 14, 34}, {[]int{8}, 32, 14, 16}} {
		p := PatchGAN{Channels: c.channels}
		y := model.MustNewExec(testBackend(t), model.NewStore(), func(scope *model.Scope, x *graph.Node) *graph.Node {
			return p.Apply(scope, x)
		}).MustCall(tensors.FromFlatDataAndDimensions(make([]float32, c.size*c.size*6), 1, c.size, c.size, 6))[0]
		if d := y.Shape().Dimensions; d[1] != c.grid || d[2] != c.grid || d[3] != 1 {
			t.Errorf("%v at %d: logits %v, want a %dx%d grid", c.channels, c.size, d, c.grid, c.grid)
		}
		if f := p.ReceptiveField(); f != c.field {
			t.Errorf("%v: receptive field %d, want %d", c.channels, f, c.field)
		}
	}
	checkScopeGradient(t, "patchgan", PatchGAN{Channels: []int{3, 4}}.Apply, []int{1, 12, 12, 2}, rand.New(rand.NewPCG(1, 1)))
}

// Dropout zeroes about rate of a training graph's values and keeps the mean; outside
// training it is the identity.
func TestDropout(t *testing.T) {
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	v := make([]float32, 10000)
	for i := range v {
		v[i] = 1
	}
	ones := tensors.FromFlatDataAndDimensions(v, 10000)
	for _, training := range []bool{true, false} {
		y := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			store.SetTraining(x.Graph(), training)
			return Dropout(scope, x, 0.5)
		}).MustCall(ones)[0]
		var zeros int
		var sum float64
		for _, v := range tensors.MustCopyFlatData[float32](y) {
			if v == 0 {
				zeros++
			}
			sum += float64(v)
		}
		if training && (zeros < 4800 || zeros > 5200 || math.Abs(sum/10000-1) > 0.04) {
			t.Errorf("training: %d of 10000 zeroed, mean %g; want about 5000 and 1", zeros, sum/10000)
		}
		if !training && (zeros != 0 || sum != 10000) {
			t.Errorf("inference: %d zeroed, sum %g: want the identity", zeros, sum)
		}
	}
}
