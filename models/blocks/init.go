package blocks

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's graph-building convention.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Init names how a layer's weights and biases start.
type Init string

const (
	// He (also the empty Init, every layer's default): weights N(0, 2/fanIn), biases 0
	// (He et al., 2015), which keeps the activations' variance through ReLU-family
	// layers.
	He Init = "he"
	// FanInUniform is PyTorch's default for Linear, Conv2d and ConvTranspose2d: weights
	// and biases U(-1/sqrt(fanIn), 1/sqrt(fanIn)), a sixth of He's variance, with the
	// fan-in read as PyTorch reads it (a transposed conv's is Cout*k*k, its kernel's
	// second axis, not the Cin*k*k/stride^2 taps each output sums). It is what a PyTorch
	// model gets without asking, so it makes the same model as a PyTorch peer's; for the
	// DCGAN it learns faster per step than He (docs/BENCHMARKS.md).
	FanInUniform Init = "pytorch"
)

// Validate checks that i names an initialization.
func (i Init) Validate() error {
	switch i {
	case "", He, FanInUniform:
		return nil
	}
	return fmt.Errorf("blocks: initialization %q (want %q or %q)", i, He, FanInUniform)
}

// IsHe reports whether i is He's initialization, named or the empty default: what a
// model whose layers know no other (the MLPs) accepts.
func (i Init) IsHe() bool { return i == "" || i == He }

// fanInUniform draws U(-1/sqrt(fanIn), 1/sqrt(fanIn)) from scope's random state.
func fanInUniform(scope *model.Scope, fanIn int) model.VariableInitializer {
	b := 1 / math.Sqrt(float64(max(fanIn, 1)))
	return func(g *Graph, shape shapes.Shape) *Node {
		return AddScalar(MulScalar(scope.RandomUniform(g, shape), 2*b), -b)
	}
}

// initializers returns a layer's kernel and bias initializers: he and zeros, or for
// FanInUniform one uniform for both, over fanIn as PyTorch reads it.
func (i Init) initializers(scope *model.Scope, he model.VariableInitializer, fanIn int) (kernel, bias model.VariableInitializer) {
	if i == FanInUniform {
		u := fanInUniform(scope, fanIn)
		return u, u
	}
	return he, initializer.Zero
}
