// Package pixelcnn is the course's explicit density model: PixelCNN (van den Oord et al.,
// 2016), which factors an image's likelihood exactly as a product over pixels in raster
// order, p(x) = prod_i p(x_i | x_<i), each factor read off a network of causal
// convolutions (models/blocks: MaskedConv, GatedLayer). Where the VAE bounds log p(x)
// and a GAN has no density at all, PixelCNN's test log-likelihood is exact; the price is
// sampling, which draws one pixel per network pass.
//
// Two networks: the plain PixelCNN (a mask-A 7x7 conv, then residual blocks of mask-B
// 3x3 convs), whose receptive field has a blind spot up and to the right, and the gated
// PixelCNN (vertical and horizontal stacks with tanh x sigmoid gates), which has none.
// Two output distributions: Bernoulli on binarized pixels (Levels 2: the MNIST
// likelihood protocol, comparable with the VAE's bound) and a 256-way softmax on grey
// levels (Levels 256).
package pixelcnn

import (
	"context"
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "pixelcnn"

// Arch is the network family.
type Arch string

const (
	// Gated is the gated PixelCNN: vertical and horizontal stacks, no blind spot.
	Gated Arch = "gated"
	// Plain is the original PixelCNN: masked convolutions with a blind spot.
	Plain Arch = "plain"
)

// Config describes a PixelCNN and how to train it.
type Config struct {
	Arch    Arch
	H, W, C int // image shape; C must be 1 (grey)
	// Levels is the number of values a pixel takes: 2 for binarized images (a Bernoulli
	// output, one logit per pixel), 256 for grey levels (a softmax over 256 logits).
	Levels int
	// Filters is the width of the network (the gated stacks' F; the plain blocks' F,
	// with 2F between blocks), Layers the number of gated layers or residual blocks
	// after the first layer.
	Filters, Layers int
	// FirstKernel is the first layer's kernel (7 in the papers: the first layer alone
	// sees 3 rows up), Kernel the later layers' (3).
	FirstKernel, Kernel int
	LearningRate        float64
	BatchSize           int
	// Binarize draws a fresh binary version of each training image every time it is
	// seen (dynamic binarization), the protocol of the MNIST likelihoods (Levels 2).
	Binarize bool
	// Perturb replaces each training pixel, with this probability, by a level drawn
	// uniformly (after binarization): 0 for the model of the data; about 0.1 to 0.3 for a
	// background model, whose likelihood the data model's is divided by to detect
	// outliers (Ren et al., 2019; genlab eval --background).
	Perturb float64
}

// DefaultConfig is a gated PixelCNN for binarized 28x28 digits, sized for a laptop:
// 32 filters, a 7x7 first layer and 6 gated 3x3 layers (a receptive field of 9 rows
// up), Adam 1e-3 on batches of 32, dynamically binarized.
func DefaultConfig() Config {
	return Config{Arch: Gated, H: 28, W: 28, C: 1, Levels: 2, Filters: 32, Layers: 6, FirstKernel: 7, Kernel: 3,
		LearningRate: 1e-3, BatchSize: 32, Binarize: true}
}

// Shape is the image shape, h x w x c.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C != 1 {
		return fmt.Errorf("pixelcnn: image %dx%dx%d: this PixelCNN orders the pixels of grey images (1 channel); colour would also need the channels ordered within a pixel", c.H, c.W, c.C)
	}
	if c.Arch != Gated && c.Arch != Plain {
		return fmt.Errorf("pixelcnn: unknown architecture %q (want %q or %q)", c.Arch, Gated, Plain)
	}
	if c.Levels != 2 && c.Levels != 256 {
		return fmt.Errorf("pixelcnn: %d levels (want 2, binarized, or 256, grey)", c.Levels)
	}
	if c.Filters < 1 || c.Layers < 0 || c.FirstKernel < 3 || c.FirstKernel%2 == 0 || c.Kernel < 3 || c.Kernel%2 == 0 {
		return fmt.Errorf("pixelcnn: %d filters, %d layers, kernels %d and %d (want odd kernels >= 3)", c.Filters, c.Layers, c.FirstKernel, c.Kernel)
	}
	if c.Perturb < 0 || c.Perturb >= 1 {
		return fmt.Errorf("pixelcnn: perturbation rate %g (want 0 <= rate < 1)", c.Perturb)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 {
		return fmt.Errorf("pixelcnn: batch size %d and learning rate %g must be positive", c.BatchSize, c.LearningRate)
	}
	return nil
}

