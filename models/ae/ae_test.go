package ae

import (
	"context"
	"math"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
)

func tinyData(t *testing.T, n int) *datasets.Images {
	t.Helper()
	c := shapes.DefaultConfig()
	c.Size = 16
	d, err := shapes.Sample(c, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestShapesAndRoundTrip(t *testing.T) {
	for _, arch := range []Arch{MLP, Conv} {
		cfg := DefaultConfig()
		cfg.Arch, cfg.H, cfg.W, cfg.Latent = arch, 16, 16, 5
		cfg.Hidden, cfg.Channels = []int{32}, []int{4, 8}
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d := tinyData(t, 3)
		z, err := m.Encode(d.Pixels, d.N)
		if err != nil {
			t.Fatal(err)
		}
		if len(z) != 3*5 {
			t.Fatalf("%s: %d code values, want 15", arch, len(z))
		}
		x, err := m.Decode(z, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(x) != 3*16*16 {
			t.Fatalf("%s: %d decoded values", arch, len(x))
		}
		for _, v := range x {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("%s: decoded pixel %g outside [0,1]", arch, v)
			}
		}
	}
}

// TestOverfitTinyBatch: on 8 images the autoencoder must drive the reconstruction error
// far below that of predicting the mean image.
func TestOverfitTinyBatch(t *testing.T) {
	for _, arch := range []Arch{MLP, Conv} {
		cfg := DefaultConfig()
		cfg.Arch, cfg.H, cfg.W, cfg.Latent, cfg.BatchSize = arch, 16, 16, 8, 8
		cfg.Hidden, cfg.Channels = []int{64}, []int{16, 32}
		cfg.LearningRate = 1e-3
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d := tinyData(t, 8)
		var baseline float64 // MSE of the per-pixel mean image
		for p := range d.ImageSize() {
			var mean float64
			for i := range d.N {
				mean += float64(d.Image(i)[p])
			}
			mean /= float64(d.N)
			for i := range d.N {
				baseline += math.Pow(float64(d.Image(i)[p])-mean, 2)
			}
		}
		baseline /= float64(len(d.Pixels))
		fc := fit.DefaultConfig()
		fc.Steps, fc.Progress = 300, nil
		h, err := m.Train(context.Background(), d, fc)
		if err != nil {
			t.Fatal(err)
		}
		final := h.Last("").Metrics["mse"]
		t.Logf("%s: mse %.4f after %d steps (mean-image baseline %.4f)", arch, final, fc.Steps, baseline)
		if final > baseline/20 {
			t.Errorf("%s: did not overfit 8 images: mse %.4f, baseline %.4f", arch, final, baseline)
		}
	}
}
