package diffusion

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/tensors"
)

func tiny(classes int) Config {
	c := DefaultConfig()
	c.H, c.W, c.Channels, c.Embed, c.BatchSize, c.LearningRate, c.T, c.SampleSteps = 16, 16, []int{8, 16}, 8, 16, 2e-3, 50, 10
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

// On 16 images the loss starts near 1 (the noise's variance: the network's output starts
// small) and falls well below it; samples have the images' shape and range; DDIM is
// deterministic given its starting noise, and ancestral sampling draws new noise with
// each seed.
func TestTrainAndSample(t *testing.T) {
	d := tinyShapes(t, 16)
	m, err := New(tiny(0))
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
	if loss[0] < 0.5 || loss[0] > 1.5 || loss[len(loss)-1] > 0.5*loss[0] {
		t.Errorf("loss %.3f -> %.3f: want a start near 1 and a fall to under half", loss[0], loss[len(loss)-1])
	}
	x := m.NoiseOf(4, 7)
	a, err := m.Generate(x, nil, 10, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Generate(x, nil, 10, 2, nil)
	if len(a) != 4*16*16 || !slices.Equal(a, b) {
		t.Errorf("DDIM from the same noise: %d values, equal %v", len(a), slices.Equal(a, b))
	}
	for _, v := range a {
		if v < 0 || v > 1 {
			t.Fatalf("sample value %g outside [0, 1]", v)
		}
	}
	passes := 0
	c, _ := m.Generate(x, nil, 0, 1, func(done, total int) { passes = total })
	e, _ := m.Generate(x, nil, 0, 2, nil)
	if passes != 50 || slices.Equal(c, e) {
		t.Errorf("ancestral: %d passes (want T = 50), seeds 1 and 2 equal: %v", passes, slices.Equal(c, e))
	}
}

// A conditional model trains on labels and draws a class grid, with guidance.
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
	// SetGuidance reaches the sampler: the same noise at another weight draws another
	// grid, and the same weight the same one.
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		if err := m.SetGuidance(bad); err == nil {
			t.Errorf("SetGuidance(%g) accepted", bad)
		}
	}
	if err := m.SetGuidance(3); err != nil || m.Cfg.Guidance != 3 {
		t.Fatalf("SetGuidance(3): %v, Guidance %g", err, m.Cfg.Guidance)
	}
	g3, err := m.ClassGrid(2, 1)
	if err != nil || slices.Equal(g, g3) {
		t.Errorf("guidance 3 drew the guidance-1 grid again (%v)", err)
	}
	if err := m.SetGuidance(1); err != nil {
		t.Fatal(err)
	}
	if again, err := m.ClassGrid(2, 1); err != nil || !slices.Equal(g, again) {
		t.Errorf("guidance 1 again drew another grid (%v)", err)
	}
	plain, err := New(tiny(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.SetGuidance(1); err == nil || !strings.Contains(err.Error(), "conditional") {
		t.Errorf("SetGuidance on an unconditional model: %v", err)
	}
	unlabelled := tinyShapes(t, 8)
	unlabelled.Labels, unlabelled.Classes = nil, nil
	if _, err := m.Train(context.Background(), unlabelled, fc); err == nil {
		t.Error("a conditional model trained on unlabelled data")
	}
}

// The weights' moving average: it starts at the first step's weights, then each step
// moves it by (1 - EMA) towards the weights that step read; it leaves the trained
// weights as they are without it; and sampling reads it.
func TestWeightAverage(t *testing.T) {
	d := tinyShapes(t, 16)
	weights := func(m *Model) map[string][]float32 {
		out := map[string][]float32{}
		for v := range m.Store.IterVariables() {
			if v.Trainable || strings.HasPrefix(v.Scope(), emaScope) {
				out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		return out
	}
	train := func(ema float64, dir string, steps int) *Model {
		c := tiny(0)
		c.EMA = ema
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		fc := fit.DefaultConfig()
		fc.Steps, fc.Progress, fc.CheckpointDir, fc.Seed = steps, nil, dir, 3
		if _, err := m.Train(context.Background(), d, fc); err != nil {
			t.Fatal(err)
		}
		return m
	}
	const ema = 0.75
	dir := t.TempDir()
	first := train(ema, dir, 1)
	if !first.Averaged() {
		t.Fatal("a model with EMA > 0 trained a step and does not sample its average")
	}
	// Step 2 (resumed from a checkpoint at step 1) reads w_1 and averages it in:
	// avg_2 = ema avg_1 + (1 - ema) w_1.
	avg1, w1 := map[string][]float32{}, map[string][]float32{}
	for path, v := range weights(first) {
		if path == emaScope+"/count" {
			continue
		} else if strings.HasPrefix(path, emaScope) {
			avg1[strings.TrimPrefix(path, emaScope)] = v
		} else {
			w1[path] = v
		}
	}
	// The first step's average is the weights it started from, and Adam's first step
	// moves each weight by at most the learning rate.
	lr := tiny(0).LearningRate
	for path, w := range w1 {
		for i, a := range avg1[path] {
			if math.Abs(float64(a-w[i])) > 1.01*lr {
				t.Fatalf("%s[%d]: average %g after step 1, weight %g: more than Adam's first step (%g) apart", path, i, a, w[i], lr)
			}
		}
	}
	second := train(ema, dir, 2) // resumed from step 1
	all := weights(second)
	checked := 0
	for path, w := range w1 {
		a1, ok := avg1[path]
		if !ok {
			continue
		}
		a2 := all[emaScope+path]
		for i := range w {
			want := ema*float64(a1[i]) + (1-ema)*float64(w[i])
			if math.Abs(float64(a2[i])-want) > 1e-6 {
				t.Fatalf("%s[%d]: average %g after step 2, want %g (%g of %g and %g)", path, i, a2[i], want, ema, a1[i], w[i])
			}
		}
		checked++
	}
	if checked == 0 || checked != len(avg1) {
		t.Fatalf("checked %d averaged variables of %d averaged, %d trained", checked, len(avg1), len(w1))
	}
	plain := train(0, t.TempDir(), 2)
	for path, w := range weights(plain) {
		if !slices.Equal(w, all[path]) {
			t.Errorf("%s: trained weights differ with and without the average", path)
		}
	}
	if plain.Averaged() {
		t.Error("a model with EMA 0 samples an average")
	}
	x := second.NoiseOf(2, 1)
	a, err := second.Generate(x, nil, 5, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := plain.Generate(x, nil, 5, 1, nil)
	if slices.Equal(a, b) {
		t.Error("sampling with the average draws what the trained weights draw")
	}
}
