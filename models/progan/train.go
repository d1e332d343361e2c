package progan

import (
	"context"
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "progan"

func init() { models.RegisterModel(ModelName, Configure, New) }

// Configure is ConfigFor data's images with the command's options: Latent as the code
// size, batch size and learning rate.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := ConfigFor(data.H, data.W, data.C)
	if o.Latent > 0 {
		c.Latent = o.Latent
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

func (m *Model) adam() optimizer.Interface {
	return fit.Adam(m.Cfg.LearningRate, m.Cfg.Beta1, m.Cfg.Beta2)
}

// phase is a stretch of training with one graph: a stage, fading in or stable.
type phase struct {
	stage  int
	fading bool
	end    int // the step it ends at
}

// phases is the schedule as graphs: stage 0 stable, then each stage's fade and its
// stable part.
func (c Config) phases() []phase {
	ps := []phase{{stage: 0, end: c.StageEnd(0)}}
	for s := 1; s < c.Stages(); s++ {
		ps = append(ps, phase{stage: s, fading: true, end: c.StageEnd(s-1) + c.FadeSteps}, phase{stage: s, end: c.StageEnd(s)})
	}
	return ps
}

// Updates are one step's two updates at a stage (fading in or not): the
// discriminator's, then the generator's on the same batch. Each has its own Adam (whose
// moments carry over from stage to stage for the layers that stay) and moves only its
// own player. A batch is real images [B, H, W, C] in [0, 1] and alpha (a scalar).
func (m *Model) Updates(stage int, fading bool) []fit.Update {
	return []fit.Update{
		{Name: "D", Scope: DiscriminatorScope, Loss: m.DLossFn(stage, fading), Optimizer: m.adam()},
		{Name: "G", Scope: GeneratorScope, Loss: m.GLossFn(stage, fading), Optimizer: m.adam(), Reuse: true},
	}
}

// Train grows the model through its stages for cfg.Steps steps in all (the schedule's
// total, Config.StageEnd of the last stage, to train it completely), resuming from
// cfg.CheckpointDir if it holds a checkpoint. Each phase of the schedule (a stage's
// fade-in, its stable part) compiles its own graphs and continues the run in the same
// store; the data order and alpha are functions of the step, so a run resumed anywhere
// is the run trained straight through.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.H, c.W, c.C); err != nil {
		return nil, fmt.Errorf("progan: %w", err)
	}
	cfg.Meta = fit.ModelMeta(ModelName, c, data)
	images := fit.ImageDraw(data, c.BatchSize, cfg.Seed, false, nil)
	// One minibatch per step (the generator reuses the discriminator's), so draw i is
	// step i's, and alpha rides along as the batch's second input.
	draw := func(i int) ([]*tensors.Tensor, error) {
		batch, err := images(i)
		if err != nil {
			return nil, err
		}
		_, alpha := c.Phase(i)
		return append(batch, tensors.FromScalar(float32(alpha))), nil
	}
	total := cfg.Steps
	var hist *fit.History
	start := 0
	if fit.HasCheckpoint(cfg.CheckpointDir) {
		s, err := fit.CheckpointStep(cfg.CheckpointDir)
		if err != nil {
			return nil, err
		}
		start = s
	}
	for i, p := range c.phases() {
		last := i == len(c.phases())-1
		if p.end <= start && !last {
			continue // done before the checkpoint
		}
		pc := cfg
		pc.Steps = min(p.end, total)
		if last {
			pc.Steps = total // past the schedule, the last stage trains on
		}
		pc.Continue = hist
		h, err := fit.Train(ctx, m.Backend, m.Store, pc, draw, m.Updates(p.stage, p.fading)...)
		if err != nil {
			return h, err
		}
		hist = h
		if h.EndStep >= total || h.EndStep < pc.Steps { // done, or stopped by cfg.Until
			break
		}
	}
	return hist, nil
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }

// Progress returns the stage and alpha the model has trained to (stage 0 and alpha 1
// for an untrained one).
func (m *Model) Progress() (stage int, alpha float64) {
	v := m.Store.GetVariable(progressScope + "/progress")
	if v == nil {
		return 0, 1
	}
	t, err := v.Value()
	if err != nil {
		return 0, 1
	}
	p := float64(tensors.ToScalar[float32](t))
	stage = int(math.Ceil(p - 1e-6))
	return max(stage, 0), min(p-float64(stage)+1, 1)
}

// NoiseOf returns n codes z ~ N(0, I) drawn on the host from seed.
func (m *Model) NoiseOf(n int, seed uint64) []float32 {
	rng := datasets.Rand(seed, 0x57a1e)
	z := make([]float32, n*m.Cfg.Latent)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return z
}

