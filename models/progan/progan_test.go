package progan

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// small is a three-stage model (4, 8, 16) small enough for tests.
func small() Config {
	c := ConfigFor(16, 16, 3)
	c.Channels, c.Latent, c.Mapping = []int{8, 8, 4}, 6, 2
	c.FadeSteps, c.StableSteps, c.BatchSize, c.Group = 3, 2, 4, 2
	return c
}

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	if c := DefaultConfig(); len(c.Channels) != 4 || c.Channels[0] != 128 || c.Channels[3] != 16 {
		t.Errorf("default channels %v, want [128 64 32 16]", c.Channels)
	}
	if c := ConfigFor(64, 64, 3); len(c.Channels) != 5 || c.Validate() != nil {
		t.Errorf("64x64: channels %v (%v)", c.Channels, c.Validate())
	}
	for _, bad := range []func(c *Config){
		func(c *Config) { c.H, c.W = 24, 24 },
		func(c *Config) { c.W = 8 },
		func(c *Config) { c.Channels = c.Channels[:2] },
		func(c *Config) { c.Group = 3 },
		func(c *Config) { c.FadeSteps = 0 },
		func(c *Config) { c.MixProb = 2 },
	} {
		c := small()
		bad(&c)
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// The schedule by hand: with 3 fade and 2 stable steps, stage 0 is steps 0-1, stage 1
// fades in over steps 2-4 (alpha 1/3, 2/3, 1) and is stable over 5-6, stage 2 fades over
// 7-9 and is stable over 10-11; past the end it stays at stage 2, alpha 1.
func TestPhase(t *testing.T) {
	c := small()
	want := []struct {
		stage int
		alpha float64
	}{{0, 1}, {0, 1}, {1, 1. / 3}, {1, 2. / 3}, {1, 1}, {1, 1}, {1, 1}, {2, 1. / 3}, {2, 2. / 3}, {2, 1}, {2, 1}, {2, 1}, {2, 1}, {2, 1}}
	for step, w := range want {
		s, a := c.Phase(step)
		if s != w.stage || math.Abs(a-w.alpha) > 1e-12 {
			t.Errorf("step %d: stage %d alpha %g, want %d and %g", step, s, a, w.stage, w.alpha)
		}
	}
	if c.StageEnd(2) != 12 {
		t.Errorf("the schedule ends at %d, want 12", c.StageEnd(2))
	}
	ends := []int{}
	for _, p := range c.phases() {
		ends = append(ends, p.end)
	}
	if want := []int{2, 5, 7, 10, 12}; !slices.Equal(ends, want) {
		t.Errorf("phases end at %v, want %v", ends, want)
	}
}

func newSmall(t *testing.T) *Model {
	t.Helper()
	m, err := New(small())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	return m
}

func randFloats(seed uint64, n int, scale float64) []float32 {
	rng := datasets.Rand(seed, 1)
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
	return x
}

// At alpha 0 a stage that fades in is exactly the stage before, upsampled (the
// generator) or fed the downsampled image (the discriminator); the shapes at every
// stage are [B, r, r, C] and [B].
func TestFadeInStartsAtThePreviousStage(t *testing.T) {
	m := newSmall(t)
	c := m.Cfg
	const b = 4
	ws := tensors.FromFlatDataAndDimensions(randFloats(2, b*6*c.Latent, 1), b, 6, c.Latent)
	img := tensors.FromFlatDataAndDimensions(randFloats(3, b*16*16*3, 0.5), b, 16, 16, 3)
	for stage := 1; stage < c.Stages(); stage++ {
		r := Res(stage)
		out := model.MustNewExec(m.Backend, m.Store, func(_ *model.Scope, ws, x *graph.Node) []*graph.Node {
			zero := graph.Scalar(ws.Graph(), dtypes.Float32, 0)
			for s := r; s < 16; s *= 2 {
				x = blocks.Downsample2x(x)
			}
			wsNow := graph.Slice(ws, graph.AxisRange(), graph.AxisRange(0, StyleLayers(stage)))
			wsPrev := graph.Slice(ws, graph.AxisRange(), graph.AxisRange(0, StyleLayers(stage-1)))
			return []*graph.Node{
				m.Synthesis(wsNow, stage, zero, true),
				blocks.Upsample2x(m.Synthesis(wsPrev, stage-1, zero, false)),
				m.Discriminator(x, stage, zero, true),
				m.Discriminator(blocks.Downsample2x(x), stage-1, zero, false),
			}
		}).MustCall(ws, img)
		if d := out[0].Shape().Dimensions; d[0] != b || d[1] != r || d[2] != r || d[3] != c.C {
			t.Fatalf("stage %d: generator output %v", stage, d)
		}
		if d := out[2].Shape().Dimensions; len(d) != 1 || d[0] != b {
			t.Fatalf("stage %d: discriminator output %v", stage, d)
		}
		for k, who := range []string{"generator", "discriminator"} {
			got, want := tensors.MustCopyFlatData[float32](out[2*k]), tensors.MustCopyFlatData[float32](out[2*k+1])
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("stage %d at alpha 0: the %s's value %d is %g, the previous stage's %g", stage, who, i, got[i], want[i])
				}
			}
		}
	}
}

