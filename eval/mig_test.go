package eval

import (
	"math"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/shapes"
)

// shapeFactors returns every shape's factors and codes built from them by code(f, v).
func shapeCodes(t *testing.T, d int, code func(i int, factors []int32, out []float32)) (*datasets.Images, []float32) {
	t.Helper()
	all, err := shapes.All(shapes.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	codes := make([]float32, all.N*d)
	for i := range all.N {
		code(i, all.Factors[i*shapes.NumFactors:(i+1)*shapes.NumFactors], codes[i*d:(i+1)*d])
	}
	return all, codes
}

// A code that copies each factor into its own dimension is perfectly disentangled:
// I(z_f; v_f) = H(v_f) = log(number of values) for uniform factors, the other codes
// know nothing, and MIG = 1.
func TestMIGPerfectCode(t *testing.T) {
	d := shapes.NumFactors + 1
	rng := datasets.Rand(1, 2)
	all, codes := shapeCodes(t, d, func(_ int, f []int32, out []float32) {
		for k, v := range f {
			out[k] = 3*float32(v) - 1 // any monotone map keeps the bins apart
		}
		out[d-1] = float32(rng.NormFloat64()) // a nuisance code
	})
	res, err := MIG(codes, all.N, d, all.Factors, shapes.NumFactors, 20)
	if err != nil {
		t.Fatal(err)
	}
	for f, size := range shapes.DefaultConfig().Sizes() {
		if want := math.Log(float64(size)); math.Abs(res.Entropy[f]-want) > 1e-9 || math.Abs(res.MI[f][f]-want) > 1e-9 {
			t.Errorf("factor %d: H = %g, I = %g, want log %d = %g", f, res.Entropy[f], res.MI[f][f], size, want)
		}
		if res.Top[f] != f {
			t.Errorf("factor %d: top code %d", f, res.Top[f])
		}
	}
	if res.MIG < 0.99 {
		t.Errorf("MIG of a perfect code = %g, want about 1 (per factor %v)", res.MIG, res.PerFactor)
	}
}

// Two codes that both copy a factor leave no gap: that factor scores 0.
func TestMIGDuplicatedCode(t *testing.T) {
	all, codes := shapeCodes(t, 2, func(_ int, f []int32, out []float32) {
		out[0], out[1] = float32(f[shapes.PosX]), -float32(f[shapes.PosX])
	})
	res, err := MIG(codes, all.N, 2, all.Factors, shapes.NumFactors, 20)
	if err != nil {
		t.Fatal(err)
	}
	if g := res.PerFactor[shapes.PosX]; math.Abs(g) > 1e-9 {
		t.Errorf("gap for a duplicated factor = %g, want 0", g)
	}
}

// Codes independent of the factors have MIG near 0 (the plug-in estimate's bias is
// about bins*values/(2n) nats).
func TestMIGIndependentCode(t *testing.T) {
	rng := datasets.Rand(3, 4)
	all, codes := shapeCodes(t, 4, func(_ int, _ []int32, out []float32) {
		for k := range out {
			out[k] = float32(rng.NormFloat64())
		}
	})
	res, err := MIG(codes, all.N, 4, all.Factors, shapes.NumFactors, 20)
	if err != nil {
		t.Fatal(err)
	}
	if res.MIG > 0.02 {
		t.Errorf("MIG of noise = %g, want about 0", res.MIG)
	}
}

func TestMIGRejectsBadInput(t *testing.T) {
	if _, err := MIG([]float32{1, 2}, 2, 1, []int32{0, 1}, 1, 20); err == nil {
		t.Error("one code: no error")
	}
	if _, err := MIG([]float32{1, 2, 3}, 2, 2, []int32{0, 1}, 1, 20); err == nil {
		t.Error("wrong length: no error")
	}
	if _, err := MIG([]float32{1, float32(math.NaN()), 3, 4}, 2, 2, []int32{0, 1}, 1, 20); err == nil {
		t.Error("NaN code: no error")
	}
}
