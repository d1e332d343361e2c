package cyclegan

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/genlab-go/genlab/models/pix2pix"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Scopes: one update trains both generators together, the other both discriminators;
// the image pools are state, not trained.
const (
	GeneratorsScope     = "/generators"
	DiscriminatorsScope = "/discriminators"
	poolScope           = "/pool"
)

// Model is a CycleGAN: generators "ab" (G) and "ba" (F), discriminators "a" (D_A) and
// "b" (D_B), and the pools of generated images.
type Model struct {
	models.Base[Config]
}

// New returns an untrained model for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

func toRange(x *graph.Node) *graph.Node   { return graph.AddScalar(graph.MulScalar(x, 2), -1) }
func fromRange(x *graph.Node) *graph.Node { return graph.MulScalar(graph.AddScalar(x, 1), 0.5) }

// Generator runs generator name ("ab" or "ba") on x [B, H, W, C] in [-1, 1]: Johnson
// et al.'s residual network, as CycleGAN uses it. A 7x7 conv, two stride-2 convs down,
// residual blocks, two stride-2 transposed convs up, a 7x7 conv to the image, tanh.
// (4x4 transposed convs, as every other genlab generator, where the paper has 3x3 with
// output padding: the same sizes.) With Config.Generator "unet" it is pix2pix's U-Net
// instead, whose skips carry the input's detail to the output from the first step.
func (m *Model) Generator(name string, x *graph.Node) *graph.Node {
	c := m.Cfg
	scope := m.Store.Scope(GeneratorsScope + "/" + name)
	if c.Generator == UNet {
		return blocks.UNet{Channels: pix2pix.ConfigFor(c.Size).GenChannels, Out: c.Channels}.Apply(scope, x)
	}
	norm := blocks.InstanceNorm{Affine: true}
	f := c.GenFilters
	in := scope.In("in")
	h := blocks.Conv{Out: f, Kernel: 7, NoBias: true}.Apply(in, blocks.ReflectPad(x, 3))
	h = activation.Relu(norm.Apply(in, h))
	for i, ch := range []int{2 * f, 4 * f} {
		sc := scope.In("down_%d", i)
		h = blocks.Conv{Out: ch, Kernel: 3, Stride: 2, Padding: blocks.Explicit(1), NoBias: true}.Apply(sc, h)
		h = activation.Relu(norm.Apply(sc, h))
	}
	for i := range c.ResBlocks {
		h = blocks.Residual(scope.In("res_%d", i), h)
	}
	for i, ch := range []int{2 * f, f} {
		sc := scope.In("up_%d", i)
		h = blocks.ConvT{Out: ch, Kernel: 4, Stride: 2, Pad: 1, NoBias: true}.Apply(sc, h)
		h = activation.Relu(norm.Apply(sc, h))
	}
	// A small output layer starts the tanh near 0 (see blocks.UNet).
	h = blocks.Conv{Out: c.Channels, Kernel: 7}.Apply(scope.In("out"), blocks.ReflectPad(h, 3))
	return graph.Tanh(h)
}

// Discriminator returns discriminator name's ("a" or "b") patch logits for x.
func (m *Model) Discriminator(name string, x *graph.Node) *graph.Node {
	return blocks.PatchGAN{Channels: m.Cfg.DiscChannels}.Apply(m.Store.Scope(DiscriminatorsScope+"/"+name), x)
}

// LSGAN losses (Mao et al., 2017): a discriminator regresses real patches to 1 and
// generated ones to 0; a generator pushes its patches' scores to 1.
func LSDLoss(real, fake *graph.Node) *graph.Node {
	r := graph.ReduceAllMean(graph.Square(graph.AddScalar(real, -1)))
	return graph.MulScalar(graph.Add(r, graph.ReduceAllMean(graph.Square(fake))), 0.5)
}

// LSGLoss is the generator's least-squares loss on the scores of its images.
func LSGLoss(fake *graph.Node) *graph.Node {
	return graph.ReduceAllMean(graph.Square(graph.AddScalar(fake, -1)))
}

// schedule sets the learning rate of the update whose variables are under scope:
// LearningRate for HoldSteps steps, then linearly down to 0 over DecaySteps. The step is
// read off the global step counter, which each of the two updates increments.
func (m *Model) schedule(scope *model.Scope, g *graph.Graph) {
	c := m.Cfg
	if c.DecaySteps == 0 {
		return
	}
	gs := graph.ConvertDType(optimizer.GetGlobalStepVar(scope).NodeValue(g), dtypes.Float32)
	step := graph.MulScalar(gs, 0.5)
	frac := graph.ClipScalar(graph.MulScalar(graph.AddScalar(step, -float64(c.HoldSteps)), 1/float64(c.DecaySteps)), 0, 1)
	lr := graph.MulScalar(graph.OneMinus(frac), c.LearningRate)
	optimizer.LearningRateVarWithValue(scope, dtypes.Float32, c.LearningRate).SetNodeValue(lr)
}

// Pool runs generated images [B, H, W, C] through domain's history pool and returns
// what the discriminator sees: until the pool is full every image goes in and comes
// out as it is; then each image, with probability 1/2, is swapped for one generated
// earlier (which it replaces in the pool). The slots swapped are a random run of B
// consecutive ones, so they are distinct and the update is exact. The pool is a
// variable, saved with the checkpoints: a resumed run sees the same history.
func (m *Model) Pool(domain string, fake *graph.Node) *graph.Node {
	size := m.Cfg.pool()
	if size == 0 {
		return fake
	}
	g := fake.Graph()
	b := fake.Shape().Dim(0)
	d := fake.Shape().Size() / b
	scope := m.Store.Scope(poolScope + "/" + domain)
	poolVar := scope.WithInitializer(initializer.Zero).VariableWithShape("images", shapes.Make(dtypes.Float32, size, d)).SetTrainable(false)
	countVar := scope.WithInitializer(initializer.Zero).VariableWithShape("count", shapes.Make(dtypes.Float32)).SetTrainable(false)
	pool, count := poolVar.NodeValue(g), countVar.NodeValue(g)
	full := graph.GreaterOrEqual(count, graph.Scalar(g, dtypes.Float32, float64(size)))
	u := scope.RandomUniform(g, shapes.Make(dtypes.Float32, b+1))
	start := graph.Where(full, graph.Floor(graph.MulScalar(graph.Slice(u, graph.AxisRange(0, 1)), float64(size))), graph.Reshape(count, 1))
	iota := graph.Iota(g, shapes.Make(dtypes.Float32, b), 0)
	slots := graph.Mod(graph.Add(iota, start), graph.Scalar(g, dtypes.Float32, float64(size)))
	oneHot := graph.OneHot(graph.ConvertDType(slots, dtypes.Int32), size, dtypes.Float32) // [B, size]
	flat := graph.Reshape(fake, b, d)
	old := graph.MatMul(oneHot, pool) // [B, d]
	swap := graph.LessThan(graph.Slice(u, graph.AxisRange(1, b+1)), graph.Scalar(g, dtypes.Float32, 0.5))
	takeOld := graph.Reshape(graph.LogicalAnd(swap, graph.BroadcastToDims(full, b)), b, 1)
	replace := graph.Reshape(graph.LogicalOr(swap, graph.BroadcastToDims(graph.LogicalNot(full), b)), b, 1)
	takeOldB, replaceB := graph.BroadcastToDims(takeOld, b, d), graph.BroadcastToDims(replace, b, d)
	out := graph.Where(takeOldB, old, flat)
	delta := graph.Where(replaceB, graph.Sub(flat, old), graph.ZerosLike(flat))
	poolVar.SetNodeValue(graph.Add(pool, graph.MatMul(graph.Transpose(oneHot, 0, 1), delta)))
	countVar.SetNodeValue(graph.Min(graph.AddScalar(count, float64(b)), graph.Scalar(g, dtypes.Float32, float64(size))))
	return graph.Reshape(out, fake.Shape().Dimensions...)
}

// GLossFn is the update of both generators on a batch of A images (inputs[0]) and one
// of B images (inputs[1]).
func (m *Model) GLossFn() fit.LossFn {
	return func(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		m.schedule(scope, inputs[0].Graph())
		a, b := toRange(inputs[0]), toRange(inputs[1])
		fakeB, fakeA := m.Generator("ab", a), m.Generator("ba", b)
		adv := graph.Add(LSGLoss(m.Discriminator("b", fakeB)), LSGLoss(m.Discriminator("a", fakeA)))
		cycle := graph.Add(pix2pix.L1(m.Generator("ba", m.noisy(scope, fakeB)), a), pix2pix.L1(m.Generator("ab", m.noisy(scope, fakeA)), b))
		loss := graph.Add(adv, graph.MulScalar(cycle, m.Cfg.LambdaCycle))
		metrics := []fit.Metric{{Name: "adv", Value: adv}, {Name: "cycle", Value: cycle}}
		if w := m.Cfg.LambdaCycle * m.Cfg.LambdaIdentity; w > 0 {
			identity := graph.Add(pix2pix.L1(m.Generator("ba", a), a), pix2pix.L1(m.Generator("ab", b), b))
			loss = graph.Add(loss, graph.MulScalar(identity, w))
			metrics = append(metrics, fit.Metric{Name: "identity", Value: identity})
		}
		return loss, metrics
	}
}

// noisy adds Config.CycleNoise's Gaussian noise to the translation x on its way back.
func (m *Model) noisy(scope *model.Scope, x *graph.Node) *graph.Node {
	if m.Cfg.CycleNoise == 0 {
		return x
	}
	return graph.Add(x, graph.MulScalar(scope.RandomNormal(x.Graph(), x.Shape()), m.Cfg.CycleNoise))
}

// DLossFn is the update of both discriminators: each tells its domain's real images
// from the other generator's images, drawn through the pool.
func (m *Model) DLossFn() fit.LossFn {
	return func(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		m.schedule(scope, inputs[0].Graph())
		a, b := toRange(inputs[0]), toRange(inputs[1])
		fakeB := m.Pool("b", graph.StopGradient(m.Generator("ab", a)))
		fakeA := m.Pool("a", graph.StopGradient(m.Generator("ba", b)))
		ra, fa := m.Discriminator("a", a), m.Discriminator("a", fakeA)
		rb, fb := m.Discriminator("b", b), m.Discriminator("b", fakeB)
		loss := graph.Add(LSDLoss(ra, fa), LSDLoss(rb, fb))
		return loss, []fit.Metric{{Name: "d_real", Value: graph.MulScalar(graph.Add(graph.ReduceAllMean(ra), graph.ReduceAllMean(rb)), 0.5)},
			{Name: "d_fake", Value: graph.MulScalar(graph.Add(graph.ReduceAllMean(fa), graph.ReduceAllMean(fb)), 0.5)}}
	}
}
