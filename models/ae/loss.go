package ae

import (
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// MSE is the mean over the batch and the pixels of (x - y)^2.
func MSE(x, y *graph.Node) *graph.Node {
	return graph.ReduceAllMean(graph.Square(graph.Sub(x, y)))
}

// Loss is the training loss for a batch x: the squared reconstruction error summed over
// each image's pixels and averaged over the batch. The per-pixel mean (the "mse" metric)
// is the same objective divided by H*W*C, but its gradients are that much smaller: deep
// in a conv net they fall to the size of Adam's epsilon (1e-7), which then damps every
// update, and training stalls. Summing over pixels is also the Gaussian log-likelihood's
// scale, which the VAE uses.
func (m *Model) Loss(scope *model.Scope, x *graph.Node) (*graph.Node, []fit.Metric) {
	// The AE regresses pixels with the decoder's linear output: behind a sigmoid, the
	// mostly-black images push every logit negative within a few Adam steps, the sigmoid
	// saturates, and the MSE gradient through it vanishes (measured: a conv AE froze at
	// the all-black image). Decoder clips to [0, 1] for display only.
	diff := graph.Square(graph.Sub(x, m.DecoderLogits(scope, m.Encoder(scope, x))))
	loss := graph.ReduceAllMean(graph.ReduceSum(diff, 1, 2, 3))
	return loss, []fit.Metric{{Name: "mse", Value: graph.ReduceAllMean(diff)}}
}

// LossFn adapts Loss to fit.LossFn (inputs[0] is the image batch).
func (m *Model) LossFn() fit.LossFn {
	return func(scope *model.Scope, inputs []*graph.Node) (*graph.Node, []fit.Metric) {
		return m.Loss(scope, inputs[0])
	}
}
