// Package flow is flow matching (Lipman et al., 2023; rectified flow, Liu et al., 2023):
// a network learns the velocity that carries noise to data along straight lines, and
// sampling integrates it, from noise at time 0 to an image at time 1, in as few or as
// many steps as one likes (Euler's, or Heun's with a correction). It shares
// models/diffusion's U-Net, so the two compare on the same network and budget.
//
// With x0 ~ N(0, I) and x1 an image (in [-1, 1]), the path is
//
//	x_t = (1 - t) x0 + t x1,   0 <= t <= 1,
//
// whose velocity is x1 - x0. The loss is E || v(x_t, t) - (x1 - x0) ||^2 over t uniform
// in [0, 1]: its minimizer is the conditional mean E[x1 - x0 | x_t], a velocity field
// whose flow carries N(0, I) to the data's distribution.
package flow

import (
	"context"
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/diffusion"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "flow"

// Solvers of the flow's ordinary differential equation.
const (
	Euler = "euler" // x += dt v(x, t): one network pass a step
	Heun  = "heun"  // Euler's step, then the average of the velocities at both ends: two passes a step
)

// TimeScale is what the U-Net's sinusoidal embedding reads for time t in [0, 1]: t x
// 1000, the range of diffusion's timesteps, so both models embed time on one scale.
const TimeScale = 1000

// Config describes the flow model and how to train and sample it.
type Config struct {
	H, W, C int // image shape
	// Classes > 0 conditions the velocity on the label, dropped with probability
	// PUncond in training so that the same network also predicts without it; they mix
	// at sampling with weight Guidance: v = (1 + w) v(x, y) - w v(x) (classifier-free
	// guidance, as models/diffusion).
	Classes  int
	PUncond  float64
	Guidance float64
	// The velocity network: models/diffusion's U-Net (blocks.TimeUNet).
	Channels []int
	Embed    int
	// SampleSteps is how many steps Sample integrates with Solver (Euler or Heun).
	SampleSteps int
	Solver      string
	// EMA is the decay of a moving average of the weights used for sampling (0: none),
	// as models/diffusion's.
	EMA          float64
	LearningRate float64
	BatchSize    int
}

// DefaultConfig is models/diffusion's network and training for 28x28 grey images (a
// U-Net of 32, 64 and 64 channels, a 64-dimensional time embedding, Adam 5e-4 on batches
// of 32, a weight average of decay 0.995), sampled by 20 Euler steps; when conditioned,
// the label dropped 10% of the time and guidance weight 1.
func DefaultConfig() Config {
	d := diffusion.DefaultConfig()
	return Config{H: d.H, W: d.W, C: d.C, PUncond: d.PUncond, Guidance: d.Guidance, Channels: d.Channels, Embed: d.Embed,
		SampleSteps: 20, Solver: Euler, EMA: d.EMA, LearningRate: d.LearningRate, BatchSize: d.BatchSize}
}

// Configure is DefaultConfig sized to data's images, conditioned on its classes when
// o.Conditional, with o's batch size and learning rate where given.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	if o.Conditional {
		if len(data.Classes) < 2 {
			return c, fmt.Errorf("flow: --conditional needs labelled data; %s has %d classes", data.Name, len(data.Classes))
		}
		c.Classes = len(data.Classes)
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || len(c.Channels) == 0 || c.Embed < 2 || c.Embed%2 != 0 {
		return fmt.Errorf("flow: image %dx%dx%d, channels %v, embedding %d (even)", c.H, c.W, c.C, c.Channels, c.Embed)
	}
	if c.H>>(len(c.Channels)-1) < 2 || c.W>>(len(c.Channels)-1) < 2 {
		return fmt.Errorf("flow: %d resolutions halve %dx%d to nothing", len(c.Channels), c.H, c.W)
	}
	if c.Classes < 0 || c.PUncond < 0 || c.PUncond >= 1 || c.Guidance < 0 {
		return fmt.Errorf("flow: classes %d, label dropout %g, guidance %g", c.Classes, c.PUncond, c.Guidance)
	}
	if c.SampleSteps < 1 || (c.Solver != Euler && c.Solver != Heun) {
		return fmt.Errorf("flow: %d sampling steps of solver %q (want >= 1 steps of %s or %s)", c.SampleSteps, c.Solver, Euler, Heun)
	}
	if c.EMA < 0 || c.EMA >= 1 {
		return fmt.Errorf("flow: weight average decay %g (want 0 <= EMA < 1)", c.EMA)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 {
		return fmt.Errorf("flow: batch size %d and learning rate %g must be positive", c.BatchSize, c.LearningRate)
	}
	return nil
}

// Shape is the image shape, h x w x c.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Model is a flow-matching model: its configuration and variables.
type Model struct {
	models.Base[Config]
}

// New returns an untrained model for cfg.
func New(cfg Config) (*Model, error) {
	b, err := models.NewBase(cfg)
	if err != nil {
		return nil, err
	}
	return &Model{Base: b}, nil
}

func init() { models.RegisterModel(ModelName, Configure, New) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Classes is the number of labels the model is conditioned on (0: none).
func (m *Model) Classes() int { return m.Cfg.Classes }

// Velocity is the network v(x_t, t, y): x [B, H, W, C] on the data's [-1, 1] scale, t
// [B] times in [0, 1] (float), y [B] labels (int32; Classes means none) or nil.
func (m *Model) Velocity(scope *model.Scope, x, t, y *graph.Node) *graph.Node {
	c := m.Cfg
	u := blocks.TimeUNet{H: c.H, Channels: c.Channels, Embed: c.Embed, Classes: c.Classes, Out: c.C}
	return u.Apply(scope, x, graph.MulScalar(t, TimeScale), y)
}

// Interpolate is the straight path between noise x0 and data x1 at times t [B]:
// (1 - t) x0 + t x1, with t broadcast over each image.
func Interpolate(x0, x1, t *graph.Node) *graph.Node {
	tb := graph.Reshape(t, t.Shape().Dim(0), 1, 1, 1)
	return graph.Add(graph.Mul(graph.OneMinus(tb), x0), graph.Mul(tb, x1))
}

// Objective is the flow-matching loss of velocities v predicted on the path from x0 to
// x1: the mean over every value of (v - (x1 - x0))^2.
func Objective(v, x0, x1 *graph.Node) *graph.Node {
	return graph.ReduceAllMean(graph.Square(graph.Sub(v, graph.Sub(x1, x0))))
}

// Loss draws, for each image x1 (inputs[0], in [0, 1]; the labels in inputs[1] when
// conditioned), noise x0 ~ N(0, I) and a time t uniform in [0, 1), and scores the
// network's velocity at x_t by Objective.
func (m *Model) Loss(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
	c := m.Cfg
	x1 := graph.AddScalar(graph.MulScalar(inputs[0], 2), -1)
	g, b := x1.Graph(), x1.Shape().Dim(0)
	t := graph.StopGradient(scope.RandomUniform(g, shapes.Make(x1.DType(), b)))
	x0 := scope.RandomNormal(g, x1.Shape())
	var y *graph.Node
	if c.Classes > 0 {
		drop := graph.LessThan(scope.RandomUniform(g, shapes.Make(x1.DType(), b)), graph.Scalar(g, x1.DType(), c.PUncond))
		y = graph.Where(drop, graph.Scalar(g, dtypes.Int32, c.Classes), inputs[1])
	}
	loss := Objective(m.Velocity(scope, Interpolate(x0, x1, t), t, y), x0, x1)
	diffusion.AverageWeights(scope.Store(), g, c.EMA)
	return loss, nil
}

// Train fits the model to data (and its labels, when conditioned) for cfg.Steps
// minibatches in an order fixed by cfg.Seed, resuming from cfg.CheckpointDir.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.H, c.W, c.C); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	if c.Classes > 0 && (len(data.Labels) != data.N || len(data.Classes) != c.Classes) {
		return nil, fmt.Errorf("flow: the model is conditioned on %d classes; %s has %d labels in %d classes",
			c.Classes, data.Name, len(data.Labels), len(data.Classes))
	}
	cfg.Meta = fit.ModelMeta(ModelName, c, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, fit.ImageDraw(data, c.BatchSize, cfg.Seed, c.Classes > 0, nil), m.Updates()...)
}

