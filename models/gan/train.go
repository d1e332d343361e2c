package gan

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "gan"

func (m *Model) adam() optimizer.Interface {
	b2 := m.Cfg.Beta2
	if b2 == 0 {
		b2 = 0.999
	}
	return optimizer.Adam().LearningRate(m.Cfg.LearningRate).Betas(m.Cfg.Beta1, b2).Done()
}

// Updates are the alternating updates of one training step: the discriminator's
// (CriticSteps times, each on a real batch and a fresh fake one), then the generator's.
// Each has its own Adam and its own scope, so each moves only its own player's
// variables.
func (m *Model) Updates() []fit.Update {
	d, g := m.DLossFn(), m.GLossFn()
	if m.Cfg.Loss == WGANGP {
		d, g = m.CriticLossFn(), m.WGLossFn()
	}
	return []fit.Update{
		{Name: "D", Scope: DiscriminatorScope, Loss: d, Optimizer: m.adam(), Repeat: m.Cfg.CriticSteps},
		{Name: "G", Scope: GeneratorScope, Loss: g, Optimizer: m.adam(), Repeat: m.Cfg.GeneratorSteps},
	}
}

// CheckData returns a clear error if data does not fit the model.
func (m *Model) CheckData(data *datasets.Images) error {
	if data == nil {
		return fmt.Errorf("gan: no data")
	}
	if err := data.Validate(); err != nil {
		return err
	}
	c := m.Cfg
	if data.H != c.H || data.W != c.W || data.C != c.C {
		return fmt.Errorf("gan: data %s has %dx%dx%d samples but the model expects %dx%dx%d", data.Name, data.H, data.W, data.C, c.H, c.W, c.C)
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
	b := m.Cfg.BatchSize
	sampler := datasets.NewSampler(data.N, b, uint64(cfg.Seed))
	// Each critic step reads its own real batch; the generator's step reuses the last one
	// (it only needs the batch size and, for a conditional GAN, labels).
	dSteps := max(m.Cfg.CriticSteps, 1)
	lastIndex, last := -1, []*tensors.Tensor(nil)
	batches := func(step, call int) ([]*tensors.Tensor, error) {
		i := step*dSteps + min(call, dSteps-1)
		if i != lastIndex {
			px, labels := data.Gather(sampler.Batch(i))
			last = []*tensors.Tensor{tensors.FromFlatDataAndDimensions(px, b, data.H, data.W, data.C)}
			if m.Cfg.Classes > 0 {
				last = append(last, tensors.FromFlatDataAndDimensions(labels, b))
			}
			lastIndex = i
		}
		return last, nil
	}
	cfg.Meta = fit.ModelMeta(ModelName, m.Cfg)
	return fit.Run(ctx, m.Backend, m.Store, cfg, batches, m.Updates()...)
}

// Save writes the model's variables and configuration to dir.
func (m *Model) Save(dir string) error { return fit.SaveModel(dir, m.Store, ModelName, m.Cfg) }

// Load rebuilds a model saved by Save or Train from dir.
func Load(dir string) (*Model, error) {
	return fit.LoadModel(dir, ModelName, New, func(m *Model) *model.Store { return m.Store })
}

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
