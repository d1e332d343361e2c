package progan

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Scopes of the players' variables (the GAN's; the mapping network is the
// generator's), and of the training progress that sampling reads back.
const (
	GeneratorScope     = gan.GeneratorScope
	DiscriminatorScope = gan.DiscriminatorScope
	progressScope      = "/progan"
)

// leak is the LeakyReLU slope of both players, as in both papers.
const leak = 0.2

// Model is a progressive, style-based GAN: a mapping network z -> w, a synthesis
// network that grows from 4x4 with two styles per resolution, and a discriminator that
// grows with it.
type Model struct {
	models.Base[Config]
}

// New returns an untrained model for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

func lrelu(x *graph.Node) *graph.Node { return activation.LeakyReluWith(x, leak) }

// Map is the mapping network: z [B, Latent] -> w [B, Latent]. z is first pixel-normed
// onto the sphere; the layers learn 100 times slower than the rest (EqDense's LRMul).
func (m *Model) Map(z *graph.Node) *graph.Node {
	scope := m.Store.Scope(GeneratorScope).In("mapping")
	w := blocks.PixelNorm(z)
	for i := range m.Cfg.Mapping {
		w = lrelu(blocks.EqDense{Width: m.Cfg.Latent, LRMul: 0.01}.Apply(scope.In("dense_%d", i), w))
	}
	return w
}

// Synthesis maps styles ws [B, StyleLayers(stage), Latent] to images [B, r, r, C] at
// stage's resolution r, in [-1, 1] up to the generator's linear output. alpha (a
// scalar) weighs the new resolution's output against the previous one's, upsampled,
// while it fades in; fading false builds the graph without the previous branch.
func (m *Model) Synthesis(ws *graph.Node, stage int, alpha *graph.Node, fading bool) *graph.Node {
	c := m.Cfg
	scope := m.Store.Scope(GeneratorScope).In("synthesis")
	g := ws.Graph()
	b := ws.Shape().Dim(0)
	style := func(i int) *graph.Node {
		return graph.Reshape(graph.Slice(ws, graph.AxisRange(), graph.AxisElem(i), graph.AxisRange()), b, c.Latent)
	}
	// The learned constant the first layer starts from: the code enters only through
	// the styles (StyleGAN's choice).
	ch0 := c.Channels[0]
	konst := scope.In("const").WithInitializer(initializer.One).
		VariableWithShape("value", shapes.Make(dtypes.Float32, 1, 4, 4, ch0)).ValueGraph(g)
	x := graph.BroadcastToDims(konst, b, 4, 4, ch0)
	var prev *graph.Node
	for s := 0; s <= stage; s++ {
		sc := scope.In("res_%d", Res(s))
		if s > 0 {
			prev = x
			x = blocks.Upsample2x(x)
			x = lrelu(blocks.EqConv{Out: c.Channels[s], Kernel: 3}.Apply(sc.In("conv_0"), x))
		}
		x = blocks.AdaIN(sc.In("style_0"), x, style(2*s))
		x = lrelu(blocks.EqConv{Out: c.Channels[s], Kernel: 3}.Apply(sc.In("conv_1"), x))
		x = blocks.AdaIN(sc.In("style_1"), x, style(2*s+1))
	}
	out := m.toRGB(scope, stage, x)
	if fading && stage > 0 {
		old := blocks.Upsample2x(m.toRGB(scope, stage-1, prev))
		out = graph.Add(old, graph.Mul(alpha, graph.Sub(out, old)))
	}
	return out
}

// toRGB is stage s's 1x1 convolution from feature maps to colours.
func (m *Model) toRGB(scope *model.Scope, s int, x *graph.Node) *graph.Node {
	return blocks.EqConv{Out: m.Cfg.C, Kernel: 1, Gain: 1}.Apply(scope.In("to_rgb_%d", Res(s)), x)
}

// fromRGB is stage s's 1x1 convolution from colours to the discriminator's maps.
func (m *Model) fromRGB(scope *model.Scope, s int, x *graph.Node) *graph.Node {
	return lrelu(blocks.EqConv{Out: m.Cfg.Channels[s], Kernel: 1}.Apply(scope.In("from_rgb_%d", Res(s)), x))
}

// Discriminator maps images x [B, r, r, C] at stage's resolution (in [-1, 1]) to
// logits [B]. While the stage fades in, the new block's output is blended with the
// previous stage's input path on the downsampled image.
func (m *Model) Discriminator(x *graph.Node, stage int, alpha *graph.Node, fading bool) *graph.Node {
	c := m.Cfg
	scope := m.Store.Scope(DiscriminatorScope)
	b := x.Shape().Dim(0)
	h := m.fromRGB(scope, stage, x)
	for s := stage; s > 0; s-- {
		sc := scope.In("res_%d", Res(s))
		h = lrelu(blocks.EqConv{Out: c.Channels[s], Kernel: 3}.Apply(sc.In("conv_0"), h))
		h = lrelu(blocks.EqConv{Out: c.Channels[s-1], Kernel: 3}.Apply(sc.In("conv_1"), h))
		h = blocks.Downsample2x(h)
		if s == stage && fading {
			old := m.fromRGB(scope, s-1, blocks.Downsample2x(x))
			h = graph.Add(old, graph.Mul(alpha, graph.Sub(h, old)))
		}
	}
	sc := scope.In("res_4")
	h = blocks.MinibatchStddev(h, c.Group)
	h = lrelu(blocks.EqConv{Out: c.Channels[0], Kernel: 3}.Apply(sc.In("conv"), h))
	h = graph.Reshape(h, b, -1)
	h = lrelu(blocks.EqDense{Width: c.Channels[0]}.Apply(sc.In("dense"), h))
	return graph.Reshape(blocks.EqDense{Width: 1, Gain: 1}.Apply(sc.In("out"), h), b)
}

// Styles draws the training styles for a batch of b: two codes z1, z2 ~ N(0, I)
// mapped to w1, w2, and with probability MixProb one crossover layer k uniform in
// [1, layers): layers below k take w1, the rest w2; otherwise every layer takes w1.
func (m *Model) Styles(g *graph.Graph, b, layers int) *graph.Node {
	c := m.Cfg
	rng := m.Store.Scope("/")
	z := rng.RandomNormal(g, shapes.Make(dtypes.Float32, 2*b, c.Latent))
	w := m.Map(z)
	w1 := graph.Slice(w, graph.AxisRange(0, b))
	w2 := graph.Slice(w, graph.AxisRange(b, 2*b))
	u := rng.RandomUniform(g, shapes.Make(dtypes.Float32, 2))
	u0, u1 := graph.Reshape(graph.Slice(u, graph.AxisElem(0))), graph.Reshape(graph.Slice(u, graph.AxisElem(1)))
	mix := graph.LessThan(u0, graph.Scalar(g, dtypes.Float32, c.MixProb))
	// floor(u * (layers-1)) + 1, in float: the backend's integer draw does not take
	// these shapes (docs/UPSTREAM.md), and Floor has no gradient to give.
	cut := graph.AddScalar(graph.Floor(graph.StopGradient(graph.MulScalar(u1, float64(layers-1)))), 1)
	cut = graph.Where(mix, cut, graph.Scalar(g, dtypes.Float32, float64(layers)))
	layer := graph.Iota(g, shapes.Make(dtypes.Float32, 1, layers, 1), 1)
	first := graph.BroadcastToDims(graph.LessThan(layer, graph.Reshape(cut, 1, 1, 1)), b, layers, c.Latent)
	return graph.Where(first, broadcastLayers(w1, layers), broadcastLayers(w2, layers))
}

// broadcastLayers repeats w [B, W] for every style layer: [B, layers, W].
func broadcastLayers(w *graph.Node, layers int) *graph.Node {
	b, d := w.Shape().Dim(0), w.Shape().Dim(1)
	return graph.BroadcastToDims(graph.Reshape(w, b, 1, d), b, layers, d)
}

