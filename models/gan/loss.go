package gan

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// DLoss is the discriminator's loss from its logits on real and on generated samples:
// the binary cross-entropy of telling them apart,
// -E[log D(x)] - E[log(1 - D(G(z)))] = E[softplus(-l_real)] + E[softplus(l_fake)].
// At the global optimum (p_g = p_data, D = 1/2 everywhere) it is 2 log 2 = log 4.
func DLoss(real, fake *graph.Node) *graph.Node {
	return graph.Add(graph.ReduceAllMean(graph.Softplus(graph.Neg(real))), graph.ReduceAllMean(graph.Softplus(fake)))
}

// GLoss is the generator's non-saturating loss -E[log D(G(z))] = E[softplus(-l_fake)].
// The minimax game's own generator loss, E[log(1 - D(G(z)))], saturates: early on D
// rejects samples confidently, log(1 - D) is flat there, and G gets almost no gradient.
// This one has the same fixed point and strong gradients exactly when G is losing.
func GLoss(fake *graph.Node) *graph.Node {
	return graph.ReduceAllMean(graph.Softplus(graph.Neg(fake)))
}

// dOut is D's mean probability on a batch of logits: 1/2 is the equilibrium.
func dOut(logits *graph.Node) *graph.Node { return graph.ReduceAllMean(graph.Sigmoid(logits)) }

// labelsOf returns the labels input of a batch, or nil for an unconditional model.
func (m *Model) labelsOf(inputs []*graph.Node) *graph.Node {
	if m.Cfg.Classes == 0 || len(inputs) < 2 {
		return nil
	}
	return inputs[1]
}

// DLossFn is the discriminator's update: inputs are real samples [B, H, W, C] in the data
// range (and labels [B] if conditional). The fake batch is drawn inside the graph.
func (m *Model) DLossFn() fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		real, labels := m.ToRange(inputs[0]), m.labelsOf(inputs)
		b := real.Shape().Dim(0)
		// D's update must not move G: the optimizer only updates DiscriminatorScope, and
		// StopGradient saves computing G's gradients at all.
		fake := graph.StopGradient(m.Generator(m.Noise(real.Graph(), b), labels))
		lr, lf := m.Discriminator(real, labels), m.Discriminator(fake, labels)
		return DLoss(lr, lf), []fit.Metric{{Name: "d_real", Value: dOut(lr)}, {Name: "d_fake", Value: dOut(lf)}}
	}
}

// GLossFn is the generator's update; its inputs are the same batch as D's (for the
// batch size and labels; the real images are not used).
func (m *Model) GLossFn() fit.LossFn {
	return func(_ *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		labels := m.labelsOf(inputs)
		b := inputs[0].Shape().Dim(0)
		lf := m.Discriminator(m.Generator(m.Noise(inputs[0].Graph(), b), labels), labels)
		return GLoss(lf), []fit.Metric{{Name: "d_fake", Value: dOut(lf)}}
	}
}
