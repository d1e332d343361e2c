package gan

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

func eval(t *testing.T, fn func(g *graph.Graph) *graph.Node) float64 {
	t.Helper()
	out := graph.MustExecOnce(backend.MustNew(""), fn)
	return tensors.MustCopyFlatData[float64](out)[0]
}

// The losses against hand computation: at D = 1/2 everywhere (logits 0), the
// discriminator's loss is 2 log 2 = log 4 (the value of the game at its optimum) and
// the generator's log 2; and on arbitrary logits, the softplus forms.
func TestLossesClosedForm(t *testing.T) {
	zeros := func(g *graph.Graph) *graph.Node { return graph.Zeros(g, shapes.Make(dtypes.Float64, 5)) }
	if got := eval(t, func(g *graph.Graph) *graph.Node { return DLoss(zeros(g), zeros(g)) }); math.Abs(got-math.Log(4)) > 1e-12 {
		t.Errorf("DLoss at D = 1/2: %g, want log 4 = %g", got, math.Log(4))
	}
	if got := eval(t, func(g *graph.Graph) *graph.Node { return GLoss(zeros(g)) }); math.Abs(got-math.Log(2)) > 1e-12 {
		t.Errorf("GLoss at D = 1/2: %g, want log 2", got)
	}
	real, fake := []float64{2, -1}, []float64{0.5, -3}
	sp := func(x float64) float64 { return math.Log1p(math.Exp(x)) }
	want := (sp(-2)+sp(1))/2 + (sp(0.5)+sp(-3))/2
	got := eval(t, func(g *graph.Graph) *graph.Node { return DLoss(graph.Const(g, real), graph.Const(g, fake)) })
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("DLoss = %g, want %g", got, want)
	}
	// -log D(G(z)) with D = sigmoid(l): softplus(-l).
	if got, want := eval(t, func(g *graph.Graph) *graph.Node { return GLoss(graph.Const(g, fake)) }), (sp(-0.5)+sp(3))/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("GLoss = %g, want %g", got, want)
	}
}

// Each player's step moves only its own parameters: a D step leaves every G parameter
// unchanged, and a G step every D parameter.
func TestUpdatesMoveOnlyTheirPlayer(t *testing.T) {
	bn := smallDCGAN(3)
	bn.BatchNorm = true
	for _, cfg := range []Config{ToyConfig(2), smallDCGAN(0), smallDCGAN(3), bn, smallDCGAN(0).WithWGANGP(), ToyConfig(1).WithWGANGP()} {
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store.SetRNGStateFromSeed(1); err != nil {
			t.Fatal(err)
		}
		st, err := fit.NewStepper(m.Backend, m.Store, m.Updates()...)
		if err != nil {
			t.Fatal(err)
		}
		batch := randomBatch(cfg)
		update := func(i int) error { _, err := st.Update(i, batch); return err }
		if wrong := testenv.PlayersMoveOnlyTheirOwn(t, m.Store, update, DiscriminatorScope, GeneratorScope); wrong != "" {
			t.Errorf("%s %s (classes %d): %s", cfg.Arch, cfg.Loss, cfg.Classes, wrong)
		}
		st.Close()
	}
}

func smallDCGAN(classes int) Config {
	c := DefaultConfig()
	c.H, c.W, c.GenChannels, c.DiscChannels, c.Noise, c.BatchSize, c.Classes = 8, 8, []int{8, 4}, []int{4, 8}, 6, 4, classes
	return c
}

func randomBatch(c Config) []*tensors.Tensor {
	rng := datasets.Rand(3, 4)
	px := make([]float32, c.BatchSize*c.H*c.W*c.C)
	for i := range px {
		px[i] = rng.Float32()
	}
	in := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(px, c.BatchSize, c.H, c.W, c.C)}
	if c.Classes > 0 {
		labels := make([]int32, c.BatchSize)
		for i := range labels {
			labels[i] = int32(i % c.Classes)
		}
		in = append(in, tensors.FromFlatDataAndDimensions(labels, c.BatchSize))
	}
	return in
}

// The optimal discriminator for a fixed generator is D*(x) = p_data(x) / (p_data(x) +
// p_g(x)) (Goodfellow et al., 2014, Prop. 1). Train D alone with data ~ N(0, 1) and
// "generated" samples ~ N(mu, 1): D*(x) = 1 / (1 + exp(mu x - mu^2/2)). With mu = 0 (the
// generator has matched the data) D* = 1/2 everywhere: the global optimum.
func TestOptimalDiscriminator(t *testing.T) {
	for _, mu := range []float64{0, 2} {
		m, err := New(ToyConfig(1))
		if err != nil {
			t.Fatal(err)
		}
		const b = 512
		loss := func(_ *model.Scope, in []*graph.Node) (*graph.Node, []fit.Metric) {
			g := in[0].Graph()
			s := m.Store.Scope("/")
			real := s.RandomNormal(g, shapes.Make(dtypes.Float32, b, 1, 1, 1))
			fake := graph.AddScalar(s.RandomNormal(g, shapes.Make(dtypes.Float32, b, 1, 1, 1)), mu)
			return DLoss(m.Discriminator(real, nil), m.Discriminator(fake, nil)), nil
		}
		trainDiscriminatorAlone(t, m, fit.Config{Steps: 500, Seed: 1},
			fit.Update{Scope: DiscriminatorScope, Loss: loss, Optimizer: optimizer.Adam().LearningRate(5e-3).Done()})
		xs := []float32{-1.5, -0.5, 0, 0.5, 1, 1.5}
		got, err := m.DiscriminatorProb(xs, len(xs))
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range xs {
			want := 1 / (1 + math.Exp(mu*float64(x)-mu*mu/2))
			if math.Abs(float64(got[i])-want) > 0.06 {
				t.Errorf("mu = %g: D(%g) = %.3f, want D* = %.3f", mu, x, got[i], want)
			}
		}
	}
}

