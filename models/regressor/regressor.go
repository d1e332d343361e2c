// Package regressor is a small conv net that reads a number off an image: the lab's age
// estimator. Trained on UTKFace's labelled ages, it scores CycleGAN's young <-> old
// translations by the age it sees in them (genlab eval's age metrics), the way the
// classifier's features score generators by the Frechet distance.
package regressor

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/classifier"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "regressor"

// Config describes the regressor and how to train it.
type Config struct {
	H, W, C int // image shape
	// Factor is the name of the dataset factor predicted (Images.FactorNames): "age".
	Factor string
	// Scale divides the factor for training (100 for ages in years), so that the
	// network's output and the loss's gradient are of order 1.
	Scale float64
	// Channels and Features are the classifier's body (classifier.ConvFeatures).
	Channels     []int
	Features     int
	LearningRate float64
	BatchSize    int
	// Flip mirrors each training image left-right with probability 1/2: a face's age
	// does not depend on which way it looks, and 9,000 faces are few for a conv net.
	Flip bool
}

// DefaultConfig is the age regressor for UTKFace's 64x64 faces: stride-2 convs of 32,
// 64 and 128 channels (64 -> 8), 128 features, one output, the mean absolute error in
// years as the loss (the median age of a look, robust to mislabelled faces), Adam
// 1e-3, batches of 64, random flips.
func DefaultConfig() Config {
	return Config{H: 64, W: 64, C: 3, Factor: "age", Scale: 100, Channels: []int{32, 64, 128}, Features: 128,
		LearningRate: 1e-3, BatchSize: 64, Flip: true}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || c.Features < 1 || len(c.Channels) == 0 || c.H>>len(c.Channels) < 1 {
		return fmt.Errorf("regressor: image %dx%dx%d, channels %v, %d features", c.H, c.W, c.C, c.Channels, c.Features)
	}
	if c.Factor == "" || c.Scale <= 0 || c.BatchSize < 1 || c.LearningRate <= 0 {
		return fmt.Errorf("regressor: factor %q, scale %g, batch %d, learning rate %g", c.Factor, c.Scale, c.BatchSize, c.LearningRate)
	}
	return nil
}

// Shape is the image shape, h x w x c.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Model is a trained (or untrained) regressor.
type Model struct {
	models.Base[Config]
}

// New returns an untrained regressor for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

// Configure is DefaultConfig sized to data's images, with the command's batch size and
// learning rate.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

func init() { models.RegisterModel(ModelName, Configure, New) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Output maps images x [B, H, W, C] in [0, 1] to the scaled prediction [B].
func (m *Model) Output(scope *model.Scope, x *graph.Node) *graph.Node {
	h := classifier.ConvFeatures(scope, x, m.Cfg.Channels, m.Cfg.Features)
	return graph.Reshape(blocks.Dense(scope, "output", h, 1), -1)
}

// Loss is the mean absolute error of the scaled predictions against targets [B], with
// the error in the factor's units (years) as a metric.
func (m *Model) Loss(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
	loss := graph.ReduceAllMean(graph.Abs(graph.Sub(m.Output(scope, inputs[0]), inputs[1])))
	return loss, []fit.Metric{{Name: "mae", Value: graph.MulScalar(loss, m.Cfg.Scale)}}
}

// Targets returns data's factor values, scaled.
func (m *Model) Targets(data *datasets.Images) ([]float32, error) {
	c := m.Cfg
	k := slices.Index(data.FactorNames, c.Factor)
	if k < 0 || len(data.Factors) != data.N*len(data.FactorNames) {
		return nil, fmt.Errorf("regressor: %s has no %q factor to predict (it has %v; faces have an age: --dataset utkface)",
			data.Name, c.Factor, data.FactorNames)
	}
	t := make([]float32, data.N)
	for i := range t {
		t[i] = float32(float64(data.Factors[i*len(data.FactorNames)+k]) / c.Scale)
	}
	return t, nil
}

// Train fits the regressor to data's factor for cfg.Steps minibatches drawn in an order
// fixed by cfg.Seed, resuming from cfg.CheckpointDir if it holds one.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.H, c.W, c.C); err != nil {
		return nil, fmt.Errorf("regressor: %w", err)
	}
	targets, err := m.Targets(data)
	if err != nil {
		return nil, err
	}
	sampler := datasets.NewSampler(data.N, c.BatchSize, uint64(cfg.Seed))
	draw := func(i int) ([]*tensors.Tensor, error) {
		idx := sampler.Batch(i)
		px, _ := data.Gather(idx)
		if c.Flip {
			datasets.Mirror(datasets.Rand(uint64(cfg.Seed), uint64(i)+1), px, len(idx), c.H, c.W, c.C)
		}
		t := make([]float32, len(idx))
		for j, k := range idx {
			t[j] = targets[k]
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(px, len(idx), c.H, c.W, c.C),
			tensors.FromFlatDataAndDimensions(t, len(idx))}, nil
	}
	cfg.Meta = fit.ModelMeta(ModelName, c, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, draw, fit.Update{
		Name: "regressor", Loss: m.Loss, Optimizer: fit.Adam(c.LearningRate),
	})
}

// Predict returns the predicted factor (in its units: years) of each of n images.
func (m *Model) Predict(images []float32, n int) ([]float64, error) {
	out, err := m.Run("output", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return graph.Reshape(m.Output(scope, x), -1, 1)
	}, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
	if err != nil {
		return nil, err
	}
	pred := make([]float64, n)
	for i := range pred {
		pred[i] = float64(out[i]) * m.Cfg.Scale
	}
	return pred, nil
}

// Error is the mean absolute error, in the factor's units, of the predictions on data.
func (m *Model) Error(data *datasets.Images) (float64, error) {
	targets, err := m.Targets(data)
	if err != nil {
		return 0, err
	}
	pred, err := m.Predict(data.Floats(), data.N)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for i, p := range pred {
		sum += math.Abs(p - float64(targets[i])*m.Cfg.Scale)
	}
	return sum / float64(data.N), nil
}

// Mean is the mean prediction over n images.
func (m *Model) Mean(images []float32, n int) (float64, error) {
	pred, err := m.Predict(images, n)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for _, p := range pred {
		sum += p
	}
	return sum / float64(n), nil
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }
