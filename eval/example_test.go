package eval_test

import (
	"fmt"

	"github.com/genlab-go/genlab/eval"
)

// The Frechet distance compares two sets of feature vectors through their Gaussians:
// ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)). Two sets that differ only by a
// shift of 1 in each of 2 dimensions are at distance 2.
func ExampleFrechetOfSamples() {
	a := []float32{0, 0, 1, 0, 0, 1, 1, 1}
	b := []float32{1, 1, 2, 1, 1, 2, 2, 2}
	d, err := eval.FrechetOfSamples(a, 4, b, 4, 2)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.3f\n", d)
	// Output: 2.000
}

// MIG scores how well each generative factor is captured by one code dimension alone:
// a code that copies the factors is perfectly disentangled.
func ExampleMIG() {
	var codes []float32
	var factors []int32
	for i := range 100 {
		f0, f1 := int32(i%5), int32(i/5%4)
		factors = append(factors, f0, f1)
		codes = append(codes, float32(f0), float32(f1))
	}
	r, err := eval.MIG(codes, 100, 2, factors, 2, 20)
	if err != nil {
		panic(err)
	}
	fmt.Printf("MIG %.2f\n", r.MIG)
	// Output: MIG 1.00
}
