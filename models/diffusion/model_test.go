package diffusion

import (
	"context"
	"slices"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
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
	if _, err := New(tiny(0)); err != nil {
		t.Fatal(err)
	}
	unlabelled := tinyShapes(t, 8)
	unlabelled.Labels, unlabelled.Classes = nil, nil
	if _, err := m.Train(context.Background(), unlabelled, fc); err == nil {
		t.Error("a conditional model trained on unlabelled data")
	}
}
