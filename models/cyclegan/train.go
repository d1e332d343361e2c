package cyclegan

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "cyclegan"

func init() { models.RegisterModel(ModelName, Configure, New) }

// Configure is DefaultConfig for data: two domains of images told apart by their
// labels (0 is A, 1 is B: maps-unpaired's photos and maps), with the command's batch
// size and learning rate.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	if data.H != data.W || len(data.Classes) != 2 || len(data.Labels) != data.N {
		return Config{}, fmt.Errorf("cyclegan: %s is not two labelled domains of square images (e.g. maps-unpaired)", data.Name)
	}
	c := DefaultConfig()
	c.Size, c.Channels = data.H, data.C
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Domains splits labelled data into its two domains, A (label 0) and B (label 1).
func Domains(data *datasets.Images) (a, b *datasets.Images, err error) {
	if a, err = Domain(data, 0); err != nil {
		return nil, nil, err
	}
	b, err = Domain(data, 1)
	return a, b, err
}

// Domain returns the images of data labelled d (0 for A, 1 for B).
func Domain(data *datasets.Images, d int32) (*datasets.Images, error) {
	if len(data.Labels) != data.N || len(data.Classes) != 2 {
		return nil, fmt.Errorf("cyclegan: %s is not two labelled domains", data.Name)
	}
	var idx []int
	for i, l := range data.Labels {
		if l == d {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("cyclegan: %s has no images of domain %s", data.Name, data.Classes[d])
	}
	s := data.Select(idx) // in data's storage: bytes stay bytes
	s.Name, s.Labels, s.Classes, s.Factors, s.FactorNames, s.FactorSizes = data.Name+"/"+data.Classes[d], nil, nil, nil, nil, nil
	return s, nil
}

// Updates are one training step: both generators' update, then both discriminators'
// on the same two batches (through the pools).
func (m *Model) Updates() []fit.Update {
	adam := func() optimizer.Interface {
		return fit.Adam(m.Cfg.LearningRate, m.Cfg.Beta1)
	}
	return []fit.Update{
		{Name: "G", Scope: GeneratorsScope, Loss: m.GLossFn(), Optimizer: adam()},
		{Name: "D", Scope: DiscriminatorsScope, Loss: m.DLossFn(), Optimizer: adam(), Reuse: true},
	}
}

// Train fits the model to data's two domains for cfg.Steps steps, each on a batch of
// A images and an independent batch of B images (never a pair), resuming from
// cfg.CheckpointDir if it holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.Shape()); err != nil {
		return nil, fmt.Errorf("cyclegan: %w", err)
	}
	a, b, err := Domains(data)
	if err != nil {
		return nil, err
	}
	drawA := fit.ImageDraw(a, c.BatchSize, cfg.Seed, false, nil)
	drawB := fit.ImageDraw(b, c.BatchSize, cfg.Seed+1, false, nil) // its own order
	cfg.Meta = fit.ModelMeta(ModelName, c, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, func(i int) ([]*tensors.Tensor, error) {
		ta, err := drawA(i)
		if err != nil {
			return nil, err
		}
		tb, err := drawB(i)
		return append(ta, tb...), err
	}, m.Updates()...)
}

// Translate maps n images of the source domain (NHWC in [0, 1]) to the other.
func (m *Model) Translate(images []float32, n int) ([]float32, error) {
	name := "ab"
	if m.Cfg.Direction == BtoA {
		name = "ba"
	}
	return m.RunChunks("translate/"+name, func(_ *model.Scope, x *graph.Node) *graph.Node {
		return fromRange(m.Generator(name, toRange(x)))
	}, images, n, m.Cfg.chunk(), m.Cfg.Size, m.Cfg.Size, m.Cfg.Channels)
}

// Cycle maps n images of the source domain to the other domain and back (F(G(x)) for
// AtoB): what the cycle-consistency loss compares with the input.
func (m *Model) Cycle(images []float32, n int) ([]float32, error) {
	there, back := "ab", "ba"
	if m.Cfg.Direction == BtoA {
		there, back = back, there
	}
	return m.RunChunks("cycle/"+there, func(_ *model.Scope, x *graph.Node) *graph.Node {
		return fromRange(m.Generator(back, m.Generator(there, toRange(x))))
	}, images, n, m.Cfg.chunk(), m.Cfg.Size, m.Cfg.Size, m.Cfg.Channels)
}

// Target returns the images of the domain the model translates into: of two labelled
// domains (maps-unpaired, faces by age), those of the target's label; of pairs, the
// target side.
func (m *Model) Target(data *datasets.Images) (*datasets.Images, error) {
	c := m.Cfg
	if data.C == 2*c.Channels {
		_, target, err := m.Pairs(data)
		return target, err
	}
	d := int32(1)
	if c.Direction == BtoA {
		d = 0
	}
	return Domain(data, d)
}

// Pairs gives the model's inputs and, for paired data (both sides stacked on channels,
// as maps), their targets; for two labelled domains (maps-unpaired, faces by age) the
// source domain's images and no targets.
func (m *Model) Pairs(data *datasets.Images) (in, target *datasets.Images, err error) {
	c := m.Cfg
	if data.H != c.Size || data.W != c.Size {
		return nil, nil, fmt.Errorf("cyclegan: %s has %dx%d images, the model %dx%d", data.Name, data.H, data.W, c.Size, c.Size)
	}
	switch data.C {
	case 2 * c.Channels:
		a, b := data.Channels(0, c.Channels), data.Channels(c.Channels, c.Channels)
		if c.Direction == BtoA {
			a, b = b, a
		}
		return a, b, nil
	case c.Channels:
		source := int32(0)
		if c.Direction == BtoA {
			source = 1
		}
		in, err := Domain(data, source)
		return in, nil, err
	}
	return nil, nil, fmt.Errorf("cyclegan: %s has %d channels: neither images (%d) nor pairs (%d)", data.Name, data.C, c.Channels, 2*c.Channels)
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }
