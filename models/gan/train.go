package gan

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "gan"

func init() { models.RegisterModel(ModelName, Configure, New) }

// Configure is ConfigFor data's images with the command's options: Arch "mlp" for
// dense players, Loss (gan or wgan-gp, with WithWGANGP's settings), Conditional (one
// class per label of data), BatchNorm, Latent as the noise size, batch size and
// learning rate.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := ConfigFor(data.H, data.W, data.C)
	if o.Arch == string(MLP) {
		c.Arch, c.Hidden = MLP, []int{512, 256}
	}
	switch Loss(o.Loss) {
	case "", NonSaturating:
	case WGANGP:
		c = c.WithWGANGP()
	default:
		return c, fmt.Errorf("gan: unknown loss %q (want %s or %s)", o.Loss, NonSaturating, WGANGP)
	}
	if o.Conditional {
		c.Classes = len(data.Classes)
	}
	c.BatchNorm = o.BatchNorm
	if o.Latent > 0 {
		c.Noise = o.Latent
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Classes is the number of classes a conditional GAN draws (0: unconditional).
func (m *Model) Classes() int { return m.Cfg.Classes }

func (m *Model) adam() optimizer.Interface {
	betas := []float64{m.Cfg.Beta1}
	if m.Cfg.Beta2 != 0 { // 0: Adam's default
		betas = append(betas, m.Cfg.Beta2)
	}
	return fit.Adam(m.Cfg.LearningRate, betas...)
}

// objective is a game's pair of losses, the discriminator's (critic's) and the
// generator's.
type objective struct{ d, g func(*Model) fit.LossFn }

// objectives maps each Loss to its pair: the players and the loop are the same for
// every game, only these functions differ.
var objectives = map[Loss]objective{
	"":            {(*Model).DLossFn, (*Model).GLossFn},
	NonSaturating: {(*Model).DLossFn, (*Model).GLossFn},
	WGANGP:        {(*Model).CriticLossFn, (*Model).WGLossFn},
}

// Updates are the alternating updates of one training step: the discriminator's
// (CriticSteps times, each on a real batch of its own), then the generator's (on the
// discriminator's last batch, for its size and labels). Each has its own Adam and its
// own scope, so each moves only its own player's variables.
func (m *Model) Updates() []fit.Update {
	obj := objectives[m.Cfg.Loss] // Validate has checked the loss
	return []fit.Update{
		{Name: "D", Scope: DiscriminatorScope, Loss: obj.d(m), Optimizer: m.adam(), Repeat: m.Cfg.CriticSteps},
		{Name: "G", Scope: GeneratorScope, Loss: obj.g(m), Optimizer: m.adam(), Repeat: m.Cfg.GeneratorSteps, Reuse: true},
	}
}

// CheckData returns a clear error if data does not fit the model.
func (m *Model) CheckData(data *datasets.Images) error {
	c := m.Cfg
	if err := data.Check(c.H, c.W, c.C); err != nil {
		return fmt.Errorf("gan: %w", err)
	}
	if c.Classes > 0 && (len(data.Labels) != data.N || len(data.Classes) != c.Classes) {
		return fmt.Errorf("gan: a conditional GAN with %d classes needs labels; %s has %d classes", c.Classes, data.Name, len(data.Classes))
	}
	return nil
}

// Train runs cfg.Steps alternating D and G steps on minibatches of data drawn in an
// order fixed by cfg.Seed, resuming from cfg.CheckpointDir if it holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	if err := m.CheckData(data); err != nil {
		return nil, err
	}
	cfg.Meta = fit.ModelMeta(ModelName, m.Cfg, data)
	draw := fit.ImageDraw(data, m.Cfg.BatchSize, cfg.Seed, m.Cfg.Classes > 0, nil)
	return fit.Train(ctx, m.Backend, m.Store, cfg, draw, m.Updates()...)
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }

// NoiseOf returns n noise vectors z ~ N(0, I) drawn on the host from seed: fixed noise,
// for sample grids that can be compared over training.
func (m *Model) NoiseOf(n int, seed uint64) []float32 {
	rng := datasets.Rand(seed, 0x6a7)
	z := make([]float32, n*m.Cfg.Noise)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return z
}

// Generate maps n noise vectors (and, for a conditional GAN, n labels; else nil) to
// samples in the data range, n*H*W*C values.
func (m *Model) Generate(z []float32, labels []int32, n int) ([]float32, error) {
	c := m.Cfg
	if len(z) != n*c.Noise {
		return nil, fmt.Errorf("gan: %d noise values for %d samples of %d", len(z), n, c.Noise)
	}
	if c.Classes > 0 && len(labels) != n {
		return nil, fmt.Errorf("gan: a conditional GAN needs %d labels, got %d", n, len(labels))
	}
	// One float input per sample: the noise, then the label as a float (the Mapper
	// feeds one array; the graph splits it again).
	width := c.Noise
	in := z
	if c.Classes > 0 {
		width++
		in = make([]float32, 0, n*width)
		for i := range n {
			in = append(in, z[i*c.Noise:(i+1)*c.Noise]...)
			in = append(in, float32(labels[i]))
		}
	}
	return m.Run("generate", func(_ *model.Scope, x *graph.Node) *graph.Node {
		zz, labels := x, (*graph.Node)(nil)
		if c.Classes > 0 {
			zz = graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, c.Noise))
			labels = graph.ConvertDType(graph.Reshape(graph.Slice(x, graph.AxisRange(), graph.AxisElem(c.Noise)), -1), dtypes.Int32)
		}
		return m.FromRange(m.Generator(zz, labels))
	}, in, n, width)
}

// Sample draws n samples with noise from seed (labels cycling through the classes for
// a conditional GAN: sample i has label i % Classes).
func (m *Model) Sample(n int, seed uint64) ([]float32, error) {
	var labels []int32
	if m.Cfg.Classes > 0 {
		labels = make([]int32, n)
		for i := range labels {
			labels[i] = int32(i % m.Cfg.Classes)
		}
	}
	return m.Generate(m.NoiseOf(n, seed), labels, n)
}

// ClassGrid draws a conditional GAN's class grid: row r has class r, and the same cols
// noise vectors (from seed) run down every column, so a column shows what the noise
// carries (style: slant, thickness) once the class is fixed. It returns Classes*cols
// samples in row order, for lab.Grid with cols columns.
func (m *Model) ClassGrid(cols int, seed uint64) ([]float32, error) {
	c := m.Cfg
	if c.Classes == 0 {
		return nil, fmt.Errorf("gan: a class grid needs a conditional GAN (Classes > 0)")
	}
	if cols < 1 {
		return nil, fmt.Errorf("gan: a class grid of %d columns", cols)
	}
	z := m.NoiseOf(cols, seed)
	noise := make([]float32, 0, c.Classes*len(z))
	labels := make([]int32, 0, c.Classes*cols)
	for class := range int32(c.Classes) {
		noise = append(noise, z...)
		for range cols {
			labels = append(labels, class)
		}
	}
	return m.Generate(noise, labels, c.Classes*cols)
}

// DiscriminatorProb returns D(x) (probabilities, not logits) for n samples in the data
// range (unconditional models): the curve the 1-D story plots.
func (m *Model) DiscriminatorProb(x []float32, n int) ([]float32, error) {
	c := m.Cfg
	return m.Run("d_prob", func(_ *model.Scope, x *graph.Node) *graph.Node {
		return graph.Sigmoid(m.Discriminator(m.ToRange(x), nil))
	}, x, n, c.H, c.W, c.C)
}
