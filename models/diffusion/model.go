package diffusion

import (
	"context"
	"fmt"
	"strings"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "diffusion"

// Config describes the diffusion model and how to train and sample it.
type Config struct {
	H, W, C int // image shape
	// Classes > 0 conditions the noise predictor on the label, dropped with probability
	// PUncond in training so that the same network also predicts without it: the two
	// predictions mix at sampling with weight Guidance (classifier-free guidance, Ho
	// and Salimans, 2022): eps = (1 + w) eps(x, y) - w eps(x).
	Classes  int
	PUncond  float64
	Guidance float64
	// The forward process: Schedule (Linear or Cosine) over T steps; the linear one's
	// betas run from BetaStart to BetaEnd.
	Schedule           string
	T                  int
	BetaStart, BetaEnd float64
	// The noise predictor, a U-Net: a TimeResBlock of Channels[i] channels at each
	// resolution (the image halved between them), the same on the way up after the
	// skip connection, and the timestep embedded in Embed dimensions. As in Ho et al.,
	// each block adds the embedding (the timestep's, plus the label's) per channel before
	// a GroupNorm of 8 groups, which removes what is common to a group: a level of 8
	// channels or fewer (one per group) cannot see the timestep or the label at all.
	Channels []int
	Embed    int
	// SampleSteps is how many DDIM steps Sample takes (0: the T ancestral steps).
	SampleSteps int
	// EMA is the decay of an exponential moving average of the weights, kept beside them
	// in training and used for sampling (0: sample the trained weights themselves). Ho
	// et al. average with 0.9999 over 800,000 steps; a budget of a few thousand steps
	// needs a horizon 1/(1 - EMA) of a few hundred.
	EMA          float64
	LearningRate float64
	BatchSize    int
}

// DefaultConfig is the diffusion model for 28x28 grey images: the cosine schedule over
// T = 1000 steps, a U-Net of 32, 64 and 64 channels at 28, 14 and 7 pixels with a
// 64-dimensional timestep embedding, Adam 5e-4 on batches of 32; samples by 50 DDIM
// steps with a moving average of the weights (decay 0.995, a horizon of 200 steps);
// when conditioned, the label dropped 10% of the time and guidance weight 1.
//
// The average: resumed from the same 2,000-step MNIST run for 400 more steps, 400
// samples by 20 DDIM steps scored a Frechet distance of 213 with it and 230 with the
// weights themselves (floor 117), their strokes more often joined.
//
// The batch is 32 for the laptop: a step on 64 images keeps more than genlab's soft
// memory limit (1.25 GiB, which keeps a command under 2 GiB resident) live, and the
// collector then runs all the time. `genlab train diffusion --steps 12` on MNIST, 2
// cores shared with a notebook run: 0.18 steps/s at batch 64 (11.5 images/s, 1.29 GiB
// peak), 0.60 at batch 32 (19 images/s, 1.01 GiB).
func DefaultConfig() Config {
	return Config{H: 28, W: 28, C: 1, PUncond: 0.1, Guidance: 1, Schedule: Cosine, T: 1000, BetaStart: 1e-4, BetaEnd: 0.02,
		Channels: []int{32, 64, 64}, Embed: 64, SampleSteps: 50, EMA: 0.995, LearningRate: 5e-4, BatchSize: 32}
}

// Configure is DefaultConfig sized to data's images, conditioned on its classes when
// o.Conditional, with o's batch size and learning rate where given.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	if o.Conditional {
		if len(data.Classes) < 2 {
			return c, fmt.Errorf("diffusion: --conditional needs labelled data; %s has %d classes", data.Name, len(data.Classes))
		}
		c.Classes = len(data.Classes)
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || len(c.Channels) == 0 || c.Embed < 2 || c.Embed%2 != 0 {
		return fmt.Errorf("diffusion: image %dx%dx%d, channels %v, embedding %d (even)", c.H, c.W, c.C, c.Channels, c.Embed)
	}
	if c.H>>(len(c.Channels)-1) < 2 || c.W>>(len(c.Channels)-1) < 2 {
		return fmt.Errorf("diffusion: %d resolutions halve %dx%d to nothing", len(c.Channels), c.H, c.W)
	}
	if _, err := NewSchedule(c.Schedule, c.T, c.BetaStart, c.BetaEnd); err != nil {
		return err
	}
	if c.Classes < 0 || c.PUncond < 0 || c.PUncond >= 1 || c.SampleSteps < 0 || c.SampleSteps > c.T {
		return fmt.Errorf("diffusion: classes %d, label dropout %g, %d sampling steps of %d", c.Classes, c.PUncond, c.SampleSteps, c.T)
	}
	if c.EMA < 0 || c.EMA >= 1 {
		return fmt.Errorf("diffusion: weight average decay %g (want 0 <= EMA < 1)", c.EMA)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 {
		return fmt.Errorf("diffusion: batch size %d and learning rate %g must be positive", c.BatchSize, c.LearningRate)
	}
	return nil
}

// Shape is the image shape, h x w x c.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Model is a diffusion model: its configuration, variables and schedule.
type Model struct {
	models.Base[Config]
	Sched Schedule
}

// New returns an untrained model for cfg.
func New(cfg Config) (*Model, error) {
	b, err := models.NewBase(cfg)
	if err != nil {
		return nil, err
	}
	s, err := NewSchedule(cfg.Schedule, cfg.T, cfg.BetaStart, cfg.BetaEnd)
	if err != nil {
		return nil, err
	}
	return &Model{Base: b, Sched: s}, nil
}

func init() { models.RegisterModel(ModelName, Configure, New) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Classes is the number of labels the model is conditioned on (0: none).
func (m *Model) Classes() int { return m.Cfg.Classes }

// Noise is the noise predictor eps(x_t, t, y): x [B, H, W, C] in the data's [-1, 1]
// scale, t [B] the timesteps (1..T, int32), y [B] the labels (int32; the label Classes
// means none) or nil for an unconditional model; it returns the predicted noise.
func (m *Model) Noise(scope *model.Scope, x, t, y *graph.Node) *graph.Node {
	return m.UNet().Apply(scope, x, t, y)
}

// UNet is the model's noise predictor as a block (shared with models/flow).
func (m *Model) UNet() blocks.TimeUNet {
	c := m.Cfg
	return blocks.TimeUNet{H: c.H, Channels: c.Channels, Embed: c.Embed, Classes: c.Classes, Out: c.C}
}

// table is a per-step quantity of the schedule as a graph constant [T], read at t [B]
// (1..T) and shaped [B, 1, 1, 1] to scale images.
func table(g *graph.Graph, values []float64, t *graph.Node, dtype dtypes.DType) *graph.Node {
	v := graph.ConvertDType(graph.Const(g, values), dtype)
	at := graph.Gather(v, graph.InsertAxes(graph.AddScalar(t, -1), -1))
	return graph.Reshape(at, t.Shape().Dim(0), 1, 1, 1)
}

// Loss is the simple loss of Ho et al.: for each image x_0 (inputs[0], in [0, 1]; the
// labels in inputs[1] when conditioned), a timestep t uniform in 1..T and noise eps,
// the mean squared error of the network's prediction of eps from x_t =
// sqrt(alphabar_t) x_0 + sqrt(1 - alphabar_t) eps.
func (m *Model) Loss(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
	c := m.Cfg
	x0 := graph.AddScalar(graph.MulScalar(inputs[0], 2), -1)
	g, b := x0.Graph(), x0.Shape().Dim(0)
	// t = 1 + floor(u T) for u uniform in [0, 1): GoMLX v0.28.8's RandomIntN fails on
	// int32 shapes (it negates an unsigned value).
	u := scope.RandomUniform(g, shapes.Make(dtypes.Float32, b))
	t := graph.AddScalar(graph.ClipScalar(graph.ConvertDType(graph.StopGradient(graph.Floor(graph.MulScalar(u, float64(c.T)))), dtypes.Int32), 0, float64(c.T-1)), 1)
	eps := scope.RandomNormal(g, x0.Shape())
	ab := table(g, m.Sched.AlphaBar, t, x0.DType())
	xt := graph.Add(graph.Mul(graph.Sqrt(ab), x0), graph.Mul(graph.Sqrt(graph.OneMinus(ab)), eps))
	var y *graph.Node
	if c.Classes > 0 {
		// Drop the label to "none" (index Classes) with probability PUncond.
		drop := graph.LessThan(scope.RandomUniform(g, shapes.Make(x0.DType(), b)), graph.Scalar(g, x0.DType(), c.PUncond))
		y = graph.Where(drop, graph.Scalar(g, dtypes.Int32, c.Classes), inputs[1])
	}
	loss := graph.ReduceAllMean(graph.Square(graph.Sub(m.Noise(scope, xt, t, y), eps)))
	m.averageWeights(scope.Store(), g)
	return loss, nil
}

// Train fits the model to data (and its labels, when conditioned) for cfg.Steps
// minibatches in an order fixed by cfg.Seed, resuming from cfg.CheckpointDir.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.H, c.W, c.C); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	if c.Classes > 0 && (len(data.Labels) != data.N || len(data.Classes) != c.Classes) {
		return nil, fmt.Errorf("diffusion: the model is conditioned on %d classes; %s has %d labels in %d classes",
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

// PredictNoise runs the noise predictor on n images x (in [-1, 1]) at timestep t, with
// labels (nil: none; the value Classes also means none).
func (m *Model) PredictNoise(x []float32, t int, labels []int32, n int) ([]float32, error) {
	c := m.Cfg
	d := c.H * c.W * c.C
	if len(x) != n*d || (labels != nil && len(labels) != n) {
		return nil, fmt.Errorf("diffusion: %d values and %d labels for %d images of %d", len(x), len(labels), n, d)
	}
	in := Rows(x, float32(t), labels, n, d, c.Classes)
	averaged, name := m.Averaged(), "diffusion/eps"
	if averaged {
		name = "diffusion/eps-ema"
	}
	return m.Run(name, func(scope *model.Scope, row *graph.Node) *graph.Node {
		if averaged {
			scope = m.Store.Scope(emaScope)
		}
		b := row.Shape().Dim(0)
		img := graph.Reshape(graph.Slice(row, graph.AxisRange(), graph.AxisRange(0, d)), b, c.H, c.W, c.C)
		tt := graph.ConvertDType(graph.Reshape(graph.Slice(row, graph.AxisRange(), graph.AxisElem(d)), b), dtypes.Int32)
		var y *graph.Node
		if c.Classes > 0 {
			y = graph.ConvertDType(graph.Reshape(graph.Slice(row, graph.AxisRange(), graph.AxisElem(d+1)), b), dtypes.Int32)
		}
		return m.Noise(scope, img, tt, y)
	}, in, n, d+2)
}

// Rows lays out a network pass's input as the Mapper feeds it, one float row per image
// (n images of d values x): its pixels, the time t and its label (labels nil, or the
// value classes: none); the graph splits each row again.
func Rows(x []float32, t float32, labels []int32, n, d, classes int) []float32 {
	in := make([]float32, 0, n*(d+2))
	for i := range n {
		y := float32(classes)
		if labels != nil {
			y = float32(labels[i])
		}
		in = append(in, x[i*d:(i+1)*d]...)
		in = append(in, t, y)
	}
	return in
}

// EMAScope holds the moving average of every trained variable at the variable's own
// path under it, so that a network built in this scope reads the average, and a count
// of the steps averaged.
const EMAScope = "/ema"

const emaScope = EMAScope

// averageWeights adds to the train step the update of the weights' moving average.
func (m *Model) averageWeights(store *model.Store, g *graph.Graph) {
	AverageWeights(store, g, m.Cfg.EMA)
}

// AverageWeights adds to a train step the update of the weights' moving average under
// EMAScope (when decay > 0): avg <- decay avg + (1 - decay) w, starting at the first
// step's weights. It reads each weight before the step's optimizer update (the average
// lags the weights by one step), and it changes nothing the optimizer sees, so a run
// trains the same weights with or without it. Call it from the loss, after the network
// is built, so that every trained variable exists.
func AverageWeights(store *model.Store, g *graph.Graph, decay float64) {
	if decay == 0 {
		return
	}
	var trained []*model.Variable
	for v := range store.IterVariables() {
		if v.Trainable && !strings.HasPrefix(v.Scope(), emaScope) {
			trained = append(trained, v)
		}
	}
	zero := store.Scope(emaScope).WithInitializer(initializer.Zero)
	count := zero.VariableWithShape("count", shapes.Make(dtypes.Float32)).SetTrainable(false)
	first := graph.Equal(count.NodeValue(g), graph.ScalarZero(g, dtypes.Float32))
	for _, v := range trained {
		avg := store.Scope(emaScope+v.Scope()).WithInitializer(initializer.Zero).VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
		w := v.NodeValue(g)
		next := graph.Add(graph.MulScalar(avg.NodeValue(g), decay), graph.MulScalar(w, 1-decay))
		avg.SetNodeValue(graph.Where(first, w, next))
	}
	count.SetNodeValue(graph.AddScalar(count.NodeValue(g), 1))
}

// Averaged reports whether the model samples with a moving average of its weights:
// Cfg.EMA > 0 and at least one step trained.
func (m *Model) Averaged() bool { return Averaged(m.Store, m.Cfg.EMA) }

// Averaged reports whether store holds a moving average of its weights to sample with:
// decay > 0 and at least one step averaged.
func Averaged(store *model.Store, decay float64) bool {
	if decay == 0 {
		return false
	}
	v := store.GetVariable(emaScope + "/count")
	if v == nil || !v.HasValue() {
		return false
	}
	n, err := v.Value()
	return err == nil && n.Value().(float32) > 0
}