// Model is a trained (or untrained) PixelCNN.
type Model struct {
	models.Base[Config]
}

// New returns an untrained PixelCNN for cfg on the backend chosen by backend.New("").
func New(cfg Config) (*Model, error) { return models.NewModel[Model](cfg) }

// Configure is DefaultConfig (binarized pixels) sized to data's images, with the
// command's architecture (--arch plain), batch size and learning rate. Grey levels are
// --set Levels=256 --set Binarize=false.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	if o.Arch != "" {
		c.Arch = Arch(o.Arch)
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

func init() { models.RegisterModel(ModelName, Configure, New) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// BinaryData reports whether the model is a density over binarized images: eval
// binarizes the test images (once, with a fixed seed) only then.
func (m *Model) BinaryData() bool { return m.Cfg.Levels == 2 }

// outputs is the number of logits per pixel.
func (c Config) outputs() int {
	if c.Levels == 2 {
		return 1
	}
	return c.Levels
}

// Logits maps images x [B, H, W, 1] in [0, 1] to the logits of each pixel's
// distribution given the pixels before it, [B, H, W, 1] (Bernoulli) or [B, H, W,
// Levels] (softmax): the logits at (i, j) depend on x only through the pixels before
// (i, j) in raster order.
func (m *Model) Logits(scope *model.Scope, x *graph.Node) *graph.Node {
	c := m.Cfg
	x = graph.AddScalar(graph.MulScalar(x, 2), -1) // centred inputs, -1 and 1
	var h *graph.Node
	switch c.Arch {
	case Gated:
		v, hh := blocks.GatedLayer{Filters: c.Filters, Reach: c.FirstKernel / 2, Mask: blocks.MaskA}.Apply(scope.In("gated_0"), x, x)
		for l := range c.Layers {
			v, hh = blocks.GatedLayer{Filters: c.Filters, Reach: c.Kernel / 2, Mask: blocks.MaskB}.Apply(scope.In("gated_%d", l+1), v, hh)
		}
		h = hh
	default:
		h = blocks.MaskedConv{Out: 2 * c.Filters, Kernel: c.FirstKernel, Mask: blocks.MaskA}.Apply(scope.In("masked_0"), x)
		for l := range c.Layers {
			h = blocks.PixelResidual(scope.In("residual_%d", l+1), h, c.Kernel)
		}
	}
	// The head reads one pixel's features at a time (1x1 convs), so it keeps causality.
	h = blocks.Conv{Out: 2 * c.Filters, Kernel: 1}.Apply(scope.In("head_0"), activation.Relu(h))
	return blocks.Conv{Out: c.outputs(), Kernel: 1}.Apply(scope.In("head_1"), activation.Relu(h))
}

// LogProb is log p(x) of each image of x [B, H, W, 1], [B], in nats: the sum over
// pixels of the log-probability of the pixel's value (binary, or its grey level) under
// the distribution the network gives it.
func (m *Model) LogProb(scope *model.Scope, x *graph.Node) *graph.Node {
	logits := m.Logits(scope, x)
	b := x.Shape().Dim(0)
	if m.Cfg.Levels == 2 {
		// log p(x | l) = x*l - softplus(l) for x in {0, 1}: minus the cross-entropy
		// on the logits, computed without forming the sigmoid.
		ll := graph.Sub(graph.Mul(x, logits), graph.Softplus(logits))
		return graph.ReduceSum(graph.Reshape(ll, b, -1), -1)
	}
	levels := graph.ConvertDType(graph.Round(graph.MulScalar(x, float64(m.Cfg.Levels-1))), dtypes.Int32)
	onehot := graph.OneHot(graph.Reshape(levels, b, m.Cfg.H, m.Cfg.W), m.Cfg.Levels, x.DType())
	ll := graph.Mul(onehot, graph.LogSoftmax(logits, -1))
	return graph.ReduceSum(graph.Reshape(ll, b, -1), -1)
}

// Loss is the mean negative log-likelihood of a batch, in nats per image, with the same
// in bits per pixel as a metric (the unit of the PixelCNN papers on grey levels).
func (m *Model) Loss(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
	nll := graph.Neg(graph.ReduceAllMean(m.LogProb(scope, inputs[0])))
	bits := graph.MulScalar(nll, 1/(math.Ln2*float64(m.Cfg.H*m.Cfg.W)))
	return nll, []fit.Metric{{Name: "bits_per_pixel", Value: bits}}
}

// Train fits the model to data for cfg.Steps minibatches drawn in an order fixed by
// cfg.Seed (dynamically binarized if m.Cfg.Binarize, perturbed if m.Cfg.Perturb), resuming from cfg.CheckpointDir
// if it holds a checkpoint.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	c := m.Cfg
	if err := data.Check(c.H, c.W, c.C); err != nil {
		return nil, fmt.Errorf("pixelcnn: %w", err)
	}
	prep := datasets.Prep(cfg.Seed, c.Binarize && c.Levels == 2, c.Perturb, c.Levels)
	cfg.Meta = fit.ModelMeta(ModelName, c, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, fit.ImageDraw(data, c.BatchSize, cfg.Seed, false, prep), fit.Update{
		Name: "pixelcnn", Loss: m.Loss, Optimizer: fit.Adam(c.LearningRate),
	})
}