// Updates is the model's training step: Adam on Loss, for Train and the bench.
func (m *Model) Updates() []fit.Update {
	return []fit.Update{{Name: ModelName, Loss: m.Loss, Optimizer: fit.Adam(m.Cfg.LearningRate)}}
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }

// Averaged reports whether the model samples with the moving average of its weights.
func (m *Model) Averaged() bool { return diffusion.Averaged(m.Store, m.Cfg.EMA) }

// PredictVelocity runs the network on n images x (in [-1, 1]) at time t, with labels
// (nil: none; the value Classes also means none).
func (m *Model) PredictVelocity(x []float32, t float64, labels []int32, n int) ([]float32, error) {
	c := m.Cfg
	d := c.H * c.W * c.C
	if len(x) != n*d || (labels != nil && len(labels) != n) {
		return nil, fmt.Errorf("flow: %d values and %d labels for %d images of %d", len(x), len(labels), n, d)
	}
	if t < 0 || t > 1 || math.IsNaN(t) {
		return nil, fmt.Errorf("flow: time %g outside [0, 1]", t)
	}
	in := diffusion.Rows(x, float32(t), labels, n, d, c.Classes)
	averaged, name := m.Averaged(), "flow/v"
	if averaged {
		name = "flow/v-ema"
	}
	return m.Run(name, func(scope *model.Scope, row *graph.Node) *graph.Node {
		if averaged {
			scope = m.Store.Scope(diffusion.EMAScope)
		}
		b := row.Shape().Dim(0)
		img := graph.Reshape(graph.Slice(row, graph.AxisRange(), graph.AxisRange(0, d)), b, c.H, c.W, c.C)
		tt := graph.Reshape(graph.Slice(row, graph.AxisRange(), graph.AxisElem(d)), b)
		var y *graph.Node
		if c.Classes > 0 {
			y = graph.ConvertDType(graph.Reshape(graph.Slice(row, graph.AxisRange(), graph.AxisElem(d+1)), b), dtypes.Int32)
		}
		return m.Velocity(scope, img, tt, y)
	}, in, n, d+2)
}
