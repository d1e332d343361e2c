package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// run1 executes f once on x (float64) and returns its flat output.
func run1(t *testing.T, f func(x *graph.Node) *graph.Node, x []float64, dims ...int) []float64 {
	t.Helper()
	return tensors.MustCopyFlatData[float64](graph.MustExecOnce(testBackend(t), f, tensors.FromFlatDataAndDimensions(x, dims...)))
}

// Pixel norm by hand: every position's channel vector comes out with unit root mean
// square and its direction kept.
func TestPixelNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const b, h, w, c = 2, 3, 2, 5
	x := randSlice(rng, b*h*w*c)
	y := run1(t, PixelNorm, x, b, h, w, c)
	for p := range b * h * w {
		var ms float64
		for ch := range c {
			ms += x[p*c+ch] * x[p*c+ch]
		}
		scale := 1 / math.Sqrt(ms/c+1e-8)
		for ch := range c {
			if i := p*c + ch; math.Abs(y[i]-x[i]*scale) > 1e-12 {
				t.Fatalf("position %d channel %d: %g, want %g", p, ch, y[i], x[i]*scale)
			}
		}
	}
	checkScopeGradient(t, "pixelnorm", func(_ *model.Scope, x *graph.Node) *graph.Node { return PixelNorm(x) }, []int{2, 2, 2, 3}, rng)
}

// The minibatch standard deviation by hand: groups take every (B/group)-th sample, the
// new map holds the mean over positions and channels of the group's standard deviations.
func TestMinibatchStddev(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const b, h, w, c, group = 6, 2, 2, 3, 2
	x := randSlice(rng, b*h*w*c)
	y := run1(t, func(x *graph.Node) *graph.Node { return MinibatchStddev(x, group) }, x, b, h, w, c)
	if len(y) != b*h*w*(c+1) {
		t.Fatalf("%d values, want %d", len(y), b*h*w*(c+1))
	}
	m := b / group
	for s := range b {
		// The members of sample s's group.
		var members []int
		for k := range group {
			members = append(members, k*m+s%m)
		}
		var want float64
		for p := range h * w * c {
			var mean, v float64
			for _, i := range members {
				mean += x[i*h*w*c+p]
			}
			mean /= group
			for _, i := range members {
				d := x[i*h*w*c+p] - mean
				v += d * d
			}
			want += math.Sqrt(v/group + 1e-8)
		}
		want /= h * w * c
		for p := range h * w {
			base := (s*h*w + p) * (c + 1)
			if got := y[base+c]; math.Abs(got-want) > 1e-12 {
				t.Fatalf("sample %d position %d: stddev map %g, want %g", s, p, got, want)
			}
			for ch := range c {
				if y[base+ch] != x[(s*h*w+p)*c+ch] {
					t.Fatalf("sample %d: the input channels are not kept", s)
				}
			}
		}
	}
	checkScopeGradient(t, "minibatch stddev", func(_ *model.Scope, x *graph.Node) *graph.Node { return MinibatchStddev(x, 2) }, []int{4, 2, 2, 2}, rng)
}

// Nearest upsampling repeats pixels; 2x2 averaging undoes it exactly and is the box
// filter by hand.
func TestUpDownsample(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const b, h, w, c = 2, 4, 6, 3
	x := randSlice(rng, b*h*w*c)
	up := run1(t, Upsample2x, x, b, h, w, c)
	for n := range b {
		for i := range 2 * h {
			for j := range 2 * w {
				for ch := range c {
					if got, want := up[((n*2*h+i)*2*w+j)*c+ch], x[((n*h+i/2)*w+j/2)*c+ch]; got != want {
						t.Fatalf("upsampled (%d,%d,%d,%d) = %g, want %g", n, i, j, ch, got, want)
					}
				}
			}
		}
	}
	down := run1(t, Downsample2x, x, b, h, w, c)
	for n := range b {
		for i := range h / 2 {
			for j := range w / 2 {
				for ch := range c {
					at := func(y, x0 int) float64 { return x[((n*h+y)*w+x0)*c+ch] }
					want := (at(2*i, 2*j) + at(2*i+1, 2*j) + at(2*i, 2*j+1) + at(2*i+1, 2*j+1)) / 4
					if got := down[((n*h/2+i)*w/2+j)*c+ch]; math.Abs(got-want) > 1e-12 {
						t.Fatalf("downsampled (%d,%d,%d,%d) = %g, want %g", n, i, j, ch, got, want)
					}
				}
			}
		}
	}
	back := run1(t, func(x *graph.Node) *graph.Node { return Downsample2x(Upsample2x(x)) }, x, b, h, w, c)
	for i := range x {
		if math.Abs(back[i]-x[i]) > 1e-12 {
			t.Fatalf("downsampling an upsampled image changed value %d: %g, want %g", i, back[i], x[i])
		}
	}
	checkScopeGradient(t, "upsample", func(_ *model.Scope, x *graph.Node) *graph.Node { return Upsample2x(x) }, []int{1, 2, 3, 2}, rng)
	checkScopeGradient(t, "downsample", func(_ *model.Scope, x *graph.Node) *graph.Node { return Downsample2x(x) }, []int{1, 4, 2, 2}, rng)
}

