// Package eval scores generative models the same way everywhere: likelihoods in nats
// (the ELBO and the importance-weighted bound on dynamically binarized data) and
// reconstruction error. The genlab command, the notebooks and the README's results all
// call it.
package eval

import (
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
)

// LogWeighter is a latent-variable model that can return importance log-weights
// log p(x, z_k) - log q(z_k|x) for k posterior samples of each of n images ([n, k]).
type LogWeighter interface {
	LogWeightsOf(images []float32, n, k int) ([]float32, error)
}

// Likelihood is the result of NLL.
type Likelihood struct {
	N    int     // images scored
	K    int     // importance samples per image
	ELBO float64 // mean ELBO estimate (mean log-weight), nats per image
	NLL  float64 // importance-weighted estimate of -log p(x), nats per image
	// PerImage is each image's importance-weighted estimate of -log p(x).
	PerImage []float64
}

// BinaryModel is a LogWeighter that says whether its likelihood is over binary images
// (a Bernoulli decoder) or continuous ones (a Gaussian decoder). A model that does not
// say is taken to be binary, the protocol for MNIST likelihoods.
type BinaryModel interface {
	BinaryData() bool
}

// NLL estimates the test negative log-likelihood of data under m with k importance
// samples (Burda et al., 2016): -mean_i log (1/k sum_k w_ik). For a binary model the
// images are binarized once with seed (a fixed binarization of the test set, as in the
// literature); a continuous one (BinaryData false) is scored on the pixels as they are,
// and its numbers are densities, in nats per image, not comparable with binary ones.
func NLL(m LogWeighter, data *datasets.Images, k int, seed uint64) (Likelihood, error) {
	if k < 1 {
		return Likelihood{}, fmt.Errorf("eval: k = %d < 1", k)
	}
	w, err := m.LogWeightsOf(ScoredPixels(m, data, seed), data.N, k)
	if err != nil {
		return Likelihood{}, err
	}
	var elbo, ll float64
	per := make([]float64, data.N)
	for i := range data.N {
		row := w[i*k : (i+1)*k]
		top := math.Inf(-1)
		for _, v := range row {
			elbo += float64(v)
			top = max(top, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - top)
		}
		per[i] = -(top + math.Log(s/float64(k)))
		ll -= per[i]
	}
	n := float64(data.N)
	res := Likelihood{N: data.N, K: k, ELBO: elbo / (n * float64(k)), NLL: -ll / n, PerImage: per}
	if math.IsNaN(res.NLL) || math.IsInf(res.NLL, 0) {
		return res, fmt.Errorf("eval: the likelihood is not finite (%g): is the model trained?", res.NLL)
	}
	return res, nil
}

// ScoredPixels is what a likelihood is scored on: data's pixels binarized once with seed
// for a binary model (one that does not say, or says BinaryData true), as they are for
// a continuous one. The same seed gives the same binary test set to every model, so
// the VAE's bound and PixelCNN's exact likelihood score the same images.
func ScoredPixels(m any, data *datasets.Images, seed uint64) []float32 {
	if b, ok := m.(BinaryModel); ok && !b.BinaryData() {
		return data.Floats()
	}
	px := append([]float32(nil), data.Floats()...)
	datasets.Binarize(datasets.Rand(seed, 0xb1), px)
	return px
}

// Density is a model with an exact likelihood (PixelCNN): log p(x) of each of n
// images, in nats.
type Density interface {
	LogLikelihoods(images []float32, n int) ([]float64, error)
}

// Exact is the result of ExactNLL.
type Exact struct {
	N          int
	NLL        float64   // mean -log p(x), nats per image
	BitsPerDim float64   // the same in bits per pixel value
	PerImage   []float64 // -log p(x) of each image
}

// ExactNLL is the mean negative log-likelihood of data under a model with an exact
// density, on the test pixels NLL would score (binarized with seed for a binary
// model), with each image's.
func ExactNLL(m Density, data *datasets.Images, seed uint64) (Exact, error) {
	ll, err := m.LogLikelihoods(ScoredPixels(m, data, seed), data.N)
	if err != nil {
		return Exact{}, err
	}
	res := Exact{N: data.N, PerImage: make([]float64, data.N)}
	for i, v := range ll {
		res.PerImage[i] = -v
		res.NLL -= v / float64(data.N)
	}
	res.BitsPerDim = res.NLL / (math.Ln2 * float64(data.ImageSize()))
	if math.IsNaN(res.NLL) || math.IsInf(res.NLL, 0) {
		return res, fmt.Errorf("eval: the likelihood is not finite (%g): is the model trained?", res.NLL)
	}
	return res, nil
}

// Reconstructor maps images to their reconstructions.
type Reconstructor interface {
	Reconstruct(images []float32, n int) ([]float32, error)
}

// ReconstructionMSE is the mean squared error per pixel between data and its
// reconstructions.
func ReconstructionMSE(m Reconstructor, data *datasets.Images) (float64, error) {
	px := data.Floats()
	r, err := m.Reconstruct(px, data.N)
	if err != nil {
		return 0, err
	}
	var s float64
	for i, v := range px {
		d := float64(v - r[i])
		s += d * d
	}
	return s / float64(len(px)), nil
}
