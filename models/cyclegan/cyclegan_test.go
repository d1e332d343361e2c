package cyclegan

import (
	"context"
	"math"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

func tiny() Config {
	c := DefaultConfig()
	c.Size, c.GenFilters, c.ResBlocks, c.DiscChannels, c.BatchSize, c.PoolSize = 8, 4, 1, []int{4}, 2, 6
	return c
}

// The history pool: while it fills, every image passes through and is kept; once
// full, about half the images come back as older ones, and nothing but generated
// images ever comes out.
func TestPool(t *testing.T) {
	m, err := New(tiny())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	exec := model.MustNewExec(m.Backend, m.Store, func(_ *model.Scope, x *graph.Node) *graph.Node { return m.Pool("a", x) })
	const b = 2
	swapped, later := 0, 0
	for call := range 40 {
		// Image j of call k is constant (k*b + j + 1): which one came out says where from.
		in := make([]float32, b*8*8*3)
		for j := range b {
			for p := range 8 * 8 * 3 {
				in[j*8*8*3+p] = float32(call*b + j + 1)
			}
		}
		out := tensors.MustCopyFlatData[float32](exec.MustCall(tensors.FromFlatDataAndDimensions(in, b, 8, 8, 3))[0])
		for j := range b {
			v, want := out[j*8*8*3], float32(call*b+j+1)
			for p := range 8 * 8 * 3 {
				if out[j*8*8*3+p] != v {
					t.Fatalf("call %d: image %d is not one whole image", call, j)
				}
			}
			switch {
			case call < 3 && v != want: // 6 slots, 2 a call: the first 3 calls fill it
				t.Fatalf("call %d (filling): image %d came out as %g, want %g", call, j, v, want)
			case v > want || v < 1 || v != float32(int(v)):
				t.Fatalf("call %d: image %d came out as %g: not an image generated before", call, j, v)
			case call >= 3:
				later++
				if v != want {
					swapped++
				}
			}
		}
	}
	if frac := float64(swapped) / float64(later); frac < 0.3 || frac > 0.7 {
		t.Errorf("once full, %d of %d images were swapped for older ones; want about half", swapped, later)
	}
}

// Least squares: a perfect discriminator (real 1, fake 0) has loss 0 and leaves the
// generator loss 1; the loss at scores of 1/2 is 1/4.
func TestLSGANClosedForm(t *testing.T) {
	be := must(New(tiny())).Backend
	out := tensors.MustCopyFlatData[float32](graph.MustExecOnce(be, func(g *graph.Graph) *graph.Node {
		one, zero, half := graph.Ones(g, shapeOf(4)), graph.Zeros(g, shapeOf(4)), graph.MulScalar(graph.Ones(g, shapeOf(4)), 0.5)
		losses := []*graph.Node{LSDLoss(one, zero), LSGLoss(zero), LSDLoss(half, half), LSGLoss(one)}
		for i, l := range losses {
			losses[i] = graph.Reshape(l, 1)
		}
		return graph.Concatenate(losses, 0)
	}))
	want := []float32{0, 1, 0.25, 0}
	for i, got := range out {
		if math.Abs(float64(got-want[i])) > 1e-7 {
			t.Errorf("case %d: %g, want %g", i, got, want[i])
		}
	}
}

// The learning rate is held, then falls linearly to 0.
func TestSchedule(t *testing.T) {
	c := tiny()
	c.HoldSteps, c.DecaySteps = 10, 20
	m := must(New(c))
	exec := model.MustNewExec(m.Backend, m.Store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		optimizer.GetGlobalStepVar(scope).SetNodeValue(graph.ConvertDType(x, dtypes.Int64))
		m.schedule(scope, x.Graph())
		return optimizer.LearningRateVar(scope, dtypes.Float32, 0).NodeValue(x.Graph())
	})
	for _, s := range []struct{ step, want float64 }{{0, 2e-4}, {10, 2e-4}, {20, 1e-4}, {30, 0}, {40, 0}} {
		// The global step counts both updates of a step.
		got := tensors.ToScalar[float32](exec.MustCall(tensors.FromScalar(float32(2 * s.step)))[0])
		if math.Abs(float64(got)-s.want) > 1e-9 {
			t.Errorf("step %g: learning rate %g, want %g", s.step, got, s.want)
		}
	}
}