// DependsOn returns, for the logits at pixel (i, j), which input pixels they depend on
// ([H*W], row-major): those where the gradient of their sum with respect to the input
// is not zero for at least one of 8 images of uniform noise drawn with seed. It is how
// the causality test and the notebook see the network's receptive field: no pixel at or
// after (i, j) in raster order, and for the plain network a blind spot up and to the
// right. (Several inputs, because for one input every ReLU on the paths from a pixel
// can be off, which would hide a pixel the wiring does read.)
func (m *Model) DependsOn(i, j int, seed uint64) ([]bool, error) {
	c := m.Cfg
	if i < 0 || i >= c.H || j < 0 || j >= c.W {
		return nil, fmt.Errorf("pixelcnn: pixel (%d, %d) outside the %dx%d image", i, j, c.H, c.W)
	}
	const inputs = 8
	rng := datasets.Rand(seed, 0xf1e1d)
	x := make([]float32, inputs*c.H*c.W)
	for k := range x {
		x[k] = rng.Float32()
	}
	grad, err := m.Run(fmt.Sprintf("depends/%d/%d", i, j), func(scope *model.Scope, x *graph.Node) *graph.Node {
		at := graph.Slice(m.Logits(scope, x), graph.AxisRange(), graph.AxisElem(i), graph.AxisElem(j), graph.AxisRange())
		return graph.Gradient(graph.ReduceAllSum(at), x)[0]
	}, x, inputs, c.H, c.W, c.C)
	if err != nil {
		return nil, err
	}
	out := make([]bool, c.H*c.W)
	for k, g := range grad {
		out[k%(c.H*c.W)] = out[k%(c.H*c.W)] || g != 0
	}
	return out, nil
}

// scoreChunk is how many images one likelihood graph scores: every layer keeps 2F
// channels at full resolution, so 500 images (fit.Chunk) took genlab eval to 1.6 GiB
// resident at the defaults, near the 2 GiB budget.
const scoreChunk = 100

// LogLikelihoods returns log p(x) of each of n images, in nats: exact, not a bound.
// Pixels are read as the model's levels (binary images for Levels 2: binarize first).
func (m *Model) LogLikelihoods(images []float32, n int) ([]float64, error) {
	out, err := m.RunChunks("logprob", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return graph.Reshape(m.LogProb(scope, x), -1, 1)
	}, images, n, scoreChunk, m.Cfg.H, m.Cfg.W, m.Cfg.C)
	if err != nil {
		return nil, err
	}
	ll := make([]float64, n)
	for i, v := range out {
		ll[i] = float64(v)
	}
	return ll, nil
}

