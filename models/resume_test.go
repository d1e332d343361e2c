package models_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/genlab-go/genlab/models"
	_ "github.com/genlab-go/genlab/models/classifier"
	_ "github.com/genlab-go/genlab/models/cyclegan"
	_ "github.com/genlab-go/genlab/models/dbvae"
	_ "github.com/genlab-go/genlab/models/detector"
	_ "github.com/genlab-go/genlab/models/diffusion"
	_ "github.com/genlab-go/genlab/models/flow"
	_ "github.com/genlab-go/genlab/models/pix2pix"
	_ "github.com/genlab-go/genlab/models/pixelcnn"
	_ "github.com/genlab-go/genlab/models/progan"
	_ "github.com/genlab-go/genlab/models/regressor"
	"github.com/gomlx/gomlx/ml/model"
)

// Two runs with the same seed are the same run, and a resumed run is the run it claims
// to equal: for every registered model (and each
// GAN game), N steps straight and N/2 steps, a checkpoint, a fresh process's worth of
// model (models.Load's path: a new store filled from the file) and N/2 more leave every
// variable identical to the bit: weights, optimizer moments, the step counter and the
// in-graph random state that the VAE's reparameterization and the GANs' noise draw from.
func TestResumeIsExactForEveryModel(t *testing.T) {
	data, err := shapes.Sample(shapes.DefaultConfig(), 96, 3)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    models.Options
		data *datasets.Images // nil: the shapes
	}{
		{"ae", models.Options{}, nil},
		{"vae", models.Options{Arch: "mlp"}, nil},
		{"vae", models.Options{}, nil},
		{"vae", models.Options{Set: map[string]string{"Perturb": "0.2"}}, nil}, // a background model
		{"gan", models.Options{}, nil},
		{"gan", models.Options{Loss: "wgan-gp"}, nil},
		{"gan", models.Options{Conditional: true, BatchNorm: true}, nil},
		{"classifier", models.Options{}, nil},
		{"pix2pix", models.Options{Set: map[string]string{"GenChannels": "[8,8,8,8]", "DiscChannels": "[8]"}}, pairs16()},
		{"regressor", models.Options{Set: map[string]string{"Factor": "x", "Channels": "[4,8]", "Features": "8"}}, nil},
		{"pixelcnn", models.Options{Set: map[string]string{"Filters": "4", "Layers": "1", "Perturb": "0.2"}}, nil},
		{"cyclegan", models.Options{Set: map[string]string{"GenFilters": "4", "ResBlocks": "1", "DiscChannels": "[4]", "PoolSize": "8"}}, domains16()},
		{"diffusion", models.Options{Set: map[string]string{"Channels": "[4,8]", "Embed": "4", "T": "20", "SampleSteps": "5"}}, nil},
		{"diffusion", models.Options{Conditional: true, Set: map[string]string{"Channels": "[4,8]", "Embed": "4", "T": "20", "SampleSteps": "5"}}, nil},
		{"flow", models.Options{Set: map[string]string{"Channels": "[4,8]", "Embed": "4", "SampleSteps": "3"}}, nil},
		{"flow", models.Options{Conditional: true, Set: map[string]string{"Channels": "[4,8]", "Embed": "4", "SampleSteps": "3", "Solver": "heun"}}, nil},
		{"detector", models.Options{Set: map[string]string{"Channels": "[4,8]"}}, testenv.Detection(16, 16, 16)},
		// 16 faces, 4 a batch: the faces' probabilities are recomputed at steps 0 and 4,
		// and the resume at step 3 must draw step 3's faces by those of step 0.
		{"dbvae", models.Options{Latent: 2, Set: map[string]string{"Channels": "[4,8]"}}, testenv.Detection(16, 16, 16)},
		// Stages at 4, 8, 16 and 32: stage 0 ends at step 1, stage 1 fades in over steps
		// 1-2 and is stable at 3, stage 2 fades in from step 4: the resume at step 3
		// starts a new phase's graphs from a checkpoint, and the run crosses two more.
		{"progan", models.Options{Latent: 4, Set: map[string]string{"Channels": "[4,4,4,4]", "Mapping": "1", "FadeSteps": "2", "StableSteps": "1", "Group": "2"}}, nil},
	}
	const steps = 6 // the cyclegan's pool of 8 fills in 1 step and swaps after
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, c.name), func(t *testing.T) {
			c.o.BatchSize = 8
			d := data
			if c.data != nil {
				d = c.data
			}
			train := func(dir string, n int) *model.Store {
				m, err := models.New(c.name, d, c.o)
				if err != nil {
					t.Fatal(err)
				}
				fc := fit.DefaultConfig()
				fc.Steps, fc.Progress, fc.CheckpointDir, fc.Seed = n, nil, dir, 7
				if _, err := m.Train(context.Background(), d, fc); err != nil {
					t.Fatal(err)
				}
				return m.Variables()
			}
			straight := train(t.TempDir(), steps)
			// The same seed twice: the same bits (on the pure-Go backend; see the README).
			again := train(t.TempDir(), steps)
			for path, w := range testenv.Variables(t, straight) {
				if !bytes.Equal(w, testenv.Variables(t, again)[path]) {
					t.Errorf("%s differs between two runs with the same seed", path)
				}
			}
			dir := t.TempDir()
			train(dir, steps/2)
			resumed := train(dir, steps) // a new model, restored from dir
			want, got := testenv.Variables(t, straight), testenv.Variables(t, resumed)
			if len(want) != len(got) {
				t.Errorf("%d variables straight, %d resumed", len(want), len(got))
			}
			for path, w := range want {
				if g, ok := got[path]; !ok {
					t.Errorf("%s: missing after resume", path)
				} else if !bytes.Equal(w, g) {
					t.Errorf("%s differs after resume", path)
				}
			}
		})
	}
}

// pairs16 is 32 random 16x16 pairs (6 channels), for pix2pix.
func pairs16() *datasets.Images {
	d := &datasets.Images{Name: "pairs", N: 32, H: 16, W: 16, C: 6}
	for i := range 32 * 16 * 16 * 6 {
		d.Pixels = append(d.Pixels, float32(i*7919%1000)/1000)
	}
	return d
}

// domains16 is two domains of 16 images each, for CycleGAN.
func domains16() *datasets.Images {
	d := &datasets.Images{Name: "domains", N: 32, H: 16, W: 16, C: 3, Classes: []string{"a", "b"}}
	for i := range 32 * 16 * 16 * 3 {
		d.Pixels = append(d.Pixels, float32(i*104729%1000)/1000)
	}
	for i := range 32 {
		d.Labels = append(d.Labels, int32(i%2))
	}
	return d
}
