package eval

import (
	"math"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"gonum.org/v1/gonum/mat"
)

// Closed forms: for diagonal covariances the Frechet distance is
// sum (mu_a - mu_b)^2 + sum (sigma_a - sigma_b)^2; for commuting covariances in general
// ||mu_a - mu_b||^2 + ||S_a^(1/2) - S_b^(1/2)||_F^2; and it is 0 between a Gaussian and
// itself.
func TestFrechetClosedForm(t *testing.T) {
	diag := func(v ...float64) *mat.SymDense {
		s := mat.NewSymDense(len(v), nil)
		for i, x := range v {
			s.SetSym(i, i, x)
		}
		return s
	}
	a := Gaussian{Mean: []float64{0, 1, 2}, Cov: diag(1, 4, 9)}
	b := Gaussian{Mean: []float64{1, 1, 0}, Cov: diag(4, 4, 1)}
	got, err := FrechetDistance(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := (1.0 + 0 + 4) + (1.0 + 0 + 4) // means; then (1-2)^2 + (2-2)^2 + (3-1)^2
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("diagonal: FD = %g, want %g", got, want)
	}
	if self, _ := FrechetDistance(a, a); math.Abs(self) > 1e-9 {
		t.Errorf("FD of a Gaussian with itself = %g", self)
	}
	// A rotated (non-diagonal) pair sharing eigenvectors: S = R diag R^T.
	c, s := math.Cos(0.3), math.Sin(0.3)
	rot := func(l1, l2 float64) *mat.SymDense {
		return mat.NewSymDense(2, []float64{
			c*c*l1 + s*s*l2, c * s * (l1 - l2),
			c * s * (l1 - l2), s*s*l1 + c*c*l2,
		})
	}
	got, err = FrechetDistance(Gaussian{Mean: []float64{0, 0}, Cov: rot(1, 9)}, Gaussian{Mean: []float64{0, 0}, Cov: rot(4, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if want := (1.0-2)*(1-2) + (3.0-1)*(3-1); math.Abs(got-want) > 1e-9 {
		t.Errorf("rotated: FD = %g, want %g", got, want)
	}
}

// From samples: N(0, I) against N(mu, I) in 4 dimensions has FD ||mu||^2 (up to the
// estimate's small bias); two samples of the same distribution have FD near 0.
func TestFrechetOfSamples(t *testing.T) {
	const n, d = 20000, 4
	draw := func(seed uint64, shift float64) []float32 {
		rng := datasets.Rand(seed, 5)
		x := make([]float32, n*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64() + shift)
		}
		return x
	}
	same, err := FrechetOfSamples(draw(1, 0), n, draw(2, 0), n, d)
	if err != nil {
		t.Fatal(err)
	}
	shifted, err := FrechetOfSamples(draw(1, 0), n, draw(3, 1), n, d)
	if err != nil {
		t.Fatal(err)
	}
	if same > 0.01 || math.Abs(shifted-4) > 0.1 {
		t.Errorf("FD same = %g (want ~0), shifted by 1 in 4 dims = %g (want ~4)", same, shifted)
	}
	if _, err := FrechetOfSamples([]float32{1, 2, float32(math.NaN()), 4}, 2, draw(1, 0)[:4], 2, 2); err == nil {
		t.Error("NaN features: no error")
	}
}

// FrechetFeatures is FrechetOfSamples of the feature function's outputs, and
// FrechetWithFloor checks its sizes.
func TestFrechetFeatures(t *testing.T) {
	rng := datasets.Rand(7, 8)
	const n, d = 300, 4
	a, b := make([]float32, n*d), make([]float32, n*d)
	for i := range a {
		a[i], b[i] = float32(rng.NormFloat64()), float32(2*rng.NormFloat64()+1)
	}
	double := func(x []float32, n int) ([]float32, error) { // features: the values doubled
		out := make([]float32, len(x))
		for i, v := range x {
			out[i] = 2 * v
		}
		return out, nil
	}
	got, err := FrechetFeatures(double, a, n, b, n)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := double(a, n)
	b2, _ := double(b, n)
	want, err := FrechetOfSamples(a2, n, b2, n, d)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-9*want {
		t.Errorf("FrechetFeatures %g, FrechetOfSamples of the features %g", got, want)
	}
	imgs := &datasets.Images{Name: "t", N: n, H: 2, W: 2, C: 1, Pixels: a}
	if _, err := FrechetWithFloor(double, b[:10], imgs, imgs, 100); err == nil {
		t.Error("FrechetWithFloor with 10 values for 100 samples: no error")
	}
	if _, err := FrechetWithFloor(double, make([]float32, 400*d), imgs, imgs, 400); err == nil {
		t.Error("FrechetWithFloor with more samples than images: no error")
	}
	r, err := FrechetWithFloor(double, b[:100*d], imgs, imgs, 100)
	if err != nil || r.Floor > 1e-9 || r.Model <= 0 {
		t.Errorf("train = test gives floor %g (want 0) and model %g (want > 0); err %v", r.Floor, r.Model, err)
	}
}

// A Reference computes the test Gaussian and the floor once: scoring two generators
// with it gives FrechetWithFloor's numbers with two feature passes fewer each.
func TestReferenceSharesTheTestSide(t *testing.T) {
	rng := datasets.Rand(7, 9)
	const n, d = 200, 4
	px := func(scale, shift float64) []float32 {
		v := make([]float32, n*d)
		for i := range v {
			v[i] = float32(scale*rng.NormFloat64() + shift)
		}
		return v
	}
	train := &datasets.Images{Name: "t", N: n, H: 2, W: 2, C: 1, Pixels: px(1, 0)}
	test := &datasets.Images{Name: "t", N: n, H: 2, W: 2, C: 1, Pixels: px(1, 0)}
	calls := 0
	ident := func(x []float32, n int) ([]float32, error) { calls++; return x, nil }
	ref, err := NewReference(ident, train, test, n)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || ref.N() != n {
		t.Fatalf("NewReference: %d feature passes (want 2: test and train), N %d", calls, ref.N())
	}
	for _, gen := range [][]float32{px(2, 1), px(1, 0.5)} {
		calls = 0
		got, err := ref.Score(gen)
		if err != nil || calls != 1 {
			t.Fatalf("Score: %v, %d feature passes (want 1)", err, calls)
		}
		want, err := FrechetWithFloor(ident, gen, train, test, n)
		if err != nil || got != want {
			t.Errorf("Reference.Score %+v, FrechetWithFloor %+v (%v)", got, want, err)
		}
	}
	if _, err := ref.Score(px(1, 0)[:d]); err == nil {
		t.Error("Score of 1 sample against a reference of 200: no error")
	}
}