// Styles maps n codes z [n, Latent] to style codes w [n, Latent].
func (m *Model) StylesOf(z []float32, n int) ([]float32, error) {
	if len(z) != n*m.Cfg.Latent {
		return nil, fmt.Errorf("progan: %d values for %d codes of %d", len(z), n, m.Cfg.Latent)
	}
	return m.Run("map", func(_ *model.Scope, z *graph.Node) *graph.Node { return m.Map(z) }, z, n, m.Cfg.Latent)
}

// Synthesize draws n images from per-layer styles ws [n, layers, Latent] (layers the
// number of style layers of the final stage) at the stage the model has reached,
// upsampled to H x W (nearest) if it has not grown that far, in [0, 1].
func (m *Model) Synthesize(ws []float32, n int) ([]float32, error) {
	c := m.Cfg
	layers := StyleLayers(c.Stages() - 1)
	if len(ws) != n*layers*c.Latent {
		return nil, fmt.Errorf("progan: %d style values for %d images of %d layers x %d", len(ws), n, layers, c.Latent)
	}
	stage, alpha := m.Progress()
	fading := alpha < 1
	name := fmt.Sprintf("synthesize_%d_%08x", stage, math.Float32bits(float32(alpha)))
	return m.Run(name, func(_ *model.Scope, ws *graph.Node) *graph.Node {
		b := ws.Shape().Dim(0)
		ws = graph.Slice(ws, graph.AxisRange(), graph.AxisRange(0, StyleLayers(stage)))
		a := graph.Scalar(ws.Graph(), ws.DType(), alpha)
		x := m.Synthesis(ws, stage, a, fading)
		for r := Res(stage); r < c.H; r *= 2 {
			x = blocks.Upsample2x(x)
		}
		x = graph.Reshape(x, b, c.H, c.W, c.C)
		return graph.ClipScalar(graph.MulScalar(graph.AddScalar(x, 1), 0.5), 0, 1)
	}, ws, n, layers, c.Latent)
}

// Generate maps n codes z to images in [0, 1], every layer with z's style.
func (m *Model) Generate(z []float32, n int) ([]float32, error) {
	w, err := m.StylesOf(z, n)
	if err != nil {
		return nil, err
	}
	layers := StyleLayers(m.Cfg.Stages() - 1)
	ws := make([]float32, 0, n*layers*m.Cfg.Latent)
	for i := range n {
		for range layers {
			ws = append(ws, w[i*m.Cfg.Latent:(i+1)*m.Cfg.Latent]...)
		}
	}
	return m.Synthesize(ws, n)
}

// Sample draws n images with codes from seed.
func (m *Model) Sample(n int, seed uint64) ([]float32, error) {
	return m.Generate(m.NoiseOf(n, seed), n)
}

// StyleMix draws the style-mixing grid: rows codes A (from seed) down the left, cols
// codes B (from seed+1) along the top, and at (i, j) the image whose first coarse style
// layers come from B_j and the rest from A_i. With coarse 4 (the 4x4 and 8x8 layers) B
// gives the pose and the face's shape, A its colours and finer features. The result is
// (rows+1) x (cols+1) images in row order for lab.Grid with cols+1 columns; the corner is
// blank (white).
func (m *Model) StyleMix(rows, cols, coarse int, seed uint64) ([]float32, error) {
	c := m.Cfg
	layers := StyleLayers(c.Stages() - 1)
	if rows < 1 || cols < 1 || coarse < 1 || coarse > layers {
		return nil, fmt.Errorf("progan: a %dx%d mixing grid with %d coarse layers of %d", rows, cols, coarse, layers)
	}
	wa, err := m.StylesOf(m.NoiseOf(rows, seed), rows)
	if err != nil {
		return nil, err
	}
	wb, err := m.StylesOf(m.NoiseOf(cols, seed+1), cols)
	if err != nil {
		return nil, err
	}
	code := func(w []float32, i int) []float32 { return w[i*c.Latent : (i+1)*c.Latent] }
	var ws []float32
	add := func(coarseW, fineW []float32) {
		for l := range layers {
			if l < coarse {
				ws = append(ws, coarseW...)
			} else {
				ws = append(ws, fineW...)
			}
		}
	}
	for j := range cols { // the top row: B alone
		add(code(wb, j), code(wb, j))
	}
	for i := range rows {
		add(code(wa, i), code(wa, i)) // the left column: A alone
		for j := range cols {
			add(code(wb, j), code(wa, i))
		}
	}
	n := cols + rows*(cols+1)
	px, err := m.Synthesize(ws, n)
	if err != nil {
		return nil, err
	}
	size := c.H * c.W * c.C
	blank := make([]float32, size)
	for i := range blank {
		blank[i] = 1
	}
	return append(blank, px...), nil
}
