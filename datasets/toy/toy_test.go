package toy

import (
	"math"
	"testing"
)

// The sample's mean and variance match the mixture's closed forms:
// E[x] = sum w_k mu_k, Var[x] = sum w_k (s_k^2 + mu_k^2) - E[x]^2; and the density
// integrates to 1.
func TestMixtureMoments(t *testing.T) {
	m := Bimodal()
	d, err := m.Sample(200000, 1)
	if err != nil {
		t.Fatal(err)
	}
	var mean, second float64
	for _, v := range d.Pixels {
		mean += float64(v)
		second += float64(v) * float64(v)
	}
	mean /= float64(d.N)
	variance := second/float64(d.N) - mean*mean
	wantMean, wantSecond := 0.0, 0.0
	for i, mu := range m.Means {
		wantMean += m.Weights[i] * mu
		wantSecond += m.Weights[i] * (m.Stds[i]*m.Stds[i] + mu*mu)
	}
	wantVar := wantSecond - wantMean*wantMean
	if math.Abs(mean-wantMean) > 0.02 || math.Abs(variance-wantVar) > 0.05 {
		t.Errorf("mean %.4f variance %.4f, want %.4f and %.4f", mean, variance, wantMean, wantVar)
	}
	integral := 0.0
	for x := -10.0; x < 10; x += 0.001 {
		integral += m.Density(x) * 0.001
	}
	if math.Abs(integral-1) > 1e-6 {
		t.Errorf("density integrates to %g", integral)
	}
	if err := (Mixture{Means: []float64{0}, Stds: []float64{1}, Weights: []float64{0.5}}).Validate(); err == nil {
		t.Error("weights summing to 0.5: no error")
	}
}

// Points drawn from the ring cover every mode, and a fraction 1 - exp(-9/2) = 0.989 of
// them lies within 3 std of its mode (the radius of a 2-D Gaussian is Rayleigh
// distributed); a collapsed generator covers one mode.
func TestRingModes(t *testing.T) {
	d, err := Ring(8000, 8, 2, 0.05, 1)
	if err != nil {
		t.Fatal(err)
	}
	modes, q := ModesCovered(d.Pixels, d.N, 8, 2, 0.05, 0.05)
	if want := 1 - math.Exp(-4.5); modes != 8 || math.Abs(q-want) > 0.005 {
		t.Errorf("ring samples: %d modes covered, %.4f near a mode; want 8 and %.4f", modes, q, want)
	}
	collapsed := make([]float32, 2*100)
	for i := range 100 {
		collapsed[2*i] = 2 // every point on mode 0
	}
	if modes, _ := ModesCovered(collapsed, 100, 8, 2, 0.05, 0.05); modes != 1 {
		t.Errorf("a collapsed generator covers %d modes, want 1", modes)
	}
}
