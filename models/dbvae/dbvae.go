// Package dbvae is the debiasing VAE of Amini et al. (2019, "Uncovering and Mitigating
// Algorithmic Bias through Learned Latent Structure"): a face detector whose encoder
// also outputs a VAE's code. The VAE learns, without labels, what varies among the
// faces (skin tone, pose, light, hair); faces whose code falls where few faces are
// (dark skin in a set that is mostly white, say) are the ones the detector sees least,
// so training draws faces with probability inversely proportional to the density of
// their code, refreshed every epoch. The detector is models/detector's network, the
// VAE models/vae's: the two differ from the plain detector in their loss and in which
// faces fill the batches only.
package dbvae

import (
	"context"
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/detector"
	"github.com/genlab-go/genlab/models/vae"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelName is how checkpoints and the genlab command name this model.
const ModelName = "dbvae"

// How the per-dimension weights of a code combine into its weight.
const (
	// Max takes the largest: a face is rare if it is rare in any one dimension (the
	// MIT 6.S191 lab's choice). Weights stay within a factor of about 1/alpha.
	Max = "max"
	// Product multiplies them: the inverse of the factorized density, the paper's
	// formula. Over many dimensions a few faces take most of the weight.
	Product = "product"
)

// Config is the VAE's configuration (its BatchSize is half faces, half objects) plus
// the detector's weight in the loss and the resampling's knobs.
type Config struct {
	vae.Config
	// Gamma weighs the VAE's negative ELBO per pixel (without the Gaussian's constant)
	// against the detector's cross-entropy.
	Gamma float64
	// Debias draws faces by inverse latent density; false draws them uniformly (the
	// DB-VAE's loss alone, the ablation).
	Debias bool
	// Bins is the number of equal-width histogram bins per latent dimension; Alpha is
	// added to each bin's frequency before inverting it, bounding the weights: as Alpha
	// grows the resampling tends to uniform.
	Bins    int
	Alpha   float64
	Combine string // Max or Product
}

// DefaultConfig is the DB-VAE on the 32x32 faces: the conv VAE (the detector's convs
// 32, 64, 64, 128, a 16-dimensional code, a Gaussian decoder with sigma 0.1), Adam 5e-4
// on batches of 64 (32 faces, 32 objects), Gamma 1; faces resampled by 10-bin
// histograms with Alpha 0.001, combined by Max. The MIT 6.S191 lab adds 0.001 to
// each bin's density, about 0.0006 on a frequency at these codes' bin widths; on the
// skewed faces (objects.SkewedName, three seeds) Alpha 0.001 cut the detector's gap
// between groups by half where 0.01 cut it by a quarter (README).
func DefaultConfig() Config {
	v := vae.DefaultConfig()
	d := detector.DefaultConfig()
	v.H, v.W, v.C, v.Channels, v.LearningRate, v.BatchSize = d.H, d.W, d.C, d.Channels, d.LearningRate, d.BatchSize
	v.Likelihood, v.Binarize = vae.Gaussian, false
	return Config{Config: v, Gamma: 1, Debias: true, Bins: 10, Alpha: 0.001, Combine: Max}
}

// Configure is DefaultConfig sized to data's images, with o's code size, KL weight,
// batch size and learning rate where given.
func Configure(data *datasets.Images, o models.Options) (Config, error) {
	c := DefaultConfig()
	c.H, c.W, c.C = data.H, data.W, data.C
	if o.Latent > 0 {
		c.Latent = o.Latent
	}
	if o.Beta > 0 {
		c.Beta = o.Beta
	}
	o.Override(&c.BatchSize, &c.LearningRate)
	return c, nil
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return fmt.Errorf("dbvae: %w", err)
	}
	if err := c.detector().Validate(); err != nil {
		return fmt.Errorf("dbvae: %w", err)
	}
	if c.Binarize || c.Perturb != 0 {
		return fmt.Errorf("dbvae: the faces are modelled as they are (Binarize false, Perturb 0)")
	}
	if c.Arch != ae.Conv {
		return fmt.Errorf("dbvae: the detector is a conv net; arch %q", c.Arch)
	}
	if c.Gamma < 0 || c.Bins < 1 || c.Alpha <= 0 || (c.Combine != Max && c.Combine != Product) {
		return fmt.Errorf("dbvae: gamma %g >= 0, bins %d >= 1, alpha %g > 0 and combine %q (%q or %q) are required",
			c.Gamma, c.Bins, c.Alpha, c.Combine, Max, Product)
	}
	return nil
}