// The losses by hand, and R1 on a discriminator with a known gradient:
// D(x) = sum x^2 has grad 2x, so R1 = 4 E_b[sum_i x_i^2].
func TestLossesClosedForm(t *testing.T) {
	be := newSmall(t).Backend
	real, fake := []float32{1, -2, 0.5}, []float32{0.3, 3, -1}
	sp := func(v float64) float64 { return math.Log1p(math.Exp(v)) }
	var wantD, wantG float64
	for i := range real {
		wantD += sp(-float64(real[i]))/3 + sp(float64(fake[i]))/3
		wantG += sp(-float64(fake[i])) / 3
	}
	x := []float32{1, 2, -1, 0.5, 0, 3}
	wantR1 := 4 * ((1 + 4 + 1) + (0.25 + 0 + 9)) / 2.0
	out := graph.MustExecOnceN(be, func(r, f, x *graph.Node) []*graph.Node {
		d := graph.ReduceSum(graph.Square(x), -1)
		r1 := R1(d, x)
		return []*graph.Node{DLoss(r, f, r1, 10), gan.GLoss(f), r1}
	}, real, fake, tensors.FromFlatDataAndDimensions(x, 2, 3))
	if got := float64(tensors.ToScalar[float32](out[2])); math.Abs(got-wantR1) > 1e-4 {
		t.Errorf("R1 = %g, want %g", got, wantR1)
	}
	if got := float64(tensors.ToScalar[float32](out[0])); math.Abs(got-(wantD+5*wantR1)) > 1e-4 {
		t.Errorf("DLoss = %g, want %g", got, wantD+5*wantR1)
	}
	if got := float64(tensors.ToScalar[float32](out[1])); math.Abs(got-wantG) > 1e-5 {
		t.Errorf("GLoss = %g, want %g", got, wantG)
	}
}

// Style mixing: with MixProb 1 every batch takes one code for the layers below a
// crossover in [1, layers) and the other for the rest; with 0, one code for all.
func TestStyles(t *testing.T) {
	for _, p := range []float64{0, 1} {
		m := newSmall(t)
		m.Cfg.MixProb = p
		const b, layers = 3, 6
		cuts := map[int]bool{}
		exec := model.MustNewExec(m.Backend, m.Store, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return m.Styles(x.Graph(), b, layers)
		})
		for trial := range 12 {
			ws := tensors.MustCopyFlatData[float32](exec.MustCall(tensors.FromValue(float32(0)))[0])
			d := m.Cfg.Latent
			row := func(i, l int) []float32 { return ws[(i*layers+l)*d : (i*layers+l+1)*d] }
			cut := layers
			for l := 1; l < layers; l++ {
				if !slices.Equal(row(0, l), row(0, 0)) {
					cut = l
					break
				}
			}
			for i := range b {
				for l := range layers {
					ref := row(i, 0)
					if l >= cut {
						ref = row(i, layers-1)
					}
					if !slices.Equal(row(i, l), ref) {
						t.Fatalf("p=%g trial %d: sample %d layer %d is neither code", p, trial, i, l)
					}
				}
				if cut < layers && slices.Equal(row(i, 0), row(i, layers-1)) {
					t.Fatalf("p=%g: sample %d mixes a code with itself", p, i)
				}
			}
			cuts[cut] = true
		}
		if p == 0 && (len(cuts) != 1 || !cuts[layers]) {
			t.Errorf("MixProb 0 mixed: crossovers %v", cuts)
		}
		if p == 1 && (cuts[layers] || len(cuts) < 2) {
			t.Errorf("MixProb 1: crossovers %v, want several in [1, %d)", cuts, layers)
		}
	}
}

