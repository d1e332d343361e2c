package eval

import (
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"

	"gonum.org/v1/gonum/mat"
)

// Gaussian is the mean and covariance of a set of feature vectors: what the Frechet
// distance compares.
type Gaussian struct {
	Mean []float64
	Cov  *mat.SymDense
}

// FitGaussian returns the sample mean and (unbiased) covariance of n rows of d values.
func FitGaussian(x []float32, n, d int) (Gaussian, error) {
	if n < 2 || d < 1 || len(x) != n*d {
		return Gaussian{}, fmt.Errorf("eval: FitGaussian: %d values for %d rows of %d (need n >= 2)", len(x), n, d)
	}
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			v := float64(x[i*d+j])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Gaussian{}, fmt.Errorf("eval: FitGaussian: value %g in row %d is not finite", v, i)
			}
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centred := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			centred.Set(i, j, float64(x[i*d+j])-mean[j])
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), centred.T())
	return Gaussian{Mean: mean, Cov: cov}, nil
}

// FrechetDistance is the squared Frechet (2-Wasserstein) distance between two Gaussians,
// ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) (Dowson and Landau, 1982): the
// FID recipe (Heusel et al., 2017) applied to the features of a classifier trained here.
// Tr((S_a S_b)^(1/2)) is computed as the sum of the square roots of the eigenvalues of
// the symmetric matrix S_a^(1/2) S_b S_a^(1/2), which has the same spectrum and, unlike
// S_a S_b, stays symmetric in floating point.
func FrechetDistance(a, b Gaussian) (float64, error) {
	d := len(a.Mean)
	if d == 0 || len(b.Mean) != d || a.Cov.SymmetricDim() != d || b.Cov.SymmetricDim() != d {
		return 0, fmt.Errorf("eval: FrechetDistance: dimensions %d and %d", len(a.Mean), len(b.Mean))
	}
	var diff float64
	for j := range d {
		diff += (a.Mean[j] - b.Mean[j]) * (a.Mean[j] - b.Mean[j])
	}
	sqrtA, err := symSqrt(a.Cov)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	m.Mul(sqrtA, b.Cov)
	m.Mul(&m, sqrtA)
	sym := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, fmt.Errorf("eval: FrechetDistance: eigendecomposition failed")
	}
	var trSqrt float64
	for _, v := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(v, 0)) // tiny negative eigenvalues are rounding
	}
	return diff + mat.Trace(a.Cov) + mat.Trace(b.Cov) - 2*trSqrt, nil
}

// symSqrt is the principal square root of a symmetric positive semi-definite matrix.
func symSqrt(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("eval: eigendecomposition of a covariance failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	d := len(vals)
	root := mat.NewDiagDense(d, nil)
	for i, v := range vals {
		root.SetDiag(i, math.Sqrt(max(v, 0)))
	}
	var out mat.Dense
	out.Mul(&vecs, root)
	out.Mul(&out, vecs.T())
	return &out, nil
}

// FrechetOfSamples fits a Gaussian to each set of n*d features and returns their
// Frechet distance.
func FrechetOfSamples(a []float32, na int, b []float32, nb, d int) (float64, error) {
	ga, err := FitGaussian(a, na, d)
	if err != nil {
		return 0, err
	}
	gb, err := FitGaussian(b, nb, d)
	if err != nil {
		return 0, err
	}
	return FrechetDistance(ga, gb)
}

// FrechetFeatures is the Frechet distance between two sets of images (na and nb of
// them, flat NHWC values) in the feature space of f: FID's recipe with the lab's own
// classifier (models/classifier) in place of Inception.
func FrechetFeatures(f FeatureFunc, a []float32, na int, b []float32, nb int) (float64, error) {
	ga, d, err := featureGaussian(f, a, na, 0)
	if err != nil {
		return 0, err
	}
	gb, _, err := featureGaussian(f, b, nb, d)
	if err != nil {
		return 0, err
	}
	return FrechetDistance(ga, gb)
}

// featureGaussian fits a Gaussian to f's features of n images and returns it with the
// feature size; d > 0 is the size the features must have (that of the other set).
func featureGaussian(f FeatureFunc, images []float32, n, d int) (Gaussian, int, error) {
	if n < 1 {
		return Gaussian{}, 0, fmt.Errorf("eval: features of %d images", n)
	}
	feats, err := f(images, n)
	if err != nil {
		return Gaussian{}, 0, err
	}
	if len(feats)%n != 0 || len(feats) == 0 || (d > 0 && len(feats) != n*d) {
		return Gaussian{}, 0, fmt.Errorf("eval: features of %d images have %d values (want %d each)", n, len(feats), d)
	}
	d = len(feats) / n
	g, err := FitGaussian(feats, n, d)
	return g, d, err
}

// FD is a generator's Frechet distance and the floor to read it against.
type FD struct {
	// Model is the distance between n generated samples and n test images.
	Model float64
	// Floor is the distance between n training images and the same n test images: what
	// a perfect generator (one that reproduces the data distribution) would score with
	// n samples. The estimator is biased upwards at finite n, so the floor is not 0,
	// and only numbers computed with the same n and features are comparable.
	Floor float64
	N     int
}

// Reference is a dataset's side of the Frechet distance, computed once and shared by
// every generator scored against it: the test images' feature Gaussian and the floor.
type Reference struct {
	f     FeatureFunc
	test  Gaussian
	d     int // feature size
	floor float64
	n     int
}

// NewReference fits the Gaussian of n test images in f's feature space and, as the
// floor, the distance of n training images to it.
func NewReference(f FeatureFunc, train, test *datasets.Images, n int) (*Reference, error) {
	if n < 2 || train.N < n || test.N < n {
		return nil, fmt.Errorf("eval: a Frechet distance of %d samples needs %d training and test images; have %d and %d",
			n, n, train.N, test.N)
	}
	gTest, d, err := featureGaussian(f, test.Subset(n).Floats(), n, 0)
	if err != nil {
		return nil, err
	}
	r := &Reference{f: f, test: gTest, d: d, n: n}
	gTrain, _, err := featureGaussian(f, train.Subset(n).Floats(), n, d)
	if err != nil {
		return nil, err
	}
	if r.floor, err = FrechetDistance(gTrain, gTest); err != nil {
		return nil, err
	}
	return r, nil
}

// N is the number of samples a Score takes.
func (r *Reference) N() int { return r.n }

// Score is the distance of N() generated images (flat NHWC values, the dataset's image
// size) to the test images, with the floor beside it.
func (r *Reference) Score(generated []float32) (FD, error) {
	g, _, err := featureGaussian(r.f, generated, r.n, r.d)
	if err != nil {
		return FD{}, err
	}
	model, err := FrechetDistance(g, r.test)
	if err != nil {
		return FD{}, err
	}
	return FD{Model: model, Floor: r.floor, N: r.n}, nil
}

// FrechetWithFloor scores n generated images against n test images and, as the floor,
// n training images against the same test images, all in f's feature space. To score
// several generators on one dataset, make a Reference once instead.
func FrechetWithFloor(f FeatureFunc, generated []float32, train, test *datasets.Images, n int) (FD, error) {
	if len(generated) != n*test.ImageSize() {
		return FD{}, fmt.Errorf("eval: Frechet distance of %d samples got %d values (want %d)", n, len(generated), n*test.ImageSize())
	}
	r, err := NewReference(f, train, test, n)
	if err != nil {
		return FD{}, err
	}
	return r.Score(generated)
}