// detector is the configuration of the plain detector with the same network and batches.
func (c Config) detector() detector.Config {
	return detector.Config{H: c.H, W: c.W, C: c.C, Channels: c.Channels, LearningRate: c.LearningRate, BatchSize: c.BatchSize}
}

// Model is a DB-VAE: the VAE's networks (encoder, decoder) with the detector's face
// logit read off the encoder's features.
type Model struct {
	v   *vae.Model
	Cfg Config
}

// New returns an untrained DB-VAE for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v, err := vae.New(cfg.Config)
	if err != nil {
		return nil, err
	}
	return &Model{v: v, Cfg: cfg}, nil
}

func init() { models.RegisterModel(ModelName, Configure, New) }

// Name is the model's registered name.
func (m *Model) Name() string { return ModelName }

// Config is the DB-VAE's configuration.
func (m *Model) Config() any { return m.Cfg }

// Shape is the image shape, h x w x c.
func (m *Model) Shape() (h, w, c int) { return m.Cfg.Shape() }

// Variables holds the trained state: the networks and, when debiasing, the faces'
// sampling probabilities of the current epoch (WeightsVar).
func (m *Model) Variables() *model.Store { return m.v.Store }

// WeightsVar is the variable that holds the probability of drawing each training face
// in the current epoch. It is saved with the checkpoints, so that a run resumed in the
// middle of an epoch draws from the probabilities computed at its start, as the
// uninterrupted run did (the weights of the network have moved on since).
const WeightsVar = "/dbvae/resample/p"

// Objective is the DB-VAE's loss from per-example terms [B]: the detector's
// cross-entropy bce on every image, and the VAE's negative ELBO, recon + beta*kl,
// counted per pixel (d values per image) and weighted by gamma, on faces only (face is
// 1 for a face, 0 for an object): the mean over the batch of
//
//	bce + face * gamma * (recon + beta*kl) / d.
//
// An object's reconstruction counts for nothing: the VAE is to learn the faces' latent
// structure, not the objects'.
func Objective(bce, face, recon, kl *graph.Node, gamma, beta float64, d int) *graph.Node {
	negELBO := graph.Add(recon, graph.MulScalar(kl, beta))
	vaeTerm := graph.MulScalar(graph.Mul(face, negELBO), gamma/float64(d))
	return graph.ReduceAllMean(graph.Add(bce, vaeTerm))
}

// Loss is the DB-VAE's objective on inputs (images, labels), with the detector's
// accuracy, its cross-entropy and the faces' ELBO (nats per face) as metrics.
func (m *Model) Loss(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
	x := inputs[0]
	h := m.v.EncoderFeatures(scope, x)
	logit := detector.FaceHead(scope.At("encoder"), h)
	mu, logvar := m.v.PosteriorFrom(scope, h)
	z := vae.Reparameterize(scope, mu, logvar)
	logLik := m.v.LogLikelihood(x, m.v.DecoderLogits(scope, z))
	kl := vae.KL(mu, logvar)
	bceMean, acc, bce, face := detector.ClassLoss(logit, inputs[1])
	d := m.Cfg.H * m.Cfg.W * m.Cfg.C
	// The Gaussian's normalizing constant shifts the ELBO, not its gradient: without it
	// the loss is a sum of non-negative terms, which a learner reads more easily.
	recon := graph.Neg(logLik)
	if m.Cfg.Likelihood == vae.Gaussian {
		recon = graph.AddScalar(recon, -float64(d)/2*math.Log(2*math.Pi*m.Cfg.Sigma*m.Cfg.Sigma))
	}
	loss := Objective(bce, face, recon, kl, m.Cfg.Gamma, m.Cfg.Beta, d)
	faces := graph.Max(graph.ReduceAllSum(face), graph.OnesLike(graph.ReduceAllSum(face)))
	elbo := graph.Div(graph.ReduceAllSum(graph.Mul(face, graph.Sub(logLik, kl))), faces)
	return loss, []fit.Metric{{Name: "acc", Value: acc}, {Name: "bce", Value: bceMean}, {Name: "elbo", Value: elbo}}
}

// Train fits the DB-VAE to a detection set (objects.Detection) for cfg.Steps balanced
// minibatches, resuming from cfg.CheckpointDir. With Debias, at the start of every
// epoch (detector.Batches.Epoch batches) it encodes every training face, computes
// their probabilities (Weights) and draws the epoch's faces by them.
func (m *Model) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	b, err := detector.NewBatches(data, m.Cfg.detector(), cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("dbvae: %w", err)
	}
	draw := b.Draw
	if m.Cfg.Debias {
		nf := len(b.Faces())
		v, err := m.v.Store.CreateVariable(WeightsVar, tensors.FromFlatDataAndDimensions(make([]float32, nf), nf))
		if err != nil {
			return nil, fmt.Errorf("dbvae: %w (was the model trained on another set of faces?)", err)
		}
		v.SetTrainable(false)
		draw = func(i int) ([]*tensors.Tensor, error) {
			if i%b.Epoch() == 0 {
				p, err := m.resample(data, b.Faces())
				if err != nil {
					return nil, err
				}
				if err := v.SetValue(tensors.FromFlatDataAndDimensions(p, nf)); err != nil {
					return nil, err
				}
			}
			// Read back every batch: after a resume the variable holds the checkpoint's.
			p, err := m.FaceProbabilities()
			if err != nil {
				return nil, err
			}
			if err := b.SetWeights(p); err != nil {
				return nil, fmt.Errorf("dbvae: %w", err)
			}
			return b.Draw(i)
		}
	}
	cfg.Meta = fit.ModelMeta(ModelName, m.Cfg, data)
	return fit.Train(ctx, m.v.Backend, m.v.Store, cfg, draw, m.Updates()...)
}

// Updates is the DB-VAE's training step: Adam on Loss over every variable (the
// detector's head, the encoder, the decoder), for Train and the bench.
func (m *Model) Updates() []fit.Update {
	return []fit.Update{{Name: ModelName, Loss: m.Loss, Optimizer: fit.Adam(m.Cfg.LearningRate)}}
}

// Host is where the model's variables live and its host-side functions compile.
func (m *Model) Host() fit.Host { return m.v.Host }

// resample returns the probability of drawing each of data's faces at idx: Weights
// of their codes, normalized.
func (m *Model) resample(data *datasets.Images, idx []int) ([]float32, error) {
	px, _ := data.Gather(idx)
	mu, err := m.Encode(px, len(idx))
	if err != nil {
		return nil, err
	}
	w, err := Weights(mu, len(idx), m.Cfg.Latent, m.Cfg.Bins, m.Cfg.Alpha, m.Cfg.Combine)
	if err != nil {
		return nil, err
	}
	p := make([]float32, len(w))
	for i, x := range w {
		p[i] = float32(x)
	}
	return p, nil
}

// FaceProbabilities returns the probability with which the current epoch draws each
// training face (in the order of the faces in the training set), or an error if the
// model does not debias or has not trained.
func (m *Model) FaceProbabilities() ([]float64, error) {
	v := m.v.Store.GetVariable(WeightsVar)
	if v == nil {
		return nil, fmt.Errorf("dbvae: no face probabilities (Debias %v; trained?)", m.Cfg.Debias)
	}
	t, err := v.Value()
	if err != nil {
		return nil, err
	}
	p := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(p))
	for i, x := range p {
		out[i] = float64(x)
	}
	return out, nil
}

// Weights returns the sampling probability of each of n codes mu [n, d] (row-major):
// in each dimension a histogram of the n values in bins equal-width bins over their
// range gives every code the frequency f of its bin (the fraction of codes in it), and
// 1/(f + alpha) is its weight in that dimension; the weights of its d dimensions
// combine by Max or Product; the results are normalized to sum 1.
func Weights(mu []float32, n, d, bins int, alpha float64, combine string) ([]float64, error) {
	if n < 1 || d < 1 || len(mu) != n*d || bins < 1 || alpha <= 0 {
		return nil, fmt.Errorf("dbvae: weights of %d values as %d codes of %d, %d bins, alpha %g", len(mu), n, d, bins, alpha)
	}
	if combine != Max && combine != Product {
		return nil, fmt.Errorf("dbvae: combine %q (want %q or %q)", combine, Max, Product)
	}
	// logW[i] is the log of code i's weight: its max or sum over dimensions.
	logW := make([]float64, n)
	if combine == Max {
		for i := range logW {
			logW[i] = math.Inf(-1)
		}
	}
	bin := make([]int, n)
	count := make([]int, bins)
	for j := range d {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range n {
			v := float64(mu[i*d+j])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("dbvae: code %d has %g in dimension %d", i, v, j)
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		clear(count)
		for i := range n {
			b := 0
			if hi > lo {
				b = min(int((float64(mu[i*d+j])-lo)/(hi-lo)*float64(bins)), bins-1)
			}
			bin[i] = b
			count[b]++
		}
		for i := range n {
			w := -math.Log(float64(count[bin[i]])/float64(n) + alpha)
			if combine == Max {
				logW[i] = max(logW[i], w)
			} else {
				logW[i] += w
			}
		}
	}
	top := math.Inf(-1)
	for _, w := range logW {
		top = max(top, w)
	}
	p := make([]float64, n)
	s := 0.0
	for i, w := range logW {
		p[i] = math.Exp(w - top)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p, nil
}

// EffectiveSize is Kish's effective sample size of probabilities p, (sum p)^2 / sum
// p^2: len(p) for uniform draws, 1 when one item takes all the weight.
func EffectiveSize(p []float64) float64 {
	var s, s2 float64
	for _, x := range p {
		s += x
		s2 += x * x
	}
	if s2 == 0 {
		return 0
	}
	return s * s / s2
}

// Load rebuilds a model saved by Train or models.Save from dir.
func Load(dir string) (*Model, error) { return models.LoadAs(dir, ModelName, New) }

// Detect returns the probability that each of n images is a face.
func (m *Model) Detect(images []float32, n int) ([]float32, error) {
	return m.v.Run("dbvae/p", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return graph.Sigmoid(detector.FaceHead(scope.At("encoder"), m.v.EncoderFeatures(scope, x)))
	}, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

// Accuracy is the fraction of a labelled detection set the detector gets right.
func (m *Model) Accuracy(data *datasets.Images) (float64, error) { return detector.Accuracy(m, data) }

// Encode maps n images to their posterior means, n*Latent values: the codes the
// resampling reads, and the lab's traversals.
func (m *Model) Encode(images []float32, n int) ([]float32, error) { return m.v.Encode(images, n) }

// Decode maps n codes to images.
func (m *Model) Decode(codes []float32, n int) ([]float32, error) { return m.v.Decode(codes, n) }

// Reconstruct decodes the posterior mean of each of n images.
func (m *Model) Reconstruct(images []float32, n int) ([]float32, error) {
	return m.v.Reconstruct(images, n)
}
