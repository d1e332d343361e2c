package vae_test

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/vae"
)

// A VAE is a configuration, New, and Train; what it then does (Sample, Encode,
// Reconstruct, LogWeightsOf) runs on the host with plain float32 slices.
func Example() {
	data, err := shapes.Sample(shapes.DefaultConfig(), 256, 1)
	if err != nil {
		panic(err)
	}
	cfg := vae.DefaultConfig()
	cfg.Arch, cfg.H, cfg.W, cfg.Latent = ae.MLP, 32, 32, 4
	cfg.Binarize = false // the shapes are binary already
	m, err := vae.New(cfg)
	if err != nil {
		panic(err)
	}
	run := fit.DefaultConfig()
	run.Steps, run.Progress = 20, nil // a notebook uses fit.Budget("name", steps, smoke)
	if _, err := m.Train(context.Background(), data, run); err != nil {
		panic(err)
	}
	samples, err := m.Sample(8, 1)
	if err != nil {
		panic(err)
	}
	codes, err := m.Encode(data.Pixels, data.N)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(samples), "sample values,", len(codes), "code values")
	// Output: 8192 sample values, 1024 code values
}
