package flow

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func tiny(classes int) Config {
	c := DefaultConfig()
	c.H, c.W, c.Channels, c.Embed, c.BatchSize, c.LearningRate, c.SampleSteps = 16, 16, []int{8, 16}, 8, 16, 2e-3, 4
	c.Classes = classes
	return c
}

func tinyShapes(t *testing.T, n int) *datasets.Images {
	t.Helper()
	d, err := shapes.Sample(shapes.Config{Size: 16, Scales: 2, Rotations: 2, XPos: 3, YPos: 3, MinScale: 0.6, MaxScale: 1, Supersample: 2}, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The objective in closed form, by hand: on x0 = (0, 1), x1 = (2, -1), the path's
// velocity is (2, -2), so predicting (1, 1) scores ((1-2)^2 + (1+2)^2) / 2 = 5 and
// predicting the velocity itself 0; at t = 1/4 the path is 3/4 x0 + 1/4 x1 = (0.5, 0.5).
// For data at one point c, the velocity (c - x_t) / (1 - t) is x1 - x0 exactly whatever
// the noise: the objective's minimum, 0.
func TestObjectiveClosedForm(t *testing.T) {
	be := backend.MustNew("go")
	run := func(f func(g *graph.Graph) *graph.Node) []float32 {
		t.Helper()
		out := graph.MustNewExec(be, func(g *graph.Graph) *graph.Node { return f(g) }).MustCall()[0]
		return tensors.MustCopyFlatData[float32](out)
	}
	img := func(g *graph.Graph, v ...float32) *graph.Node {
		return graph.Const(g, tensors.FromFlatDataAndDimensions(v, 1, 1, len(v), 1))
	}
	if got := run(func(g *graph.Graph) *graph.Node {
		return Objective(img(g, 1, 1), img(g, 0, 1), img(g, 2, -1))
	}); got[0] != 5 {
		t.Errorf("Objective((1, 1); (0, 1) -> (2, -1)) = %g, want 5", got[0])
	}
	if got := run(func(g *graph.Graph) *graph.Node {
		return Objective(img(g, 2, -2), img(g, 0, 1), img(g, 2, -1))
	}); got[0] != 0 {
		t.Errorf("Objective of the path's own velocity = %g, want 0", got[0])
	}
	if got := run(func(g *graph.Graph) *graph.Node {
		return Interpolate(img(g, 0, 1), img(g, 2, -1), graph.Const(g, []float32{0.25}))
	}); !slices.Equal(got, []float32{0.5, 0.5}) {
		t.Errorf("Interpolate at 1/4 = %v, want [0.5 0.5]", got)
	}
	// Data at c = 0.3: noise of 4 images at times 0, 0.2, 0.5, 0.9.
	got := run(func(g *graph.Graph) *graph.Node {
		x0 := graph.Const(g, tensors.FromFlatDataAndDimensions([]float32{-1.2, 0.4, 2.1, -0.3, 0.9, -2.2, 0.05, 1.7}, 4, 1, 2, 1))
		x1 := graph.AddScalar(graph.ZerosLike(x0), 0.3)
		tt := graph.Const(g, []float32{0, 0.2, 0.5, 0.9})
		xt := Interpolate(x0, x1, tt)
		v := graph.Div(graph.Sub(x1, xt), graph.Reshape(graph.OneMinus(tt), 4, 1, 1, 1))
		return Objective(v, x0, x1)
	})
	if got[0] > 1e-12 {
		t.Errorf("the optimal velocity for a point mass scores %g, want 0", got[0])
	}
}

// Integrate in closed form: a constant velocity a carries x to x + a in any number of
// steps of either solver; for dx/dt = x, Euler's n steps multiply by (1 + 1/n)^n and
// Heun's by (1 + h + h^2/2)^n with h = 1/n (second order: much nearer e); the point
// mass's velocity (c - x)/(1 - t) reaches c exactly by Euler's last step.
func TestIntegrateClosedForm(t *testing.T) {
	x := []float32{1, -2}
	for _, solver := range []string{Euler, Heun} {
		for _, n := range []int{1, 3, 8} {
			passes := 0
			got, err := Integrate(x, n, solver, func(x []float32, _ float64) ([]float32, error) {
				return []float32{0.5, -1}, nil
			}, func(done, total int) { passes = total })
			if err != nil || math.Abs(float64(got[0]-1.5)) > 1e-6 || math.Abs(float64(got[1]+3)) > 1e-6 || passes != Passes(n, solver) {
				t.Errorf("%s, %d steps, constant velocity: %v (%v), %d passes", solver, n, got, err, passes)
			}
		}
	}
	if !slices.Equal(x, []float32{1, -2}) {
		t.Errorf("Integrate changed its input: %v", x)
	}
	grow := func(x []float32, _ float64) ([]float32, error) { return slices.Clone(x), nil }
	for _, n := range []int{1, 4, 16} {
		h := 1 / float64(n)
		e, _ := Integrate([]float32{1}, n, Euler, grow, nil)
		hn, _ := Integrate([]float32{1}, n, Heun, grow, nil)
		if want := math.Pow(1+h, float64(n)); math.Abs(float64(e[0])-want) > 1e-5 {
			t.Errorf("Euler, %d steps of dx/dt = x: %g, want %g", n, e[0], want)
		}
		if want := math.Pow(1+h+h*h/2, float64(n)); math.Abs(float64(hn[0])-want) > 1e-5 {
			t.Errorf("Heun, %d steps of dx/dt = x: %g, want %g", n, hn[0], want)
		}
		if math.Abs(float64(hn[0])-math.E) >= math.Abs(float64(e[0])-math.E) {
			t.Errorf("%d steps: Heun (%g) no nearer e than Euler (%g)", n, hn[0], e[0])
		}
	}
	c := float32(0.3)
	for _, n := range []int{1, 2, 7} {
		got, _ := Integrate([]float32{-1.5, 2}, n, Euler, func(x []float32, t float64) ([]float32, error) {
			v := make([]float32, len(x))
			for i := range x {
				v[i] = (c - x[i]) / float32(1-t)
			}
			return v, nil
		}, nil)
		for _, g := range got {
			if math.Abs(float64(g-c)) > 1e-6 {
				t.Errorf("Euler, %d steps, the point mass's velocity: %v, want all %g", n, got, c)
			}
		}
	}
	if _, err := Integrate(x, 0, Euler, grow, nil); err == nil {
		t.Error("0 steps accepted")
	}
	if _, err := Integrate(x, 2, "rk4", grow, nil); err == nil {
		t.Error("an unknown solver accepted")
	}
}

// On one image repeated the data is a point mass, whose velocity can be learned exactly:
// the loss starts near 2 (the velocity's variance: 1 from the noise, about 1 from an
// image in [-1, 1]) and falls far below it. Samples have the images' shape and range
// and are deterministic given the noise; Heun takes two passes a step.
func TestTrainAndSample(t *testing.T) {
	d := tinyShapes(t, 1)
	c := tiny(0)
	c.EMA = 0 // 150 steps are within the average's horizon (200): sample the weights
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress, fc.Reports = 150, nil, 10
	h, err := m.Train(context.Background(), d, fc)
	if err != nil {
		t.Fatal(err)
	}
	_, loss := h.Series(ModelName, "loss")
	t.Logf("loss %.3f -> %.3f", loss[0], loss[len(loss)-1])
	if loss[0] < 1 || loss[0] > 3 || loss[len(loss)-1] > 0.25*loss[0] {
		t.Errorf("loss %.3f -> %.3f: want a start near 2 and a fall to under a quarter", loss[0], loss[len(loss)-1])
	}
	x := m.NoiseOf(4, 7)
	a, err := m.Generate(x, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Generate(x, nil, nil)
	if len(a) != 4*16*16 || !slices.Equal(a, b) {
		t.Errorf("from the same noise: %d values, equal %v", len(a), slices.Equal(a, b))
	}
	for _, v := range a {
		if v < 0 || v > 1 {
			t.Fatalf("sample value %g outside [0, 1]", v)
		}
	}
	// The samples are the one image: within a few grey levels on average.
	var diff float64
	for i, v := range a {
		diff += math.Abs(float64(v - d.Pixels[i%(16*16)]))
	}
	if diff /= float64(len(a)); diff > 0.1 {
		t.Errorf("samples of a point mass differ from it by %.3f on average", diff)
	}
	if err := m.SetSolver(Heun); err != nil {
		t.Fatal(err)
	}
	passes := 0
	if _, err := m.Generate(x, nil, func(_, total int) { passes = total }); err != nil || passes != 8 {
		t.Errorf("Heun, 4 steps: %d passes (%v), want 8", passes, err)
	}
	for _, bad := range []func() error{func() error { return m.SetSteps(0) }, func() error { return m.SetSolver("rk4") }} {
		if err := bad(); err == nil {
			t.Error("a bad sampling setting accepted")
		}
	}
}

// A conditional model trains on labels and draws a class grid; guidance reaches the
// sampler.
func TestConditional(t *testing.T) {
	d := tinyShapes(t, 16)
	d.Classes, d.Labels = []string{"a", "b", "c"}, nil
	for i := range d.N {
		d.Labels = append(d.Labels, int32(i%3))
	}
	m, err := New(tiny(3))
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress = 5, nil
	if _, err := m.Train(context.Background(), d, fc); err != nil {
		t.Fatal(err)
	}
	g, err := m.ClassGrid(2, 1)
	if err != nil || len(g) != 3*2*16*16 {
		t.Fatalf("class grid of %d values (%v)", len(g), err)
	}
	if err := m.SetGuidance(3); err != nil {
		t.Fatal(err)
	}
	if g3, err := m.ClassGrid(2, 1); err != nil || slices.Equal(g, g3) {
		t.Errorf("guidance 3 drew the guidance-1 grid again (%v)", err)
	}
	plain, _ := New(tiny(0))
	if err := plain.SetGuidance(1); err == nil || !strings.Contains(err.Error(), "conditional") {
		t.Errorf("SetGuidance on an unconditional model: %v", err)
	}
	if _, err := plain.ClassGrid(2, 1); err == nil {
		t.Error("a class grid from an unconditional model")
	}
}

func TestValidate(t *testing.T) {
	for _, f := range []func(c *Config){
		func(c *Config) { c.Solver = "rk4" },
		func(c *Config) { c.SampleSteps = 0 },
		func(c *Config) { c.Channels = []int{8, 8, 8, 8, 8, 8} },
		func(c *Config) { c.Embed = 7 },
		func(c *Config) { c.EMA = 1 },
		func(c *Config) { c.PUncond = 1 },
	} {
		c := DefaultConfig()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: valid", c)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
}