// Training grows the model through every stage: the progress it records follows the
// schedule, samples and the mixing grid have the final shape and range at every point,
// and the losses stay finite.
func TestTrainGrows(t *testing.T) {
	m := newSmall(t)
	c := m.Cfg
	data := &datasets.Images{Name: "noise", N: 16, H: 16, W: 16, C: 3, Pixels: make([]float32, 16*16*16*3)}
	for i, v := range randFloats(5, len(data.Pixels), 0.3) {
		data.Pixels[i] = min(max(0.5+v, 0), 1)
	}
	cfg := fit.DefaultConfig()
	cfg.Progress = nil
	for _, at := range []struct {
		steps, stage int
		alpha        float64
	}{{2, 0, 1}, {3, 1, 1. / 3}, {8, 2, 1. / 3}, {12, 2, 1}} {
		cfg.Steps = at.steps
		h, err := m.Train(context.Background(), data, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if h.EndStep != at.steps {
			t.Fatalf("trained to step %d, want %d", h.EndStep, at.steps)
		}
		// Train from a fresh store each time is what the command does; here the same model
		// is trained again from scratch (no checkpoint), so only the end point matters.
		if s, a := m.Progress(); s != at.stage || math.Abs(a-at.alpha) > 1e-6 {
			t.Errorf("after %d steps: progress stage %d alpha %g, want %d and %g", at.steps, s, a, at.stage, at.alpha)
		}
		px, err := m.Sample(3, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(px) != 3*c.H*c.W*c.C {
			t.Fatalf("%d sample values, want %d", len(px), 3*c.H*c.W*c.C)
		}
		for _, v := range px {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("sample value %g outside [0, 1]", v)
			}
		}
		for _, r := range h.Records {
			if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
				t.Fatalf("step %d %s: loss %g", r.Step, r.Update, r.Loss)
			}
		}
	}
	grid, err := m.StyleMix(2, 3, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(grid) != 3*4*c.H*c.W*c.C {
		t.Errorf("mixing grid of %d values, want 12 images", len(grid))
	}
	if _, err := m.StyleMix(2, 3, 7, 1); err == nil || !strings.Contains(err.Error(), "coarse") {
		t.Errorf("7 coarse layers of 6: %v", err)
	}
}

// Each player's step moves only its own parameters (the mapping network is the
// generator's), at every stage, fading in or not.
func TestUpdatesMoveOnlyTheirPlayer(t *testing.T) {
	m := newSmall(t)
	c := m.Cfg
	batch := []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(randFloats(7, c.BatchSize*c.H*c.W*c.C, 0.3), c.BatchSize, c.H, c.W, c.C),
		tensors.FromScalar(float32(0.5)),
	}
	for _, p := range c.phases() {
		st, err := fit.NewStepper(m.Backend, m.Store, m.Updates(p.stage, p.fading)...)
		if err != nil {
			t.Fatal(err)
		}
		update := func(i int) error { _, err := st.Update(i, batch); return err }
		if wrong := testenv.PlayersMoveOnlyTheirOwn(t, m.Store, update, DiscriminatorScope, GeneratorScope); wrong != "" {
			t.Errorf("stage %d (fading %v): %s", p.stage, p.fading, wrong)
		}
		st.Close()
	}
}
