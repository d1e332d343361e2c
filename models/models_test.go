package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/genlab-go/genlab/models/vae"
)

func TestSetFields(t *testing.T) {
	c := vae.DefaultConfig()
	// Fields of the embedded autoencoder config count as the VAE's; names are
	// case-insensitive; a bare word is a string.
	err := models.SetFields(&c, map[string]string{"sigma": "0.25", "Latent": "7", "arch": "mlp", "Channels": "[8,16]", "Binarize": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Sigma != 0.25 || c.Latent != 7 || c.Arch != ae.MLP || len(c.Channels) != 2 || c.Channels[1] != 16 || c.Binarize {
		t.Errorf("SetFields gave %+v", c)
	}
	if err := models.SetFields(&c, map[string]string{"Sigmaa": "1"}); err == nil || !strings.Contains(err.Error(), "Sigma") {
		t.Errorf("an unknown field: %v (want the list of fields)", err)
	}
	if err := models.SetFields(&c, map[string]string{"Latent": "seven"}); err == nil {
		t.Error("a string for an int field should fail")
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{ae.ModelName, vae.ModelName, gan.ModelName} {
		if _, err := models.Lookup(name); err != nil {
			t.Errorf("%s is not registered: %v", name, err)
		}
	}
	if _, err := models.Lookup("nope"); err == nil || !strings.Contains(err.Error(), vae.ModelName) {
		t.Errorf("an unknown model: %v (want the registered names)", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice should panic")
		}
	}()
	models.Register(models.Registration{Name: vae.ModelName,
		New:  func(*datasets.Images, models.Options) (models.Model, error) { return nil, nil },
		Load: func(string) (models.Model, error) { return nil, nil }})
}

// New and Load go through the registry: options reach the configuration, a trained
// model comes back from its checkpoint as the same type with the same configuration,
// and its abilities are found by type assertion.
func TestNewTrainLoad(t *testing.T) {
	c := shapes.DefaultConfig()
	c.Size = 16
	data, err := shapes.Sample(c, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.New(vae.ModelName, data, models.Options{Arch: "mlp", Latent: 3, Beta: 4, BatchSize: 8,
		Set: map[string]string{"Hidden": "[16]"}})
	if err != nil {
		t.Fatal(err)
	}
	v := m.(*vae.Model)
	if v.Cfg.Beta != 4 || v.Cfg.Latent != 3 || v.Cfg.BatchSize != 8 || v.Cfg.Binarize || v.Cfg.Hidden[0] != 16 {
		t.Errorf("options did not reach the configuration: %+v (binary shapes need no binarization)", v.Cfg)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress, fc.CheckpointDir = 3, nil, t.TempDir()
	if _, err := m.Train(context.Background(), data, fc); err != nil {
		t.Fatal(err)
	}
	back, err := models.Load(fc.CheckpointDir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name() != vae.ModelName || back.(*vae.Model).Cfg.Beta != 4 {
		t.Errorf("loaded %s %+v", back.Name(), back.Config())
	}
	for name, ok := range map[string]bool{
		"Sampler":       is[models.Sampler](back),
		"Reconstructor": is[models.Reconstructor](back),
		"Encoder":       is[models.Encoder](back),
		"LogWeighter":   is[models.LogWeighter](back),
	} {
		if !ok {
			t.Errorf("a VAE should be a %s", name)
		}
	}
	g, err := models.New(gan.ModelName, data, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if is[models.Reconstructor](g) || !is[models.Sampler](g) {
		t.Error("a GAN samples and does not reconstruct")
	}
	if _, err := models.New(gan.ModelName, data, models.Options{Loss: "wgan"}); err == nil {
		t.Error("an unknown loss should fail")
	}
	// Colour data get the Gaussian decoder, grey data dynamic binarization.
	grey := &datasets.Images{Name: "grey", N: 1, H: 4, W: 4, C: 1, Pixels: make([]float32, 16)}
	colour := &datasets.Images{Name: "colour", N: 1, H: 4, W: 4, C: 3, Pixels: make([]float32, 48)}
	if c, _ := vae.Configure(grey, models.Options{}); c.Likelihood != vae.Bernoulli || !c.Binarize {
		t.Errorf("grey images: %s, binarize %v", c.Likelihood, c.Binarize)
	}
	if c, _ := vae.Configure(colour, models.Options{}); c.Likelihood != vae.Gaussian || c.Binarize {
		t.Errorf("colour images: %s, binarize %v", c.Likelihood, c.Binarize)
	}
}

func is[T any](m models.Model) bool { _, ok := m.(T); return ok }
