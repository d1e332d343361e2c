package blocks

import (
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// TestUpstreamUnusedVariableBug is the minimal reproduction written up in
// docs/UPSTREAM.md: on GoMLX v0.28.8's pure-Go backend, a model.Exec whose function
// creates a variable that does not reach the output fails with "index out of range".
// genlab's graph functions therefore build only what they return (the VAE's Encoder
// computes the mean head alone, not the whole posterior).
//
// A canary: when an upgraded GoMLX runs the graph, this test fails, telling us to update
// docs/UPSTREAM.md.
func TestUpstreamUnusedVariableBug(t *testing.T) {
	be := testBackend(t)
	x := tensors.FromFlatDataAndDimensions(make([]float32, 8), 2, 4)
	exec, err := model.NewExec(be, model.NewStore(), func(scope *model.Scope, x *graph.Node) *graph.Node {
		used := layers.DenseWithBias(scope.In("used"), x, 3)
		_ = layers.DenseWithBias(scope.In("unused"), x, 3) // its weights never reach the output
		return used
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Call(x); err == nil {
		t.Error("GoMLX now runs a graph with an unused variable: update docs/UPSTREAM.md and this test")
	} else {
		t.Logf("upstream bug still present: %v", err)
	}
	// The same function without the dangling branch runs.
	exec, err = model.NewExec(be, model.NewStore(), func(scope *model.Scope, x *graph.Node) *graph.Node {
		return layers.DenseWithBias(scope.In("used"), x, 3)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Call(x); err != nil {
		t.Errorf("a graph with every variable used: %v", err)
	}
}
