package vae

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "vae"

func init() { models.RegisterModel(ModelName, Configure, New) }

// Configure is DefaultConfig for data with o's options (those of ae.Configure, and Beta).
// The likelihood follows the data: binary images (the shapes) are modelled as they are
// and grey ones (MNIST) dynamically binarized, both with the Bernoulli decoder, the
// protocol of the likelihood literature; colour images (the faces) get the Gaussian
// decoder on their pixels as they are, since binarizing colour would throw away what
// the model is for (and eval scores them so, eval.BinaryModel).
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	base, err := ae.Configure(data, o)
	if err != nil {
		return Config{}, err
	}
	c := DefaultConfig()
	c.Config = base
	if o.Beta > 0 {
		c.Beta = o.Beta
	}
	switch {
	case data.C != 1:
		c.Likelihood, c.Binarize = Gaussian, false
	case data.Binary:
		c.Binarize = false
	}
	return c, nil
}

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Config is the VAE's configuration (the embedded autoencoder's is only its networks).
func (m *Model) Config() any { return m.Cfg }

// Train fits the VAE to data for cfg.Steps minibatches (dynamically binarized if
// m.Cfg.Binarize, perturbed if m.Cfg.Perturb), resuming from cfg.CheckpointDir if it
// holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	levels := 256 // a Gaussian decoder's pixels
	if m.Cfg.Likelihood == Bernoulli {
		levels = 2
	}
	prep := datasets.Prep(cfg.Seed, m.Cfg.Binarize, m.Cfg.Perturb, levels)
	return m.TrainLoss(ctx, data, cfg, fit.ModelMeta(ModelName, m.Cfg, data), prep, m.LossFn())
}

// Load rebuilds a VAE saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }

// Encode maps n images to their posterior means, n*Latent values.
func (m *Model) Encode(images []float32, n int) ([]float32, error) {
	return m.Run("vae/encode", m.Encoder, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

// Decode maps n codes to the decoder's means, n*H*W*C values in [0, 1]. (It must be
// defined here: the embedded autoencoder's Decode would run the autoencoder's Decoder.)
func (m *Model) Decode(codes []float32, n int) ([]float32, error) {
	return m.Run("vae/decode", m.Decoder, codes, n, m.Cfg.Latent)
}

// Reconstruct decodes the posterior mean of each of n images.
func (m *Model) Reconstruct(images []float32, n int) ([]float32, error) {
	return m.Run("vae/reconstruct", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return m.Decoder(scope, m.Encoder(scope, x))
	}, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

// Sample decodes n codes drawn from the prior N(0, I) with the given seed, returning the
// decoder means (n*H*W*C values in [0, 1]).
func (m *Model) Sample(n int, seed uint64) ([]float32, error) {
	rng := datasets.Rand(seed, 0x5a3)
	z := make([]float32, n*m.Cfg.Latent)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return m.Decode(z, n)
}

// BinaryData reports whether the decoder models binary pixels (Bernoulli) rather than
// continuous ones (Gaussian): eval.NLL binarizes the test images only for the former.
func (m *Model) BinaryData() bool { return m.Cfg.Likelihood == Bernoulli }

// logWeightBatch is how many decoder passes one importance-weighting graph makes. With
// 500 (K = 100: 5 images at a time) `genlab eval --k 100` on the default conv VAE peaks
// at 0.8 GiB resident and runs in 51 s for 500 images; with 5,000 it took 7.8 GiB,
// beyond a learner's 8 GB laptop, and 96 s.
const logWeightBatch = 500

// LogWeightsOf returns the importance log-weights [n, k] of n images (see LogWeights).
func (m *Model) LogWeightsOf(images []float32, n, k int) ([]float32, error) {
	mp, err := m.Mapper(fmt.Sprintf("vae/logweights/%d", k), func(scope *model.Scope, x *graph.Node) *graph.Node {
		return m.LogWeights(scope, x, k)
	})
	if err != nil {
		return nil, err
	}
	// Chunk for memory: one graph decodes about logWeightBatch samples (k per image).
	out, _, err := mp.Map(images, n, []int{m.Cfg.H, m.Cfg.W, m.Cfg.C}, max(1, logWeightBatch/k))
	return out, err
}
