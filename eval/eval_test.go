package eval

import (
	"math"
	"testing"

	"github.com/genlab-go/genlab/datasets"
)

// constWeights returns fixed log-weights, so NLL's arithmetic can be checked by hand.
type constWeights struct{ w []float32 }

func (c constWeights) LogWeightsOf(_ []float32, n, k int) ([]float32, error) {
	out := make([]float32, n*k)
	for i := range out {
		out[i] = c.w[i%k]
	}
	return out, nil
}

func TestNLLByHand(t *testing.T) {
	d := &datasets.Images{Name: "toy", N: 3, H: 1, W: 1, C: 1, Pixels: []float32{0.5, 0.5, 0.5}}
	w := []float32{float32(math.Log(1)), float32(math.Log(3))} // mean weight 2
	got, err := NLL(constWeights{w}, d, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.NLL-(-math.Log(2))) > 1e-6 || math.Abs(got.ELBO-math.Log(3)/2) > 1e-6 {
		t.Errorf("got NLL %g ELBO %g, want %g and %g", got.NLL, got.ELBO, -math.Log(2), math.Log(3)/2)
	}
	// The importance-weighted bound is tighter than the ELBO: -NLL >= ELBO.
	if -got.NLL < got.ELBO {
		t.Errorf("-NLL %g < ELBO %g", -got.NLL, got.ELBO)
	}
}

type identity struct{}

func (identity) Reconstruct(x []float32, _ int) ([]float32, error) {
	out := make([]float32, len(x))
	for i := range x {
		out[i] = x[i] + 0.1
	}
	return out, nil
}

func TestReconstructionMSE(t *testing.T) {
	d := &datasets.Images{Name: "toy", N: 2, H: 1, W: 2, C: 1, Pixels: []float32{0, 1, 0.5, 0.25}}
	got, err := ReconstructionMSE(identity{}, d)
	if err != nil || math.Abs(got-0.01) > 1e-6 {
		t.Errorf("MSE = %g, %v; want 0.01", got, err)
	}
}