// Real brings real images x [B, H, W, C] in [0, 1] to stage's resolution in [-1, 1]
// (exact box filters: repeated 2x2 averages) and, while the stage fades in, blends
// them with their own downsampled-then-upsampled version by alpha, as the generator's
// output is blended: the discriminator never sees a difference the generator cannot
// make.
func (m *Model) Real(x *graph.Node, stage int, alpha *graph.Node, fading bool) *graph.Node {
	for r := m.Cfg.H; r > Res(stage); r /= 2 {
		x = blocks.Downsample2x(x)
	}
	if fading && stage > 0 {
		old := blocks.Upsample2x(blocks.Downsample2x(x))
		x = graph.Add(old, graph.Mul(alpha, graph.Sub(x, old)))
	}
	return graph.AddScalar(graph.MulScalar(x, 2), -1)
}

// DLoss is the discriminator's loss: the GAN's logistic loss (gan.DLoss,
// E[softplus(-l_real)] + E[softplus(l_fake)]) plus the R1 penalty gamma/2 r1, where r1 is
// E[|grad_x D(x_real)|^2]. The generator's is the GAN's non-saturating gan.GLoss.
func DLoss(real, fake, r1 *graph.Node, gamma float64) *graph.Node {
	return graph.Add(gan.DLoss(real, fake), graph.MulScalar(r1, gamma/2))
}

// R1 is E over the batch of |grad_x sum D(x)|^2 at the real images x: differentiating
// it again (the optimizer does) is the second-order gradient that WGAN-GP's penalty also
// takes, checked in models/blocks.
func R1(logits, x *graph.Node) *graph.Node {
	grad := graph.Gradient(graph.ReduceAllSum(logits), x)[0]
	b := x.Shape().Dim(0)
	return graph.ReduceAllMean(graph.ReduceSum(graph.Reshape(graph.Square(grad), b, -1), -1))
}

// alphaOf reads the step's alpha off a batch's inputs (see Train).
func alphaOf(inputs []*graph.Node) *graph.Node { return inputs[1] }

// DLossFn is the discriminator's update at stage (fading or not): inputs are real images
// [B, H, W, C] in [0, 1] at full size and alpha (a scalar). It also records the stage
// and alpha the model has reached, for sampling.
func (m *Model) DLossFn(stage int, fading bool) fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		alpha := alphaOf(inputs)
		m.setProgress(stage, alpha)
		real := m.Real(inputs[0], stage, alpha, fading)
		b := real.Shape().Dim(0)
		fake := graph.StopGradient(m.Synthesis(m.Styles(real.Graph(), b, StyleLayers(stage)), stage, alpha, fading))
		lr := m.Discriminator(real, stage, alpha, fading)
		lf := m.Discriminator(fake, stage, alpha, fading)
		r1 := R1(lr, real)
		return DLoss(lr, lf, r1, m.Cfg.R1), []fit.Metric{
			{Name: "d_real", Value: graph.ReduceAllMean(graph.Sigmoid(lr))},
			{Name: "d_fake", Value: graph.ReduceAllMean(graph.Sigmoid(lf))},
			{Name: "r1", Value: r1},
			{Name: "alpha", Value: alpha},
		}
	}
}

// GLossFn is the generator's update (the mapping network's too), on the batch the
// discriminator read last (for its size and alpha).
func (m *Model) GLossFn(stage int, fading bool) fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		alpha := alphaOf(inputs)
		b := inputs[0].Shape().Dim(0)
		fake := m.Synthesis(m.Styles(inputs[0].Graph(), b, StyleLayers(stage)), stage, alpha, fading)
		lf := m.Discriminator(fake, stage, alpha, fading)
		return gan.GLoss(lf), []fit.Metric{{Name: "d_fake", Value: graph.ReduceAllMean(graph.Sigmoid(lf))}}
	}
}

// setProgress stores stage + alpha (stage 2 at alpha 0.25 is 1.25: the model is a
// quarter of the way from stage 1 to stage 2) in a non-trainable variable, saved with
// the checkpoints: what a sampler reads to draw at the resolution reached.
func (m *Model) setProgress(stage int, alpha *graph.Node) {
	v := m.progressVar()
	v.SetNodeValue(graph.AddScalar(alpha, float64(stage)-1))
}

func (m *Model) progressVar() *model.Variable {
	return m.Store.Scope(progressScope).WithInitializer(initializer.Zero).
		VariableWithShape("progress", shapes.Make(dtypes.Float32)).SetTrainable(false)
}