// Equalized layers compute what a plain layer with the scaled weights computes; a
// learning-rate multiplier leaves the initial function alone and scales the gradient
// of the raw weights by itself.
func TestEqualizedLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	checkScopeGradient(t, "eqconv 3x3", EqConv{Out: 4, Kernel: 3}.Apply, []int{2, 4, 4, 3}, rng)
	checkScopeGradient(t, "eqconv 1x1", EqConv{Out: 2, Kernel: 1, Gain: 1}.Apply, []int{1, 3, 3, 3}, rng)
	checkScopeGradient(t, "eqdense", EqDense{Width: 5, LRMul: 0.01}.Apply, []int{3, 4}, rng)

	// The conv against Conv2D with the kernel scaled by hand.
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	x := tensors.FromFlatDataAndDimensions(randSlice(rng, 2*5*5*3), 2, 5, 5, 3)
	out := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		sc := scope.In("conv")
		y := EqConv{Out: 4, Kernel: 3, NoBias: true}.Apply(sc, x)
		k := sc.GetVariable("kernel").ValueGraph(x.Graph())
		return []*graph.Node{y, Conv2D(x, graph.MulScalar(k, math.Sqrt2/math.Sqrt(27)), 1, Explicit(1)), k}
	}).MustCall(x)
	y, want := tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
	for i := range y {
		if math.Abs(y[i]-want[i]) > 1e-12 {
			t.Fatalf("EqConv value %d: %g, want %g", i, y[i], want[i])
		}
	}
	// Raw weights drawn N(0, 1): their sample variance over 108 weights.
	var s2 float64
	k := tensors.MustCopyFlatData[float64](out[2])
	for _, v := range k {
		s2 += v * v
	}
	if v := s2 / float64(len(k)); v < 0.6 || v > 1.5 {
		t.Errorf("raw kernel variance %g, want about 1", v)
	}

	// LRMul: same seed, same function; the raw weights' gradient is lr times as large.
	dense := func(lr float64) (y, grad []float64) {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(2); err != nil {
			t.Fatal(err)
		}
		out := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
			sc := scope.In("d")
			y := EqDense{Width: 3, LRMul: lr}.Apply(sc, x)
			w := sc.GetVariable("weights").ValueGraph(x.Graph())
			return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(y), w)[0]}
		}).MustCall(tensors.FromFlatDataAndDimensions([]float64{1, -2, 0.5, 3}, 2, 2))
		return tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
	}
	y1, g1 := dense(1)
	yl, gl := dense(0.01)
	for i := range y1 {
		if math.Abs(y1[i]-yl[i]) > 1e-9*(1+math.Abs(y1[i])) {
			t.Errorf("LRMul changed the initial function: %g vs %g", yl[i], y1[i])
		}
	}
	for i := range g1 {
		if math.Abs(gl[i]-0.01*g1[i]) > 1e-12*(1+math.Abs(g1[i])) {
			t.Errorf("raw gradient with LRMul 0.01: %g, want %g", gl[i], 0.01*g1[i])
		}
	}
}

// AdaIN by hand: each output map has the style's shift as its mean and the style's
// scale as its standard deviation (the input map normalized); the gradient agrees with
// finite differences, through x and through the style code w.
func TestAdaIN(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const b, h, w, c, wd = 2, 3, 3, 4, 5
	x := tensors.FromFlatDataAndDimensions(randSlice(rng, b*h*w*c), b, h, w, c)
	code := randSlice(rng, b*wd)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	out := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x, z *graph.Node) []*graph.Node {
		sc := scope.In("ada")
		return []*graph.Node{AdaIN(sc, x, z), EqDense{Width: 2 * c, Gain: 1}.Apply(sc, z)}
	}).MustCall(x, tensors.FromFlatDataAndDimensions(code, b, wd))
	y, style := tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
	for n := range b {
		for ch := range c {
			var m, v float64
			for p := range h * w {
				m += y[(n*h*w+p)*c+ch]
			}
			m /= h * w
			for p := range h * w {
				d := y[(n*h*w+p)*c+ch] - m
				v += d * d
			}
			sd := math.Sqrt(v / (h * w))
			scale, shift := 1+style[n*2*c+ch], style[n*2*c+c+ch]
			if math.Abs(m-shift) > 1e-9 || math.Abs(sd-math.Abs(scale)) > 1e-6 {
				t.Errorf("sample %d map %d: mean %g sd %g, want %g and %g", n, ch, m, sd, shift, math.Abs(scale))
			}
		}
	}
	withCode := func(scope *model.Scope, x *graph.Node) *graph.Node {
		return AdaIN(scope, x, graph.Const(x.Graph(), tensors.FromFlatDataAndDimensions(code, b, wd)))
	}
	checkScopeGradient(t, "adain wrt x", withCode, []int{b, h, w, c}, rng)
	xs := tensors.MustCopyFlatData[float64](x)
	withX := func(scope *model.Scope, z *graph.Node) *graph.Node {
		return AdaIN(scope, graph.Const(z.Graph(), tensors.FromFlatDataAndDimensions(xs, b, h, w, c)), z)
	}
	checkScopeGradient(t, "adain wrt w", withX, []int{b, wd}, rng)
}
