package ae

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "ae"

func init() { models.RegisterModel(ModelName, Configure, New) }

// Configure is DefaultConfig shaped for data's images, with o's architecture, code
// size, batch size and learning rate where given.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	if o.Arch != "" {
		c.Arch = Arch(o.Arch)
	}
	if o.Latent > 0 {
		c.Latent = o.Latent
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Train fits the autoencoder to data with Adam for cfg.Steps minibatches of
// m.Cfg.BatchSize images, drawn in an order fixed by cfg.Seed. It resumes from
// cfg.CheckpointDir if that holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	return m.TrainLoss(ctx, data, cfg, fit.ModelMeta(ModelName, m.Cfg, data), nil, m.LossFn())
}

// TrainLoss is the training loop that the autoencoder and the models built on its
// networks (the VAE) share: Adam on loss over minibatches of data in an order fixed by
// cfg.Seed, each batch changed by prep first if not nil (datasets.Prep: the VAE's
// dynamic binarization), with meta saved in the checkpoints so that Load can rebuild
// the model.
func (m *Model) TrainLoss(ctx context.Context, data *datasets.Images, cfg fit.Config, meta map[string]string,
	prep func(i int, px []float32), loss fit.LossFn) (*fit.History, error) {
	if err := data.Check(m.Cfg.H, m.Cfg.W, m.Cfg.C); err != nil {
		return nil, fmt.Errorf("%s: %w", meta["model"], err)
	}
	cfg.Meta = meta
	return fit.Train(ctx, m.Backend, m.Store, cfg, fit.ImageDraw(data, m.Cfg.BatchSize, cfg.Seed, false, prep), fit.Update{
		Loss:      loss,
		Optimizer: fit.Adam(m.Cfg.LearningRate),
	})
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }
