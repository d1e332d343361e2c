package blocks

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's graph-building convention.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// BatchNorm is Ioffe and Szegedy's batch normalization over the last (channel) axis,
// with PyTorch's semantics: in a training graph (model.Store.IsTraining) it normalizes
// with the batch's mean and biased variance over every other axis and updates running
// averages of the mean and the unbiased variance; in any other graph (sampling,
// evaluation) it normalizes with those running averages. A learned per-channel scale
// (init 1) and offset (init 0) follow.
//
// Why not GoMLX's norm.BatchNorm: it stops the gradient at the batch statistics, so its
// backward pass treats the mean and variance as constants. The true gradient of
// batch normalization also flows through them (it is what keeps the gradient from
// pushing every activation's scale up, the blow-up Ioffe and Szegedy warn about), and
// it is what PyTorch computes; BatchNormalize is checked against finite differences.
type BatchNorm struct {
	// Momentum is the weight of the new batch in the running averages (0 means 0.1,
	// PyTorch's default).
	Momentum float64
	// Epsilon is added to the variance (0 means 1e-5).
	Epsilon float64
}

func (b BatchNorm) defaults() BatchNorm {
	if b.Momentum == 0 {
		b.Momentum = 0.1
	}
	if b.Epsilon == 0 {
		b.Epsilon = 1e-5
	}
	return b
}

// Apply normalizes x [..., C], creating its variables under scope.In("batchnorm") on
// first use: scale and offset (trained), mean and variance (running averages, not
// trained).
func (b BatchNorm) Apply(scope *model.Scope, x *Node) *Node {
	b = b.defaults()
	g := x.Graph()
	scope = scope.In("batchnorm")
	c := x.Shape().Dim(-1)
	vs := shapes.Make(x.DType(), c)
	scale := scope.WithInitializer(initializer.One).VariableWithShape("scale", vs).NodeValue(g)
	offset := scope.WithInitializer(initializer.Zero).VariableWithShape("offset", vs).NodeValue(g)
	meanVar := scope.WithInitializer(initializer.Zero).VariableWithShape("mean", vs).SetTrainable(false)
	varVar := scope.WithInitializer(initializer.One).VariableWithShape("variance", vs).SetTrainable(false)

	var y *Node
	if scope.IsTraining(g) {
		var mean, variance *Node
		y, mean, variance = BatchNormalize(x, b.Epsilon)
		// Running averages: an exponential average of the batch statistics, the
		// variance made unbiased (n / (n-1)) as PyTorch keeps it. Not differentiated.
		n := float64(x.Shape().Size() / c)
		unbiased := MulScalar(variance, n/max(n-1, 1))
		m := b.Momentum
		meanVar.SetNodeValue(Add(MulScalar(meanVar.NodeValue(g), 1-m), MulScalar(StopGradient(mean), m)))
		varVar.SetNodeValue(Add(MulScalar(varVar.NodeValue(g), 1-m), MulScalar(StopGradient(unbiased), m)))
	} else {
		y = Div(Sub(x, expand(meanVar.NodeValue(g), x)), Sqrt(AddScalar(expand(varVar.NodeValue(g), x), b.Epsilon)))
	}
	return Add(Mul(y, expand(scale, x)), expand(offset, x))
}

// expand reshapes a per-channel vector [C] to [1, ..., 1, C], to broadcast over x.
func expand(v, x *Node) *Node {
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[len(dims)-1] = v.Shape().Dim(0)
	return Reshape(v, dims...)
}

// BatchNormalize returns x [..., C] normalized per channel by its own mean and biased
// variance over every axis but the last, and those statistics ([C] each). The gradient
// flows through the statistics: for any upstream gradient, the input gradient of each
// channel sums to zero and is orthogonal to the normalized values (the two constraints
// normalization imposes), which the tests check alongside finite differences.
func BatchNormalize(x *Node, eps float64) (y, mean, variance *Node) {
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	y, mean, variance = normalizeOver(x, eps, axes...) // [1, ..., 1, C]: broadcasts over x
	c := x.Shape().Dim(-1)
	return y, Reshape(mean, c), Reshape(variance, c)
}