// domains makes two domains of 8x8 images: A random, B the same kind of images
// inverted, as the unpaired view of a dataset gives them (labels 0 and 1).
func domains(n int) *datasets.Images {
	d := &datasets.Images{Name: "inverted", N: 2 * n, H: 8, W: 8, C: 3, Classes: []string{"a", "b"}}
	for i := range 2 * n {
		for p := range 8 * 8 * 3 {
			v := float32((i*31+p*7)%97) / 96
			if i >= n {
				v = 1 - v
			}
			d.Pixels = append(d.Pixels, v)
		}
		d.Labels = append(d.Labels, int32(i/n))
	}
	return d
}

// A few steps of the whole game, with either generator (the paper's residual network,
// pix2pix's U-Net): finite losses, the cycle error falls, and the two translations come
// back in range with their shapes.
func TestTrainAndTranslate(t *testing.T) {
	for _, g := range []string{ResNet, UNet} {
		t.Run(g, func(t *testing.T) {
			c := tiny()
			c.Generator, c.GenFilters, c.LearningRate = g, 8, 2e-3
			trainAndTranslate(t, c)
		})
	}
}

func trainAndTranslate(t *testing.T, c Config) {
	m := must(New(c))
	data := domains(8)
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress = 150, nil
	h, err := m.Train(context.Background(), data, fc)
	if err != nil {
		t.Fatal(err)
	}
	_, cycle := h.Series("G", "cycle")
	t.Logf("cycle L1 %.3f -> %.3f", cycle[0], cycle[len(cycle)-1])
	if cycle[len(cycle)-1] > cycle[0]/2 {
		t.Errorf("the cycle error went from %.3f to %.3f in 150 steps", cycle[0], cycle[len(cycle)-1])
	}
	in, target, err := m.Pairs(data)
	if err != nil || target != nil || in.N != 8 {
		t.Fatalf("unpaired data: %d inputs, target %v, %v", in.N, target, err)
	}
	out, err := m.Translate(in.Pixels, in.N)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range out {
		if v < 0 || v > 1 || math.IsNaN(float64(v)) {
			t.Fatalf("translation %g outside [0, 1]", v)
		}
	}
}

// The cycle's noise: none leaves a translation as it is; sigma adds noise of mean 0
// and standard deviation sigma; a negative sigma is refused.
func TestCycleNoise(t *testing.T) {
	const n = 20000
	for _, sigma := range []float64{0, 0.1} {
		c := tiny()
		c.CycleNoise = sigma
		m := must(New(c))
		if err := m.Store.SetRNGStateFromSeed(1); err != nil {
			t.Fatal(err)
		}
		exec := model.MustNewExec(m.Backend, m.Store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return graph.Sub(m.noisy(scope, x), x)
		})
		in := make([]float32, n)
		for i := range in {
			in[i] = float32(i%7)/3 - 1
		}
		d := tensors.MustCopyFlatData[float32](exec.MustCall(tensors.FromFlatDataAndDimensions(in, n))[0])
		var sum, sq float64
		for _, v := range d {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		mean, std := sum/n, math.Sqrt(sq/n-sum*sum/n/n)
		if math.Abs(mean) > 4*sigma/math.Sqrt(n)+1e-7 || math.Abs(std-sigma) > 0.02*sigma+1e-7 {
			t.Errorf("sigma %g: noise of mean %g and standard deviation %g", sigma, mean, std)
		}
	}
	c := tiny()
	c.CycleNoise = -0.1
	if c.Validate() == nil {
		t.Error("a negative CycleNoise was accepted")
	}
}

func TestValidateGenerator(t *testing.T) {
	for _, c := range []struct {
		gen  string
		size int
		ok   bool
	}{{"", 12, true}, {ResNet, 12, true}, {UNet, 16, true}, {UNet, 12, false}, {"vgg", 16, false}} {
		cfg := tiny()
		cfg.Generator, cfg.Size = c.gen, c.size
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("generator %q at %d: Validate() = %v, want ok %v", c.gen, c.size, err, c.ok)
		}
	}
}

func shapeOf(n int) shapes.Shape { return shapes.Make(dtypes.Float32, n) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
