package vae

import (
	"math"

	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/blocks"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Model is a VAE: an autoencoder whose encoder outputs a distribution. It embeds
// *ae.Model, which holds the networks, the store and the backend.
type Model struct {
	*ae.Model
	Cfg Config
}

// New returns an untrained VAE for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := ae.New(cfg.Config)
	if err != nil {
		return nil, err
	}
	return &Model{Model: base, Cfg: cfg}, nil
}

// Posterior returns the mean and log-variance of q(z|x), each [B, Latent].
func (m *Model) Posterior(scope *model.Scope, x *graph.Node) (mu, logvar *graph.Node) {
	return m.PosteriorFrom(scope, m.EncoderFeatures(scope, x))
}

// PosteriorFrom is Posterior from the encoder's features h [B, F]: for a model that
// reads more than the code off the same features (the DB-VAE's face logit).
func (m *Model) PosteriorFrom(scope *model.Scope, h *graph.Node) (mu, logvar *graph.Node) {
	enc := scope.At("encoder")
	mu = blocks.DenseInit(enc, "mu", h, m.Cfg.Latent, m.Cfg.Init)
	// Clamp the log-variance: exp() of an unlucky early value overflows float32.
	logvar = graph.ClipScalar(blocks.DenseInit(enc, "logvar", h, m.Cfg.Latent, m.Cfg.Init), -20, 10)
	return mu, logvar
}

// Encoder returns the posterior mean: the deterministic code used for plots, probes and
// interpolation (it overrides the autoencoder's Encoder).
func (m *Model) Encoder(scope *model.Scope, x *graph.Node) *graph.Node {
	// Only the mean head: a graph whose unused log-variance branch is left dangling
	// makes GoMLX's pure-Go executor (v0.28.8) index past its buffers.
	return blocks.DenseInit(scope.At("encoder"), "mu", m.EncoderFeatures(scope, x), m.Cfg.Latent, m.Cfg.Init)
}

// Reparameterize draws z = mu + exp(logvar/2) * eps with eps ~ N(0, I) from the store's
// random state: the randomness is an input to a deterministic function of (mu, logvar),
// so gradients reach the encoder.
func Reparameterize(scope *model.Scope, mu, logvar *graph.Node) *graph.Node {
	eps := scope.RandomNormal(mu.Graph(), mu.Shape())
	return graph.Add(mu, graph.Mul(graph.Exp(graph.MulScalar(logvar, 0.5)), eps))
}

// Decoder maps codes to images in [0, 1]: the mean of p(x|z) (sigmoid of the logits for
// both decoders).
func (m *Model) Decoder(scope *model.Scope, z *graph.Node) *graph.Node {
	return graph.Sigmoid(m.DecoderLogits(scope, z))
}

// Prior draws n codes from N(0, I).
func (m *Model) Prior(scope *model.Scope, g *graph.Graph, n int) *graph.Node {
	return scope.RandomNormal(g, shapes.Make(dtypes.Float32, n, m.Cfg.Latent))
}

// KL is the closed-form KL( N(mu, exp(logvar)) || N(0, I) ) per example, summed over
// the latent dimensions: [B].
func KL(mu, logvar *graph.Node) *graph.Node {
	t := graph.Sub(graph.Add(graph.Square(mu), graph.Exp(logvar)), graph.AddScalar(logvar, 1))
	return graph.MulScalar(graph.ReduceSum(t, -1), 0.5)
}

// LogLikelihood is log p(x|z) per example [B] given the decoder logits [B, H, W, C].
func (m *Model) LogLikelihood(x, logits *graph.Node) *graph.Node {
	axes := []int{1, 2, 3}
	if m.Cfg.Likelihood == Bernoulli {
		return graph.Neg(graph.ReduceSum(BCEWithLogits(logits, x), axes...))
	}
	s := m.Cfg.Sigma
	d := float64(m.Cfg.H * m.Cfg.W * m.Cfg.C)
	sq := graph.ReduceSum(graph.Square(graph.Sub(x, graph.Sigmoid(logits))), axes...)
	return graph.AddScalar(graph.MulScalar(sq, -1/(2*s*s)), -d/2*math.Log(2*math.Pi*s*s))
}

// BCEWithLogits is the elementwise binary cross-entropy -[x log p + (1-x) log(1-p)] with
// p = sigmoid(logits), computed stably as softplus(l) - x*l.
func BCEWithLogits(logits, x *graph.Node) *graph.Node {
	return graph.Sub(graph.Softplus(logits), graph.Mul(x, logits))
}

// LogNormal is the log-density of N(mu, exp(logvar)) at z, summed over the last axis.
func LogNormal(z, mu, logvar *graph.Node) *graph.Node {
	d := float64(z.Shape().Dim(-1))
	sq := graph.Div(graph.Square(graph.Sub(z, mu)), graph.Exp(logvar))
	return graph.AddScalar(graph.MulScalar(graph.ReduceSum(graph.Add(sq, logvar), -1), -0.5), -d/2*math.Log(2*math.Pi))
}
