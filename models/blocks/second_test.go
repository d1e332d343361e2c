package blocks

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
)

// WGAN-GP's gradient penalty differentiates a gradient: the critic's input gradient
// ∇x D(x) is part of the loss, and the optimizer differentiates that with respect to
// the weights. This checks that the second derivatives through the conv (and the
// LeakyReLU the critic uses) match finite differences of the first.
func TestConv2DSecondOrderGradient(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []convCase{
		{h: 6, w: 6, cin: 2, cout: 3, k: 4, stride: 2, pad: Explicit(1)},
		{h: 7, w: 6, cin: 1, cout: 2, k: 3, stride: 1, pad: Same},
	} {
		inputGrad := func(x, k *graph.Node) *graph.Node {
			h := activation.LeakyReluWith(Conv2D(x, k, c.stride, c.pad), 0.2)
			// A fixed nonlinear readout, so the second derivative is not trivially zero.
			d := graph.ReduceAllSum(graph.Mul(h, graph.Tanh(h)))
			return graph.Gradient(d, x)[0]
		}
		checkGradients(t, be, "second-order "+c.String(), inputGrad,
			[]int{2, c.h, c.w, c.cin}, []int{c.k, c.k, c.cin, c.cout}, rng)
	}
}
