package gan

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// gpEpsilon keeps the gradient norm's square root differentiable where the gradient
// is zero (a dead critic), where d sqrt(s)/ds is infinite.
const gpEpsilon = 1e-12

// GradientPenalty is WGAN-GP's E[(||grad_x critic(x_hat)||_2 - 1)^2] at the points
// x_hat = eps real + (1 - eps) fake, eps [B] uniform in [0, 1] per sample. The
// optimal critic has unit gradient norm almost everywhere on the lines between the two
// distributions, which is where the penalty looks. Differentiating it again (the
// optimizer does) is a second-order gradient: checked against finite differences in
// models/blocks.
func GradientPenalty(critic func(x *graph.Node) *graph.Node, real, fake, eps *graph.Node) *graph.Node {
	b := real.Shape().Dim(0)
	bcast := make([]int, real.Rank())
	for i := range bcast {
		bcast[i] = 1
	}
	bcast[0] = b
	e := graph.Reshape(eps, bcast...)
	xHat := graph.Add(graph.Mul(e, real), graph.Mul(graph.OneMinus(e), fake))
	grad := graph.Gradient(graph.ReduceAllSum(critic(xHat)), xHat)[0]
	sq := graph.ReduceSum(graph.Reshape(graph.Square(grad), b, -1), -1)
	norm := graph.Sqrt(graph.AddScalar(sq, gpEpsilon))
	return graph.ReduceAllMean(graph.Square(graph.AddScalar(norm, -1)))
}

// CriticLoss is the WGAN critic's loss from its scores on real and generated samples,
// E[D(fake)] - E[D(real)] (the negated Wasserstein-1 estimate), plus weight x penalty.
func CriticLoss(real, fake, penalty *graph.Node, weight float64) *graph.Node {
	gap := graph.Sub(graph.ReduceAllMean(fake), graph.ReduceAllMean(real))
	return graph.Add(gap, graph.MulScalar(penalty, weight))
}

// CriticLossFn is WGAN-GP's critic update: the same inputs as DLossFn. Its metrics are
// the Wasserstein estimate E[D(real)] - E[D(fake)] (it falls as G improves, unlike the
// GAN's losses, which hover near log 4) and the penalty.
func (m *Model) CriticLossFn() fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		real, labels := m.ToRange(inputs[0]), m.labelsOf(inputs)
		g := real.Graph()
		b := real.Shape().Dim(0)
		fake := graph.StopGradient(m.Generator(m.Noise(g, b), labels))
		eps := m.Store.Scope("/").RandomUniform(g, shapes.Make(dtypes.Float32, b))
		critic := func(x *graph.Node) *graph.Node { return m.Discriminator(x, labels) }
		sr, sf := critic(real), critic(fake)
		gp := GradientPenalty(critic, real, fake, eps)
		w := graph.Sub(graph.ReduceAllMean(sr), graph.ReduceAllMean(sf))
		return CriticLoss(sr, sf, gp, m.Cfg.GPWeight), []fit.Metric{{Name: "wasserstein", Value: w}, {Name: "gp", Value: gp}}
	}
}

// WGLossFn is WGAN-GP's generator update: maximize the critic's score on generated
// samples, loss -E[D(G(z))].
func (m *Model) WGLossFn() fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		labels := m.labelsOf(inputs)
		b := inputs[0].Shape().Dim(0)
		sf := m.Discriminator(m.Generator(m.Noise(inputs[0].Graph(), b), labels), labels)
		return graph.Neg(graph.ReduceAllMean(sf)), nil
	}
}