// trainDiscriminatorAlone runs update (a loss that draws its own real and "generated"
// samples in the graph, so the batches are a placeholder) for cfg.Steps steps.
func trainDiscriminatorAlone(t *testing.T, m *Model, cfg fit.Config, update fit.Update) *fit.History {
	t.Helper()
	placeholder := []*tensors.Tensor{tensors.FromValue([]float32{0})}
	h, err := fit.Run(context.Background(), m.Backend, m.Store, cfg,
		func(int, int) ([]*tensors.Tensor, error) { return placeholder, nil }, update)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestShapesAndRanges(t *testing.T) {
	faces := ConfigFor(32, 32, 3)
	faces.BatchNorm = true // sampling runs batch norm on its running averages
	pytorch := DefaultConfig()
	pytorch.Init = blocks.FanInUniform
	for _, cfg := range []Config{DefaultConfig(), smallDCGAN(3), faces, pytorch} {
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store.SetRNGStateFromSeed(1); err != nil {
			t.Fatal(err)
		}
		s, err := m.Sample(7, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 7*cfg.H*cfg.W*cfg.C {
			t.Fatalf("%d values for 7 samples of %dx%dx%d", len(s), cfg.H, cfg.W, cfg.C)
		}
		for _, v := range s {
			if v < 0 || v > 1 {
				t.Fatalf("a sample value %g outside the data range [0, 1]", v)
			}
		}
	}
	if got := ConfigFor(28, 28, 1); !reflect.DeepEqual(got, DefaultConfig()) {
		t.Errorf("ConfigFor(28, 28, 1) = %+v, want DefaultConfig", got)
	}
	if got := ConfigFor(32, 32, 3); !reflect.DeepEqual(got.GenChannels, []int{128, 64, 32}) || !reflect.DeepEqual(got.DiscChannels, []int{32, 64, 128}) {
		t.Errorf("ConfigFor(32, 32, 3): G %v, D %v, want 128-64-32 and 32-64-128", got.GenChannels, got.DiscChannels)
	}
	if _, err := New(ConfigFor(27, 27, 1)); err == nil {
		t.Error("ConfigFor(27, 27, 1): no error")
	}
	for _, bad := range []Config{ToyConfig(2), DefaultConfig().WithWGANGP()} {
		bad.BatchNorm = true
		if _, err := New(bad); err == nil {
			t.Errorf("batch norm with %s %s: no error", bad.Arch, bad.Loss)
		}
	}
	for _, bad := range []Config{ToyConfig(2), DefaultConfig()} {
		bad.Init = blocks.FanInUniform
		if bad.Arch == DCGAN {
			bad.Init = "xavier"
		}
		if _, err := New(bad); err == nil {
			t.Errorf("initialization %q with %s: no error", bad.Init, bad.Arch)
		}
	}
	bad := DefaultConfig()
	bad.H = 30
	if _, err := New(bad); err == nil {
		t.Error("a 30x30 DCGAN (not a multiple of 4): no error")
	}
}

// A class grid has class r in row r and the same noise down each column: every cell is
// what Generate makes of its column's noise vector and its row's label.
func TestClassGrid(t *testing.T) {
	cfg := smallDCGAN(3)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const cols = 4
	grid, err := m.ClassGrid(cols, 5)
	if err != nil {
		t.Fatal(err)
	}
	size := cfg.H * cfg.W * cfg.C
	if len(grid) != cfg.Classes*cols*size {
		t.Fatalf("%d values, want %d rows of %d samples", len(grid), cfg.Classes, cols)
	}
	z := m.NoiseOf(cols, 5)
	for _, cell := range [][2]int{{0, 0}, {1, 3}, {2, 1}} {
		row, col := cell[0], cell[1]
		one, err := m.Generate(z[col*cfg.Noise:(col+1)*cfg.Noise], []int32{int32(row)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		got := grid[(row*cols+col)*size : (row*cols+col+1)*size]
		for i := range one {
			if math.Abs(float64(got[i]-one[i])) > 1e-5 {
				t.Fatalf("cell (class %d, column %d) value %d: %g, Generate gives %g", row, col, i, got[i], one[i])
			}
		}
	}
	if _, err := m.ClassGrid(0, 5); err == nil {
		t.Error("a class grid of 0 columns: no error")
	}
	plain, err := New(smallDCGAN(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.ClassGrid(4, 5); err == nil {
		t.Error("a class grid of an unconditional GAN: no error")
	}
}
