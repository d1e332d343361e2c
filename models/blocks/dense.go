package blocks

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// MLP applies a stack of dense layers with the given widths, each followed by act,
// flattening x's non-batch axes first. Layer i lives in scope "dense_i".
func MLP(scope *model.Scope, x *graph.Node, widths []int, act activation.Type) *graph.Node {
	if x.Rank() > 2 {
		x = graph.Reshape(x, x.Shape().Dim(0), -1)
	}
	for i, w := range widths {
		x = activation.Apply(act, layers.DenseWithBias(scope.In("dense_%d", i), x, w))
	}
	return x
}

// Dense is one affine layer (no activation) in scope name, He-initialized.
func Dense(scope *model.Scope, name string, x *graph.Node, width int) *graph.Node {
	return DenseInit(scope, name, x, width, "")
}

// DenseInit is Dense with the weights and biases initialized by init.
func DenseInit(scope *model.Scope, name string, x *graph.Node, width int, init Init) *graph.Node {
	if x.Rank() > 2 {
		x = graph.Reshape(x, x.Shape().Dim(0), -1)
	}
	sc := scope.In("%s", name)
	if init == FanInUniform {
		sc = sc.WithInitializer(fanInUniform(sc, x.Shape().Dim(-1)))
	}
	return layers.DenseWithBias(sc, x, width)
}
