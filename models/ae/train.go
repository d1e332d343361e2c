package ae

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "ae"

// Train fits the autoencoder to data with Adam for cfg.Steps minibatches of
// m.Cfg.BatchSize images, drawn in an order fixed by cfg.Seed. It resumes from
// cfg.CheckpointDir if that holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	return m.TrainLoss(ctx, data, cfg, fit.ModelMeta(ModelName, m.Cfg), false, m.LossFn())
}

// TrainLoss is the training loop that the autoencoder and the models built on its
// networks (the VAE) share: Adam on loss over minibatches of data in an order fixed by
// cfg.Seed, each image dynamically binarized if binarize, with meta saved in the
// checkpoints so that Load can rebuild the model.
func (m *Model) TrainLoss(ctx context.Context, data *datasets.Images, cfg fit.Config, meta map[string]string,
	binarize bool, loss fit.LossFn) (*fit.History, error) {
	if err := CheckData(m.Cfg.H, m.Cfg.W, m.Cfg.C, data); err != nil {
		return nil, err
	}
	b := m.Cfg.BatchSize
	sampler := datasets.NewSampler(data.N, b, uint64(cfg.Seed))
	batches := func(step, _ int) ([]*tensors.Tensor, error) {
		px, _ := data.Gather(sampler.Batch(step))
		if binarize {
			datasets.Binarize(datasets.Rand(uint64(cfg.Seed), uint64(step)+1), px)
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(px, b, data.H, data.W, data.C)}, nil
	}
	cfg.Meta = meta
	return fit.Run(ctx, m.Backend, m.Store, cfg, batches, fit.Update{
		Loss:      loss,
		Optimizer: optimizer.Adam().LearningRate(m.Cfg.LearningRate).Done(),
	})
}

// CheckData returns a clear error if data's images are not h x w x c.
func CheckData(h, w, c int, data *datasets.Images) error {
	if data == nil {
		return fmt.Errorf("no data")
	}
	if err := data.Validate(); err != nil {
		return err
	}
	if data.H != h || data.W != w || data.C != c {
		return fmt.Errorf("data %s has %dx%dx%d images but the model expects %dx%dx%d",
			data.Name, data.H, data.W, data.C, h, w, c)
	}
	return nil
}

// Save writes the model's variables and configuration to dir.
func (m *Model) Save(dir string) error { return fit.SaveModel(dir, m.Store, ModelName, m.Cfg) }

// Load rebuilds a model saved by Save or Train from dir.
func Load(dir string) (*Model, error) {
	return fit.LoadModel(dir, ModelName, New, func(m *Model) *model.Store { return m.Store })
}
