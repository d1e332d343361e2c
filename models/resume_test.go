package models_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/genlab-go/genlab/models"
	_ "github.com/genlab-go/genlab/models/classifier"
	"github.com/gomlx/gomlx/ml/model"
)

// A resumed run is the run it claims to equal: for every registered model (and each
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
	}{
		{"ae", models.Options{}},
		{"vae", models.Options{Arch: "mlp"}},
		{"vae", models.Options{}},
		{"gan", models.Options{}},
		{"gan", models.Options{Loss: "wgan-gp"}},
		{"gan", models.Options{Conditional: true, BatchNorm: true}},
		{"classifier", models.Options{}},
	}
	const steps = 6
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%+v", c.name, c.o), func(t *testing.T) {
			c.o.BatchSize = 8
			train := func(dir string, n int) *model.Store {
				m, err := models.New(c.name, data, c.o)
				if err != nil {
					t.Fatal(err)
				}
				fc := fit.DefaultConfig()
				fc.Steps, fc.Progress, fc.CheckpointDir, fc.Seed = n, nil, dir, 7
				if _, err := m.Train(context.Background(), data, fc); err != nil {
					t.Fatal(err)
				}
				return m.Variables()
			}
			straight := train(t.TempDir(), steps)
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
