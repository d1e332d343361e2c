package pix2pix

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "pix2pix"

func init() { models.RegisterModel(ModelName, Configure, New) }

// Configure is ConfigFor paired data (images of two sides stacked on channels, as
// datasets/maps gives them) with the command's options: Loss "l1" for the L1-only
// baseline, batch size and learning rate.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	if data.H != data.W || data.C%2 != 0 {
		return Config{}, fmt.Errorf("pix2pix: %s has %dx%dx%d images; it needs square pairs (two sides stacked on channels, e.g. maps)", data.Name, data.H, data.W, data.C)
	}
	c := ConfigFor(data.H)
	c.Channels = data.C / 2
	switch o.Loss {
	case "", "gan":
	case "l1":
		c.Adversarial = false
	default:
		return c, fmt.Errorf("pix2pix: unknown loss %q (want gan, or l1 for the L1-only baseline)", o.Loss)
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Updates are one training step: the discriminator's update on a batch of pairs, then
// the generator's on the same batch; the L1-only baseline has the generator's alone.
func (m *Model) Updates() []fit.Update {
	adam := func() optimizer.Interface {
		return fit.Adam(m.Cfg.LearningRate, m.Cfg.Beta1)
	}
	g := fit.Update{Name: "G", Scope: GeneratorScope, Loss: m.GLossFn(), Optimizer: adam()}
	if !m.Cfg.Adversarial {
		return []fit.Update{g}
	}
	g.Reuse = true
	return []fit.Update{{Name: "D", Scope: DiscriminatorScope, Loss: m.DLossFn(), Optimizer: adam()}, g}
}

// Train fits the model to data's pairs for cfg.Steps steps (each pair jittered if
// Jitter), resuming from cfg.CheckpointDir if it holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.Shape()); err != nil {
		return nil, fmt.Errorf("pix2pix: %w", err)
	}
	var prep func(int, []float32)
	if c.Jitter {
		prep = func(i int, px []float32) {
			datasets.Jitter(datasets.Rand(uint64(cfg.Seed), uint64(i)+1), px, c.BatchSize, c.Size, 2*c.Channels)
		}
	}
	cfg.Meta = fit.ModelMeta(ModelName, c, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, fit.ImageDraw(data, c.BatchSize, cfg.Seed, false, prep), m.Updates()...)
}

// Translate maps n input images (NHWC in [0, 1], Channels each) to outputs in [0, 1].
func (m *Model) Translate(images []float32, n int) ([]float32, error) {
	// 16 images at a time at 64x64 (the decoder's col2im of a 64-channel 32x32 map is
	// 2 MB per image and its intermediates a few times that).
	chunk := max(1, 16*64*64/(m.Cfg.Size*m.Cfg.Size))
	return m.RunChunks("translate", func(_ *model.Scope, x *graph.Node) *graph.Node {
		return fromRange(m.Generator(toRange(x)))
	}, images, n, chunk, m.Cfg.Size, m.Cfg.Size, m.Cfg.Channels)
}

// Pairs splits paired data into the model's inputs and their targets, by Direction.
func (m *Model) Pairs(pairs *datasets.Images) (in, target *datasets.Images, err error) {
	if err := pairs.Check(m.Cfg.Shape()); err != nil {
		return nil, nil, fmt.Errorf("pix2pix: %w", err)
	}
	c := m.Cfg.Channels
	a, b := pairs.Channels(0, c), pairs.Channels(c, c)
	if m.Cfg.Direction == BtoA {
		a, b = b, a
	}
	return a, b, nil
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }
