package vae

import (
	"math"

	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ELBOTerms returns, per example [B], the two terms of the ELBO for one sample of z:
// the reconstruction log-likelihood log p(x|z) and KL(q(z|x) || p(z)).
func (m *Model) ELBOTerms(scope *model.Scope, x *graph.Node) (logLik, kl *graph.Node) {
	mu, logvar := m.Posterior(scope, x)
	z := Reparameterize(scope, mu, logvar)
	return m.LogLikelihood(x, m.DecoderLogits(scope, z)), KL(mu, logvar)
}

// Loss is the negative beta-ELBO averaged over the batch, in nats per image. The
// metrics report the two terms separately (recon = -log p(x|z), kl) and the true
// ELBO (beta = 1), which is what likelihoods are compared on.
func (m *Model) Loss(scope *model.Scope, x *graph.Node) (*graph.Node, []fit.Metric) {
	logLik, kl := m.ELBOTerms(scope, x)
	recon := graph.Neg(graph.ReduceAllMean(logLik))
	klMean := graph.ReduceAllMean(kl)
	loss := graph.Add(recon, graph.MulScalar(klMean, m.Cfg.Beta))
	return loss, []fit.Metric{
		{Name: "recon", Value: recon},
		{Name: "kl", Value: klMean},
		{Name: "elbo", Value: graph.Neg(graph.Add(recon, klMean))},
	}
}

// LossFn adapts Loss to fit.LossFn (inputs[0] is the image batch).
func (m *Model) LossFn() fit.LossFn {
	return func(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		return m.Loss(scope, inputs[0])
	}
}

// LogWeights returns the importance log-weights log p(x, z_k) - log q(z_k|x) of k
// samples z_k ~ q(z|x) for each image: [B, k]. Their mean is an ELBO estimate; their
// log-mean-exp is the importance-weighted bound (Burda et al., 2016), which tightens to
// log p(x) as k grows.
func (m *Model) LogWeights(scope *model.Scope, x *graph.Node, k int) *graph.Node {
	b, d := x.Shape().Dim(0), m.Cfg.Latent
	mu, logvar := m.Posterior(scope, x)
	muK := graph.BroadcastToDims(graph.InsertAxes(mu, 1), b, k, d)
	lvK := graph.BroadcastToDims(graph.InsertAxes(logvar, 1), b, k, d)
	z := Reparameterize(scope, muK, lvK) // [B, k, D]
	logits := m.DecoderLogits(scope, graph.Reshape(z, b*k, d))
	xK := graph.Reshape(graph.BroadcastToDims(graph.InsertAxes(x, 1), b, k, m.Cfg.H, m.Cfg.W, m.Cfg.C), b*k, m.Cfg.H, m.Cfg.W, m.Cfg.C)
	logPxz := graph.Reshape(m.LogLikelihood(xK, logits), b, k)
	zeros := graph.ZerosLike(z)
	logPz := LogNormal(z, zeros, zeros)
	logQz := LogNormal(z, muK, lvK)
	return graph.Sub(graph.Add(logPxz, logPz), logQz)
}

// LogMeanExp is log(mean(exp(w))) over the last axis, computed stably.
func LogMeanExp(w *graph.Node) *graph.Node {
	k := w.Shape().Dim(-1)
	// Subtract the max so that exp() never overflows; it adds back outside the log.
	top := graph.StopGradient(graph.ReduceMax(w, -1))
	shifted := graph.Exp(graph.Sub(w, graph.InsertAxes(top, -1)))
	return graph.Add(top, graph.AddScalar(graph.Log(graph.ReduceSum(shifted, -1)), -math.Log(float64(k))))
}