// Sample draws n images from the model with seed, pixel by pixel in raster order: each
// of the H*W network passes reads the pixels drawn so far and draws the next one from
// its distribution. That sequence is the cost of an exact autoregressive likelihood:
// a 28x28 image is 784 passes of the network, where a VAE or a GAN decodes once.
func (m *Model) Sample(n int, seed uint64) ([]float32, error) {
	return m.SamplePasses(n, seed, nil)
}

// Reach is how many rows above a pixel its distribution can depend on: the first
// layer's kernel reaches FirstKernel/2 rows up and every later layer Kernel/2 more.
func (c Config) Reach() int { return c.FirstKernel/2 + c.Layers*(c.Kernel/2) }

// SamplePasses is Sample, calling progress (if not nil) after each pixel with the
// number of pixels drawn and their total: sampling a grid takes minutes on a CPU.
//
// Each pass runs the network on a window of Reach()+1 rows ending at the pixel's row,
// not on the whole image: the logits of a row depend on no row below it (causality)
// and on none more than Reach() above it, and every value in that cone is computed
// from rows inside the window, so the window gives the same logits as the whole image
// at a fraction of the work (10 of 28 rows at the defaults).
func (m *Model) SamplePasses(n int, seed uint64, progress func(done, total int)) ([]float32, error) {
	return m.sample(n, seed, progress, min(m.Cfg.H, m.Cfg.Reach()+1))
}

// sample draws with windows of rows rows (H: the whole image each pass).
func (m *Model) sample(n int, seed uint64, progress func(done, total int), rows int) ([]float32, error) {
	c := m.Cfg
	mp, err := m.Mapper("logits", m.Logits)
	if err != nil {
		return nil, err
	}
	rng := datasets.Rand(seed, 0x9c)
	size, k := c.H*c.W, c.outputs()
	x := make([]float32, n*size)
	win := make([]float32, n*rows*c.W)
	p := make([]float64, k)
	for y := range c.H {
		top := max(0, y-rows+1) // the window's first row: rows rows ending at y, or the image's top
		for j := range n {
			copy(win[j*rows*c.W:(j+1)*rows*c.W], x[j*size+top*c.W:j*size+(top+rows)*c.W])
		}
		for xx := range c.W {
			if xx > 0 { // the pixel drawn last changed the window's row y
				for j := range n {
					win[j*rows*c.W+(y-top)*c.W+xx-1] = x[j*size+y*c.W+xx-1]
				}
			}
			logits, _, err := mp.Map(win, n, []int{rows, c.W, c.C}, fit.Chunk)
			if err != nil {
				return nil, err
			}
			for j := range n {
				at := (j*rows+y-top)*c.W + xx
				l, px := logits[at*k:(at+1)*k], &x[j*size+y*c.W+xx]
				if c.Levels == 2 {
					if rng.Float64() < 1/(1+math.Exp(-float64(l[0]))) {
						*px = 1
					}
					continue
				}
				*px = float32(drawLevel(rng.Float64(), l, p)) / float32(c.Levels-1)
			}
			if progress != nil {
				progress(y*c.W+xx+1, size)
			}
		}
	}
	return x, nil
}

// drawLevel returns the level that u, uniform in [0, 1), picks from the softmax of
// logits (the inverse of the cumulative distribution), using p as scratch.
func drawLevel(u float64, logits []float32, p []float64) int {
	top := math.Inf(-1)
	for _, l := range logits {
		top = max(top, float64(l))
	}
	sum := 0.0
	for i, l := range logits {
		p[i] = math.Exp(float64(l) - top)
		sum += p[i]
	}
	u *= sum
	for i, q := range p {
		if u < q {
			return i
		}
		u -= q
	}
	return len(logits) - 1
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }
